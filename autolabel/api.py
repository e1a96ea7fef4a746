"""Autolabel endpoints: settings, mappings, jobs (autolabel now, evaluate), the review queue, and accepting or
rejecting suggestions. Thin: parse, call one service or selector, answer."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Action
from config.errors import InvalidInput
from config.params import MAX_ID, parse_id, query_int
from config.pagination import PageNumberPagination
from datasets import selectors as data
from labeling.api import annotation_body
from labeling.serializers import AnnotationSerializer, ConflictSerializer

from . import jobs, mappings, selectors, services
from .serializers import (AutolabelConfigSerializer, AutolabelEvaluateSerializer, AutolabelJobSerializer, KeypointMappingSerializer,
                          ReviewItemSerializer, ReviewNextSerializer, AutolabelRunSerializer, SuggestionDecisionSerializer)


def _item(image) -> dict:
    ann = image.annotation
    return {"image": image.pk, "name": image.original_name, "score": ann.suggestion_score,
            "flip_spread": (ann.suggested_by or {}).get("flip_spread"), "suggestions": len(ann.suggestions),
            "labelled": image.labelled, "assignee": image.assignee.get_username() if image.assignee_id else None}


class ReviewQueue(APIView):
    """A dataset's images with open suggestions, the ones the model was least sure of first."""

    @extend_schema(responses=ReviewItemSerializer(many=True))
    def get(self, request, pk):
        dataset = data.dataset_get(request.user, pk)
        qs = selectors.review_queue(dataset, request.user, dataset.my_role).select_related("assignee")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([_item(i) for i in page])


AFTER = OpenApiParameter("after", OpenApiTypes.INT, description="The image you are on: the answer comes after it "
                         "in the queue (wrapping).")


class ReviewNext(APIView):
    @extend_schema(parameters=[AFTER], responses=ReviewNextSerializer,
                   description="The image to review next: your own assigned images first, then the open ones.")
    def get(self, request, pk):
        dataset = data.dataset_get(request.user, pk)
        after = query_int(request, "after", low=-MAX_ID, high=MAX_ID, what="an image id")
        return Response({"image": selectors.review_next(dataset, request.user, after),
                         "remaining": selectors.review_count(dataset, request.user, dataset.my_role)})


class _Decision(APIView):
    decide = None

    def post(self, request, pk):
        image = data.image_get(request.user, pk, Action.LABEL)
        body = SuggestionDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ann = type(self).decide(image=image, version=body.validated_data["version"],
                                ids=body.validated_data.get("ids"), user=request.user)
        return Response(annotation_body(ann))


class SuggestionsAccept(_Decision):
    decide = staticmethod(services.suggestions_accept)

    @extend_schema(request=SuggestionDecisionSerializer, responses={200: AnnotationSerializer, 409: ConflictSerializer},
                   description="Accept suggestions as they are: they become labels that record their origin.")
    def post(self, request, pk):
        return super().post(request, pk)


class SuggestionsReject(_Decision):
    decide = staticmethod(services.suggestions_reject)

    @extend_schema(request=SuggestionDecisionSerializer, responses={200: AnnotationSerializer, 409: ConflictSerializer},
                   description="Reject suggestions: they are dropped, the labels stay as they are.")
    def post(self, request, pk):
        return super().post(request, pk)


# ---------------------------------------------------------------- settings, mappings, jobs
def job_body(job) -> dict:
    total = len(job.image_ids)
    return {"id": job.pk, "dataset": job.dataset_id, "kind": job.kind, "trigger": job.trigger, "status": job.status,
            "deployment": job.deployment_id, "deployment_name": job.deployment.name if job.deployment else None,
            "version": job.version, "total": total, "done": min(job.done, total),
            "progress": round(min(job.done, total) / total, 4) if total else 1.0, "suggested": job.suggested,
            "instances": job.instances, "skipped": job.skipped, "cancel_requested": job.cancel_requested,
            "error": job.error, "result": job.result, "created_at": job.created_at, "finished_at": job.finished_at}


def _config_body(dataset) -> dict:
    cfg = mappings.config_for(dataset)
    deployments = []
    for d in selectors.deployments_for(dataset):
        version = d.active_version
        deployments.append({"id": d.pk, "name": d.name, "kind": d.kind,
                            "version": version.number if version else None})
    latest = selectors.jobs_of(dataset).filter(kind="autolabel").first()
    evaluation = selectors.jobs_of(dataset).filter(kind="evaluate").first()
    return {"deployment": cfg.deployment_id, "conf": cfg.conf, "kpt_conf": cfg.kpt_conf, "on_upload": cfg.on_upload,
            "deployments": deployments, "latest_job": job_body(latest) if latest else None,
            "latest_evaluation": job_body(evaluation) if evaluation else None}


class AutolabelSettings(APIView):
    """A dataset's autolabel settings: the deployment, thresholds, and "autolabel new uploads"."""

    @extend_schema(responses=AutolabelConfigSerializer)
    def get(self, request, pk):
        return Response(_config_body(data.dataset_get(request.user, pk)))

    @extend_schema(request=AutolabelConfigSerializer, responses=AutolabelConfigSerializer)
    def put(self, request, pk):
        dataset = data.dataset_get(request.user, pk, Action.MANAGE_DATA)
        if not isinstance(request.data, dict):
            raise InvalidInput("send a JSON object", field="non_field_errors")
        mappings.config_update(dataset=dataset, changes=dict(request.data))
        return Response(_config_body(dataset))


def _deployment_of(request, dataset):
    raw = request.query_params.get("deployment")
    if raw in (None, ""):
        cfg = mappings.config_for(dataset)
        if cfg.deployment is None:
            raise InvalidInput("choose a deployment (query parameter or the dataset's autolabel settings)",
                               field="deployment")
        return cfg.deployment
    found = selectors.deployments_for(dataset).filter(pk=parse_id(raw, "deployment")).first()
    if found is None:
        raise InvalidInput("no such deployment in this dataset's workspace", field="deployment")
    return found


def _mapping_body(m, cls, model: dict) -> dict:
    return {"class": cls.pk, "class_name": cls.name, "template": [k["name"] for k in cls.keypoints],
            "model_class": m.model_class, "mapping": m.mapping, "edited": m.edited,
            "model_keypoints": model.get(m.model_class, []) if m.model_class else []}


DEPLOYMENT = OpenApiParameter("deployment", OpenApiTypes.INT, description="Default: the dataset's autolabel "
                              "deployment.")


class KeypointMappings(APIView):
    @extend_schema(parameters=[DEPLOYMENT], responses=KeypointMappingSerializer(many=True),
                   description="Per dataset class, how the deployment's keypoints map onto its template (made by "
                               "name the first time, then stored). `model_classes`: the model's classes and points.")
    def get(self, request, pk):
        dataset = data.dataset_get(request.user, pk)
        deployment = _deployment_of(request, dataset)
        model = deployment.keypoint_names_by_class()
        rows = [_mapping_body(m, m.skeleton_class, model) for m in mappings.mappings_of(deployment, dataset)]
        return Response({"deployment": deployment.pk, "model_classes": model, "classes": rows})


class KeypointMappingDetail(APIView):
    @extend_schema(parameters=[DEPLOYMENT], responses=KeypointMappingSerializer)
    def get(self, request, pk, class_id):
        dataset = data.dataset_get(request.user, pk)
        cls = _class_of(dataset, class_id)
        deployment = _deployment_of(request, dataset)
        return Response(_mapping_body(mappings.mapping_for(deployment, cls), cls, deployment.keypoint_names_by_class()))

    @extend_schema(parameters=[DEPLOYMENT], request=KeypointMappingSerializer, responses=KeypointMappingSerializer)
    def put(self, request, pk, class_id):
        dataset = data.dataset_get(request.user, pk, Action.MANAGE_DATA)
        cls = _class_of(dataset, class_id)
        deployment = _deployment_of(request, dataset)
        body = request.data if isinstance(request.data, dict) else {}
        m = mappings.mapping_update(deployment=deployment, cls=cls, model_class=body.get("model_class", ""),
                                    mapping=body.get("mapping"))
        return Response(_mapping_body(m, cls, deployment.keypoint_names_by_class()))


def _class_of(dataset, class_id):
    from django.http import Http404

    cls = dataset.classes.filter(pk=class_id).first()
    if cls is None:
        raise Http404("no such class in this dataset")
    return cls


class AutolabelRun(APIView):
    @extend_schema(request=AutolabelRunSerializer, responses={202: AutolabelJobSerializer},
                   description="Autolabel now: the given images, or every unlabelled one, with the dataset's "
                               "deployment (its active version: after a redeploy, the new one).")
    def post(self, request, pk):
        dataset = data.dataset_get(request.user, pk, Action.MANAGE_DATA)
        body = request.data if isinstance(request.data, dict) else {}
        job = jobs.job_start(dataset=dataset, user=request.user, image_ids=body.get("images"))
        return Response(job_body(job), status=202)


class AutolabelEvaluate(APIView):
    @extend_schema(request=AutolabelEvaluateSerializer, responses={202: AutolabelJobSerializer},
                   description="Measure a deployment on the dataset's labelled images: COCO keypoint AP "
                               "(pycocotools), per-keypoint PCK@0.05, accept_share. The figures arrive in the "
                               "job's `result`.")
    def post(self, request, pk):
        dataset = data.dataset_get(request.user, pk, Action.MANAGE_DATA)
        body = request.data if isinstance(request.data, dict) else {}
        deployment = body.get("deployment")
        job = jobs.job_start(dataset=dataset, user=request.user, kind="evaluate",
                             deployment=deployment if deployment is not None else None)
        return Response(job_body(job), status=202)


class AutolabelJobs(APIView):
    @extend_schema(responses=AutolabelJobSerializer(many=True))
    def get(self, request, pk):
        dataset = data.dataset_get(request.user, pk)
        return Response([job_body(j) for j in selectors.jobs_of(dataset)[:50]])


class AutolabelJobDetail(APIView):
    @extend_schema(responses=AutolabelJobSerializer)
    def get(self, request, pk):
        return Response(job_body(selectors.job_get(request.user, pk)))


class AutolabelJobCancel(APIView):
    @extend_schema(request=None, responses={200: AutolabelJobSerializer, 409: ConflictSerializer})
    def post(self, request, pk):
        job = selectors.job_get(request.user, pk, Action.MANAGE_DATA)
        return Response(job_body(jobs.job_cancel(job=job)))
