from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Action
from datasets import selectors

from . import assignments, services
from .serializers import (AnnotationSerializer, AssignmentsSerializer, ClearSerializer, ConflictSerializer,
                          MovedSerializer, ReassignSerializer, SplitResultSerializer, SplitSerializer)


def annotation_body(ann) -> dict:
    """The JSON of one image's annotation (GET/PUT here, and autolabel's accept/reject answers)."""
    return {"image": ann.image_id, "version": ann.version, "no_objects": ann.no_objects,
            "instances": ann.instances, "crowd": ann.crowd, "suggestions": ann.suggestions,
            "suggested_by": ann.suggested_by, "updated_at": ann.updated_at,
            "updated_by": ann.updated_by.get_username() if ann.updated_by_id else None}


_body = annotation_body


class ImageAnnotations(APIView):
    """One image's instances. PUT replaces them all and must carry the version it read."""

    @extend_schema(responses=AnnotationSerializer)
    def get(self, request, pk):
        image = selectors.image_get(request.user, pk)
        return Response(_body(services.annotation_read(image)))

    @extend_schema(request=AnnotationSerializer, responses={200: AnnotationSerializer, 409: ConflictSerializer})
    def put(self, request, pk):
        image = selectors.image_get(request.user, pk, Action.LABEL)
        data = request.data
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["send a JSON object"]})
        version = data.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            raise ValidationError({"version": ["a non-negative integer (the version you read) is required"]})
        no_objects = data.get("no_objects", False)
        if not isinstance(no_objects, bool):
            raise ValidationError({"no_objects": ["must be true or false"]})
        ann = services.annotation_write(image=image, version=version, instances=data.get("instances", []),
                                        no_objects=no_objects, crowd=data.get("crowd"),
                                        suggestions=data.get("suggestions"), user=request.user)
        return Response(_body(ann))


class DatasetAssignments(APIView):
    """Progress per person: images assigned to each member who labels, how many are labelled, and the open ones."""

    @extend_schema(responses=AssignmentsSerializer)
    def get(self, request, pk):
        return Response(assignments.progress_per_person(selectors.dataset_get(request.user, pk)))


class AssignmentsSplit(APIView):
    @extend_schema(request=SplitSerializer, responses=SplitResultSerializer,
                   description="Split the unlabelled images evenly among members, in contiguous runs of image ids.")
    def post(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk, Action.MANAGE_MEMBERS)
        data = SplitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(assignments.assignments_split(dataset=dataset, user_ids=data.validated_data["users"],
                                                      replace=data.validated_data["replace"]))


class AssignmentsReassign(APIView):
    @extend_schema(request=ReassignSerializer, responses=MovedSerializer)
    def post(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk, Action.MANAGE_MEMBERS)
        data = ReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"moved": assignments.assignments_reassign(dataset=dataset, **data.validated_data)})


class AssignmentsClear(APIView):
    @extend_schema(request=ClearSerializer, responses=MovedSerializer)
    def post(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk, Action.MANAGE_MEMBERS)
        data = ClearSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"moved": assignments.assignments_clear(dataset=dataset,
                                                                user_ids=data.validated_data.get("users"))})
