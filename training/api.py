"""Training-session endpoints under /api/v1/. Thin: parse, call one service or selector, answer."""
from __future__ import annotations

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Action
from config import storage
from config.parsers import JSONParser
from config.params import int_list, query_id, query_int
from accounts.selectors import workspace_from_request
from config.errors import InvalidInput, TooLarge
from django.conf import settings
from datasets import selectors as dataset_selectors

from . import files, liveness, selectors, services
from .engine.params import TrainingParams
from .models import TrainingSession
from .serializers import (AlgorithmSerializer, DatasetEvaluationSerializer, EpochMetricSerializer,
                          EvaluateRequestSerializer, EvaluationSerializer, LogSerializer, PretrainedSerializer,
                          ResumeSerializer, SessionCreateSerializer, SessionUpdateSerializer, TrainingCheckSerializer,
                          TrainingSessionSerializer, WorkerSerializer)

ERRORS = {400: OpenApiResponse(description='{"error", "message", "field"}'),
          404: OpenApiResponse(description="Not found (or not yours)")}
CONFLICT = {409: OpenApiResponse(description='{"error", "message"}: the session is not in a state for this')}


MAX_LOG_LINES = 2000


class SessionListCreate(generics.ListAPIView):
    """Your training sessions, newest first; POST starts one (snapshot taken now, queued on the gpu queue)."""

    serializer_class = TrainingSessionSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        status_filter = self.request.query_params.get("status") or None
        if status_filter and status_filter not in dict(TrainingSession.STATUSES):
            raise InvalidInput(f"status must be one of {[s for s, _ in TrainingSession.STATUSES]}", field="status")
        dataset = query_id(self.request, "dataset")
        raw = self.request.query_params.get("workspace") or self.request.META.get("HTTP_X_WORKSPACE")
        return selectors.sessions_for(self.request.user, workspace=workspace_from_request(self.request) if raw else None,
                                      dataset_id=dataset,
                                      status=status_filter)

    @extend_schema(parameters=[
        OpenApiParameter("dataset", OpenApiTypes.INT, description="Only sessions of this dataset."),
        OpenApiParameter("status", OpenApiTypes.STR, enum=[s for s, _ in TrainingSession.STATUSES]),
        OpenApiParameter("workspace", OpenApiTypes.INT, description="Only this workspace (default: all of yours)."),
    ], description="Reading the list also marks sessions whose worker stopped sending heartbeats as failed.")
    def get(self, request, *args, **kwargs):
        liveness.sweep_stale_sessions()
        return super().get(request, *args, **kwargs)

    @extend_schema(request={"application/json": SessionCreateSerializer, "multipart/form-data": SessionCreateSerializer},
                   responses={201: TrainingSessionSerializer, **ERRORS,
                              409: OpenApiResponse(description='{"error": "dataset_not_labelled", "message", '
                                                               '"unlabelled", "total"}')},
                   description="Refused (409 dataset_not_labelled) while any image of the dataset is unlabelled; "
                               "`warnings` says when the set is small (< 250 labelled images).")
    def post(self, request):
        data = SessionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        dataset = dataset_selectors.datasets_for(request.user).filter(pk=v["dataset"]).first()
        if dataset is None:
            raise InvalidInput(f"you have no dataset with id {v['dataset']}", field="dataset")
        dataset = dataset_selectors.dataset_get(request.user, dataset.pk, Action.TRAIN)
        initial_session = None
        if v.get("initial_session"):
            initial_session = selectors.sessions_for(request.user).filter(pk=v["initial_session"]).first()
            if initial_session is None:
                raise InvalidInput(f"you have no training session with id {v['initial_session']}",
                                   field="initial_session")
        upload = v.get("initial_weights_file")
        session = services.training_session_start(
            user=request.user, dataset=dataset, algorithm=v["algorithm"], class_ids=v.get("class_ids") or None,
            name=v.get("name", ""), task=v["task"],
            params={k: v.get(k) for k in TrainingParams.names()},
            initial_weights=v["initial_weights"], initial_session=initial_session, weights_file=upload,
            weights_name=getattr(upload, "name", "") if upload else "", worker=v.get("worker", ""))
        return Response(TrainingSessionSerializer(session).data, status=status.HTTP_201_CREATED)


class SessionDetail(APIView):
    @extend_schema(responses={200: TrainingSessionSerializer, **ERRORS})
    def get(self, request, pk):
        session = selectors.session_get(request.user, pk)
        if session.status == TrainingSession.RUNNING:
            liveness.sweep_stale_sessions()
            session.refresh_from_db()
        return Response(TrainingSessionSerializer(session).data)

    @extend_schema(request=SessionUpdateSerializer, responses={200: TrainingSessionSerializer, **ERRORS})
    def patch(self, request, pk):
        session = selectors.session_get(request.user, pk, Action.TRAIN)
        data = SessionUpdateSerializer(data=request.data, partial=True)  # an empty body changes nothing
        data.is_valid(raise_exception=True)
        if "name" in data.validated_data:
            session = services.training_session_update(session=session, name=data.validated_data["name"])
        return Response(TrainingSessionSerializer(session).data)

    @extend_schema(responses={204: None, **ERRORS, **CONFLICT}, description="Deletes the session and its files; "
                   "a queued or running session must be cancelled first.")
    def delete(self, request, pk):
        services.training_session_delete(session=selectors.session_get(request.user, pk, Action.TRAIN))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionEpochs(APIView):
    @extend_schema(parameters=[OpenApiParameter("after", OpenApiTypes.INT,
                                                description="Only epochs after this one (for polling).")],
                   responses={200: EpochMetricSerializer(many=True), **ERRORS})
    def get(self, request, pk):
        session = selectors.session_get(request.user, pk)
        after = query_int(request, "after", 0, low=0)
        return Response(EpochMetricSerializer(selectors.epochs_of(session, after=after), many=True).data)


class SessionLog(APIView):
    @extend_schema(parameters=[OpenApiParameter("lines", OpenApiTypes.INT, description="How many (at least 1, default 200; more than 2000 reads 2000).")],
                   responses={200: LogSerializer, **ERRORS})
    def get(self, request, pk):
        session = selectors.session_get(request.user, pk)
        return Response(selectors.log_tail(session, min(query_int(request, "lines", 200, low=1), MAX_LOG_LINES)))


class SessionCancel(APIView):
    @extend_schema(request=None, responses={200: TrainingSessionSerializer, **ERRORS, **CONFLICT},
                   description="A queued session is cancelled at once; a running one stops within about a second "
                               "of its current batch, keeps last.pt (resumable) and becomes `cancelled`.")
    def post(self, request, pk):
        session = services.training_session_cancel(session=selectors.session_get(request.user, pk, Action.TRAIN))
        return Response(TrainingSessionSerializer(session).data)


class SessionResume(APIView):
    @extend_schema(request=ResumeSerializer, responses={200: TrainingSessionSerializer, **ERRORS, **CONFLICT},
                   description="Queue a cancelled or failed session again; it continues from last.pt in the same run "
                               "folder (from the start when no epoch had finished).")
    def post(self, request, pk):
        session = selectors.session_get(request.user, pk, Action.TRAIN)
        data = ResumeSerializer(data=request.data or {})
        data.is_valid(raise_exception=True)
        session = services.training_session_resume(session=session, worker=data.validated_data.get("worker", ""))
        return Response(TrainingSessionSerializer(session).data)


class SessionWeights(APIView):
    @extend_schema(parameters=[OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["best", "last"])],
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ERRORS[404]})
    def get(self, request, pk, kind):
        name = selectors.weights_get(request.user, pk, kind)
        return FileResponse(storage.open_read(name), as_attachment=True, filename=f"session-{pk}-{kind}.pt",
                            content_type="application/octet-stream")


def _evaluation_body(session: TrainingSession) -> dict:
    result = session.evaluation
    if result:
        result = {**result, "examples": [
            {**{k: ex[k] for k in ("source", "ground_truth", "predicted", "matched")},
             "url": reverse("training-session-evaluation-image", args=[session.pk, i])}
            for i, ex in enumerate(result.get("examples", []))]}
        result.setdefault("sigmas_source", "")
        result.setdefault("val_fallback", False)
    return {"status": session.evaluation_status, "error": session.evaluation_error, "result": result,
            "coco": session.coco}


class SessionEvaluation(APIView):
    @extend_schema(responses={200: EvaluationSerializer, **ERRORS},
                   description="Per-keypoint PCK@0.05 (of the box diagonal) and OKS share on the snapshot's val "
                               "split, with a few val images drawn: ground truth green, predictions red.")
    def get(self, request, pk):
        return Response(_evaluation_body(selectors.session_get(request.user, pk)))

    @extend_schema(request=None, responses={202: EvaluationSerializer, **ERRORS, **CONFLICT},
                   description="Run the evaluation again on a gpu-queue worker (it runs by itself after training).")
    def post(self, request, pk):
        session = services.training_session_evaluate(session=selectors.session_get(request.user, pk, Action.TRAIN))
        return Response(_evaluation_body(session), status=status.HTTP_202_ACCEPTED)


class SessionEvaluationImage(APIView):
    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY, 404: ERRORS[404]})
    def get(self, request, pk, index):
        name = selectors.evaluation_image(selectors.session_get(request.user, pk), index)
        if name is None:
            raise Http404("no such evaluation image")
        response = FileResponse(storage.open_read(name), content_type="image/jpeg")
        response["Cache-Control"] = "private, no-cache"
        return response


class AlgorithmList(APIView):
    @extend_schema(responses=AlgorithmSerializer(many=True),
                   description="Pose model configs shipped with the installed Ultralytics (cfg/models/*/*-pose*.yaml "
                               "x scales n/s/m/l/x); training starts from the YAML unless initial weights are given.")
    def get(self, request):
        return Response(AlgorithmSerializer(selectors.algorithm_list(), many=True).data)


class WorkerList(APIView):
    @extend_schema(responses=WorkerSerializer(many=True),
                   description="Live Celery workers on the gpu queue (heartbeat within the last ~40 s) and their device.")
    def get(self, request):
        return Response(WorkerSerializer(selectors.live_workers(), many=True).data)


# ---------------------------------------------------------------- issue 12: COCO AP files, scoring, checks
class SessionCoco(APIView):
    @extend_schema(parameters=[OpenApiParameter("file", OpenApiTypes.STR, OpenApiParameter.PATH,
                                                enum=list(files.COCO_FILES))],
                   responses={(200, "application/json"): OpenApiTypes.BINARY, 404: ERRORS[404]},
                   description="The two files the session's COCO AP comes from: `predictions` (best.pt on the val "
                               "split, COCO results JSON) and `ground_truth` (the val split frozen at start, COCO "
                               "keypoints JSON with each category's `sigmas`). A plain pycocotools COCOeval "
                               "(iouType keypoints, kpt_oks_sigmas = the category's sigmas) on them gives the same "
                               "figures.")
    def get(self, request, pk, file):
        name = selectors.coco_file(request.user, pk, file)
        return FileResponse(storage.open_read(name), as_attachment=True, content_type="application/json",
                            filename=f"session-{pk}-coco-{files.COCO_FILES[file]}")


class DatasetEvaluate(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": EvaluateRequestSerializer,
                            "application/json": EvaluateRequestSerializer},
                   responses={200: DatasetEvaluationSerializer, **ERRORS,
                              413: OpenApiResponse(description='{"error": "too_large", "message"}')},
                   description="Score predictions made elsewhere against the dataset's labelled images with "
                               "pycocotools' COCOeval (iouType keypoints), each class with its own OKS sigmas: "
                               "`predictions` is a COCO results JSON whose image_ids and category_ids are those "
                               "of the dataset's COCO export. Stored areas (else box x 0.53), crowd regions as "
                               "ignore regions, people without labelled keypoints ignored.")
    def post(self, request, pk):
        dataset = dataset_selectors.dataset_get(request.user, pk, Action.VIEW)
        upload = request.FILES.get("predictions")
        limit = settings.EVALUATE_MAX_PREDICTIONS_BYTES
        if upload is not None:
            if upload.size > limit:
                raise TooLarge(f"the predictions file is {upload.size} bytes; the limit is {limit} "
                               "(EVALUATE_MAX_PREDICTIONS_BYTES)", field="predictions")
            predictions = upload.read()
        elif "predictions" in request.data:
            predictions = request.data["predictions"]  # JSON body: the results list itself, or its text
        else:
            raise InvalidInput("send the COCO results JSON as the multipart file `predictions`", field="predictions")
        split = request.data.get("split") or request.query_params.get("split") or None
        return Response(selectors.dataset_evaluate(dataset, predictions, split=split))


class DatasetTrainingCheck(APIView):
    @extend_schema(parameters=[OpenApiParameter("class_ids", OpenApiTypes.STR,
                                                description="Comma-separated class ids (default: all).")],
                   responses={200: TrainingCheckSerializer, **ERRORS},
                   description="What starting a training would find, without starting one: people with and "
                               "without keypoints per split, images the session's snapshot would move into val "
                               "(or train), the refusal it would answer (`error`) and warnings (a tiny val split).")
    def get(self, request, pk):
        dataset = dataset_selectors.dataset_get(request.user, pk, Action.VIEW)
        class_ids = int_list(request.query_params.get("class_ids"), "class_ids")
        return Response(selectors.training_check(dataset, class_ids))


class PretrainedList(APIView):
    @extend_schema(responses=PretrainedSerializer(many=True),
                   description="Ultralytics' COCO-pretrained pose checkpoints (yolo11 and yolo26, sizes n-x) whose "
                               "files are in the server's weights folder (WEIGHTS_DIR); start from one with "
                               "initial_weights = its `choice` (pretrained:<name>). `manage.py fetch_weights <name>` "
                               "adds one on a machine that is online.")
    def get(self, request):
        return Response(PretrainedSerializer(selectors.pretrained_list(), many=True).data)
