"""Autolabel endpoints: the review queue, and accepting or rejecting suggestions. Thin: parse, call, answer."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Action
from config.errors import InvalidInput
from config.pagination import PageNumberPagination
from datasets import selectors as data
from labeling.api import annotation_body
from labeling.serializers import AnnotationSerializer, ConflictSerializer

from . import selectors, services
from .serializers import ReviewItemSerializer, ReviewNextSerializer, SuggestionDecisionSerializer


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
        raw = request.query_params.get("after")
        after = None
        if raw not in (None, ""):
            try:
                after = int(raw)
            except ValueError:
                raise InvalidInput("after must be an image id", field="after") from None
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
