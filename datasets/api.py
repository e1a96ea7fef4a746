"""Dataset, image and skeleton-class endpoints. Thin: parse, call one service, answer."""
from __future__ import annotations


import mimetypes

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Action
from accounts.selectors import workspace_from_request, workspace_get
from config import storage as cfg_storage
from config.errors import InvalidInput
from config.params import MAX_ID, parse_int

from . import selectors, services
from .models import Image
from .serializers import (DatasetSerializer, ImageSerializer, ImageUpdateSerializer, MoveSerializer,
                          ProgressSerializer, SkeletonClassSerializer, UploadReportSerializer,
                          UploadSerializer)


def _bool_param(request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise InvalidInput(f"{name} must be true or false", field=name)


WORKSPACE_PARAM = OpenApiParameter(
    "workspace", OpenApiTypes.INT, description="A workspace id (also the X-Workspace header). Lists: only that "
    "workspace (default: every workspace you belong to). Create: where the new object goes (default: your "
    "personal workspace).")
# What each HTTP method on a dataset-scoped object asks of the caller's role.
WRITE_ACTIONS = {"GET": Action.VIEW, "HEAD": Action.VIEW, "OPTIONS": Action.VIEW}


def _action(request, write: str) -> str:
    return WRITE_ACTIONS.get(request.method, write)


class DatasetListCreate(generics.ListCreateAPIView):
    serializer_class = DatasetSerializer

    def get_queryset(self):
        raw = self.request.query_params.get("workspace") or self.request.META.get("HTTP_X_WORKSPACE")
        workspace = workspace_from_request(self.request) if raw else None
        return selectors.datasets_for(self.request.user, workspace)

    @extend_schema(parameters=[WORKSPACE_PARAM])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(parameters=[WORKSPACE_PARAM])
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform_create(self, serializer):
        workspace = workspace_from_request(self.request, Action.MANAGE_DATA)
        dataset = services.dataset_create(workspace=workspace, user=self.request.user, **serializer.validated_data)
        serializer.instance = selectors.datasets_for(self.request.user).get(pk=dataset.pk)


class DatasetDetail(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = DatasetSerializer

    def get_object(self):
        action = Action.DELETE_DATASET if self.request.method == "DELETE" else _action(self.request, Action.MANAGE_DATA)
        dataset = selectors.dataset_get(self.request.user, self.kwargs["pk"], action)
        return selectors.datasets_for(self.request.user).get(pk=dataset.pk)

    def perform_update(self, serializer):
        services.dataset_update(dataset=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.dataset_delete(dataset=instance)


class DatasetMove(APIView):
    @extend_schema(request=MoveSerializer, responses=DatasetSerializer,
                   description="Move the dataset (images, classes, labels, and its training sessions) into another "
                               "workspace. You must be an admin of both. 409 if the target has a dataset of that "
                               "name; assignments of people who may not label there are dropped.")
    def post(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk, Action.MANAGE_MEMBERS)
        data = MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = workspace_get(request.user, data.validated_data["workspace"], Action.MANAGE_MEMBERS)
        services.dataset_move(dataset=dataset, workspace=target)
        return Response(DatasetSerializer(selectors.datasets_for(request.user).get(pk=dataset.pk)).data)


class DatasetProgress(APIView):
    @extend_schema(responses=ProgressSerializer)
    def get(self, request, pk):
        return Response(selectors.dataset_progress(selectors.dataset_get(request.user, pk), request.user))


class DatasetImages(generics.ListAPIView):
    """List a dataset's images (paginated), or upload new ones (multipart `files`, images and/or zips)."""

    serializer_class = ImageSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        dataset = selectors.dataset_get(self.request.user, self.kwargs["pk"])
        split = self.request.query_params.get("split") or None
        if split and split not in ("train", "val"):
            raise InvalidInput("split must be train or val", field="split")
        raw = self.request.query_params.get("assignee") or None
        if raw == "me":
            raw = self.request.user.pk
        elif raw is not None and raw != "none":
            raw = parse_int(raw, "assignee", low=1, high=MAX_ID, what="a user id, me or none")
        return selectors.images_of(dataset, labelled=_bool_param(self.request, "labelled"), split=split,
                                   assignee=raw)

    @extend_schema(parameters=[
        OpenApiParameter("labelled", OpenApiTypes.BOOL, description="Only labelled (true) or unlabelled (false) images."),
        OpenApiParameter("split", OpenApiTypes.STR, enum=["train", "val"]),
        OpenApiParameter("assignee", OpenApiTypes.STR, description="Only images assigned to this user id, to `me`, "
                                                                   "or `none` (open to everyone)."),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": UploadSerializer},
                   responses={201: UploadReportSerializer, 400: UploadReportSerializer, 413: UploadReportSerializer},
                   description="Good files are stored even when others in the batch are bad; each bad file is "
                               "reported in `errors` with its reason. 400 (413 when every bad file was too large) "
                               "when nothing could be stored.")
    def post(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk, Action.MANAGE_DATA)
        files = request.FILES.getlist("files")
        if not files:
            raise InvalidInput("send one or more files in the multipart field 'files'", field="files")
        report = services.images_upload(dataset=dataset, files=[(f.name, f) for f in files])
        body = UploadReportSerializer(report).data
        if report.created or report.duplicates:
            code = status.HTTP_201_CREATED
        elif report.errors and all(e["error"] == "file_too_large" for e in report.errors):
            code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        else:
            code = status.HTTP_400_BAD_REQUEST
        if code >= 400 and not report.errors:  # nothing stored and nothing reported: say so, never a 500
            body = {"error": "no_images", "message": "files: no image was found in the upload", "field": "files",
                    **body}
        elif code >= 400:
            body = {"error": report.errors[0]["error"], "message": f"{report.errors[0]['file']}: {report.errors[0]['message']}",
                    "field": "files", **body}
        return Response(body, status=code)


class ImageDetail(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = ImageSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self):
        return selectors.image_get(self.request.user, self.kwargs["pk"], _action(self.request, Action.MANAGE_DATA))

    def get(self, request, *args, **kwargs):
        image = self.get_object()
        return Response({**ImageSerializer(image).data,
                         "neighbours": selectors.image_neighbours(image, request.user, image.my_role)})

    def perform_destroy(self, instance):
        services.image_delete(image=instance)

    @extend_schema(request=ImageUpdateSerializer, responses=ImageSerializer)
    def patch(self, request, *args, **kwargs):
        image = self.get_object()
        data = ImageUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(ImageSerializer(services.image_update(image=image, **data.validated_data)).data)


class _ImageBytes(APIView):
    content_type = None

    def stored_file(self, image: Image):
        return image.file

    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY, 404: OpenApiTypes.OBJECT})
    def get(self, request, pk):
        image = selectors.image_get(request.user, pk)
        stored = self.stored_file(image)
        try:
            fh = cfg_storage.open_read(stored.name)
        except FileNotFoundError:
            raise Http404("the stored file is missing") from None
        content_type = self.content_type or mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
        response = FileResponse(fh, content_type=content_type)
        response["Cache-Control"] = "private, max-age=86400"  # content-addressed: never changes
        return response


class ImageFile(_ImageBytes):
    """The original bytes as uploaded."""


class ImageThumbnail(_ImageBytes):
    content_type = "image/jpeg"

    def stored_file(self, image: Image):
        return image.thumbnail


class ImageDisplay(_ImageBytes):
    """What a browser draws: the PNG rendition for pictures browsers cannot show (TIFF, 16-bit), else the
    original. Same size and orientation as the image's width x height."""

    def stored_file(self, image: Image):
        return image.rendition if image.rendition else image.file


class ClassListCreate(generics.ListCreateAPIView):
    serializer_class = SkeletonClassSerializer
    pagination_class = None

    def get_dataset(self):
        return selectors.dataset_get(self.request.user, self.kwargs["pk"], _action(self.request, Action.MANAGE_DATA))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "dataset": self.get_dataset()}

    def get_queryset(self):
        return self.get_dataset().classes.all()

    def perform_create(self, serializer):
        serializer.instance = services.class_create(dataset=self.get_dataset(), **serializer.validated_data)


class ClassDetail(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = SkeletonClassSerializer

    def get_object(self):
        return selectors.class_get(self.request.user, self.kwargs["pk"], _action(self.request, Action.MANAGE_DATA))

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        if "pk" in self.kwargs:
            ctx["dataset"] = self.get_object().dataset
        return ctx

    def perform_update(self, serializer):
        serializer.instance = services.class_update(cls=serializer.instance, user=self.request.user,
                                                    **serializer.validated_data)

    @extend_schema(parameters=[OpenApiParameter("force", OpenApiTypes.BOOL,
                                                description="Also delete this class's labelled instances.")])
    def delete(self, request, *args, **kwargs):
        services.class_delete(cls=self.get_object(), force=bool(_bool_param(request, "force")), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
