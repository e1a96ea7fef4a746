"""Import and export endpoints: synchronous ones (answer the file or the result in the request), and background
jobs with progress for any size. Thin: parse, call one service, answer."""
from __future__ import annotations

import os
import tempfile

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Action
from config import storage
from config.parsers import JSONParser
from config.errors import InvalidInput
from config.params import int_list

from . import exports, imports, jobs, selectors
from .serializers import (ExportJobSerializer, ImportResultSerializer, ImportZipSerializer, JobSerializer)


def _class_ids(raw) -> list[int] | None:
    return int_list(raw, "classes")


def _upload(request):
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput("send the zip in the multipart field 'file'", field="file")
    return upload


class DatasetExport(APIView):
    @extend_schema(parameters=[
        OpenApiParameter("format", OpenApiTypes.STR, enum=["coco", "yolo"], required=True),
        OpenApiParameter("classes", OpenApiTypes.STR, description="Comma-separated class ids (default: all)."),
    ], responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "application/zip"): OpenApiTypes.BINARY,
                  400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
        description="The labelled images as COCO keypoints JSON or a YOLO pose zip, built now and streamed. 400 "
                    "when nothing is labelled. For large datasets prefer POST .../exports/ (a background job).")
    def get(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk)
        fmt = request.query_params.get("format")
        if fmt not in imports.FORMATS:
            raise InvalidInput("format must be coco or yolo", field="format")
        export = exports.plan(dataset, _class_ids(request.query_params.get("classes")))
        # A temporary file, not memory: the file can be as large as the dataset.
        tmp = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
        if fmt == "coco":
            import io

            text = io.TextIOWrapper(tmp, encoding="utf-8", write_through=True)
            exports.write_coco(export, text)
            text.detach()
            content_type = "application/json"
        else:
            exports.write_yolo(export, tmp)
            content_type = "application/zip"
        tmp.seek(0)
        return FileResponse(tmp, content_type=content_type, as_attachment=True,
                            filename=exports.export_name(dataset, fmt))


class _ImportNow(APIView):
    parser_classes = [MultiPartParser]
    fmt: str | None = None

    def post(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk, Action.MANAGE_DATA)
        result = imports.import_zip(dataset=dataset, fileobj=_upload(request), fmt=self.fmt,
                                    mode=request.data.get("mode") or "skip", user=request.user)
        return Response(result, status=status.HTTP_201_CREATED)


class DatasetImportCoco(_ImportNow):
    fmt = "coco"

    @extend_schema(request={"multipart/form-data": ImportZipSerializer},
                   responses={201: ImportResultSerializer, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
                   description="Import a zip holding one COCO keypoints .json and its pictures, now. All or nothing; "
                               "what was stored differently comes back in `warnings`.")
    def post(self, request, pk):
        return super().post(request, pk)


class DatasetImportYolo(_ImportNow):
    fmt = "yolo"

    @extend_schema(request={"multipart/form-data": ImportZipSerializer},
                   responses={201: ImportResultSerializer, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
                   description="Import a zip of an Ultralytics YOLO pose dataset (data.yaml with kpt_shape, images/, "
                               "labels/), now. All or nothing.")
    def post(self, request, pk):
        return super().post(request, pk)


class DatasetImportJobs(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": ImportZipSerializer}, responses={202: JobSerializer},
                   description="Queue an import (COCO zip or YOLO zip; `format` empty: detected) as a background job; "
                               "follow it at /api/v1/jobs/<id>/.")
    def post(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk, Action.MANAGE_DATA)
        upload = _upload(request)
        job = jobs.import_job_create(dataset=dataset, upload=upload, file_name=upload.name,
                                     fmt=request.data.get("format") or None, mode=request.data.get("mode") or "skip",
                                     user=request.user)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class DatasetExportJobs(APIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=ExportJobSerializer, responses={202: JobSerializer},
                   description="Queue an export as a background job; download it from /api/v1/jobs/<id>/download "
                               "when done.")
    def post(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk)
        data = ExportJobSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = jobs.export_job_create(dataset=dataset, fmt=data.validated_data["format"],
                                     class_ids=data.validated_data.get("classes") or None, user=request.user)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class DatasetJobList(APIView):
    @extend_schema(responses=JobSerializer(many=True), description="The dataset's last 20 imports and exports.")
    def get(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk)
        return Response(JobSerializer(dataset.jobs.all()[:20], many=True).data)


class JobDetail(APIView):
    @extend_schema(responses=JobSerializer)
    def get(self, request, pk):
        return Response(JobSerializer(selectors.job_get(request.user, pk)).data)


class JobCancel(APIView):
    @extend_schema(request=None, responses=JobSerializer,
                   description="Stop a queued or running job (an import then rolls back whole). Imports: roles that "
                               "manage data; exports: whoever started it, or roles that manage data.")
    def post(self, request, pk):
        job = selectors.job_get(request.user, pk)
        if job.kind == "import" or job.created_by_id != request.user.pk:
            job = selectors.job_get(request.user, pk, Action.MANAGE_DATA)
        return Response(JobSerializer(jobs.job_cancel(job=job)).data)


class JobDownload(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: OpenApiTypes.OBJECT})
    def get(self, request, pk):
        job = selectors.job_get(request.user, pk)
        if not job.output_file or not storage.exists(job.output_file.name):
            raise Http404("this job has no file to download (yet)")
        return FileResponse(storage.open_read(job.output_file.name), as_attachment=True,
                            filename=os.path.basename(job.output_file.name))
