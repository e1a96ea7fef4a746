from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Action
from datasets import selectors

from . import services
from .serializers import AnnotationSerializer, ConflictSerializer


def _body(ann) -> dict:
    return {"image": ann.image_id, "version": ann.version, "no_objects": ann.no_objects,
            "instances": ann.instances, "crowd": ann.crowd, "updated_at": ann.updated_at,
            "updated_by": ann.updated_by.get_username() if ann.updated_by_id else None}


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
                                        no_objects=no_objects, crowd=data.get("crowd"), user=request.user)
        return Response(_body(ann))
