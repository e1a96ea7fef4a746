"""Deployment management endpoints under /api/v1/deployments/. Thin: parse, call one service or selector, answer.
The detect endpoint is deploy.detect."""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Action
from accounts.selectors import workspace_from_request
from config.params import query_int
from core.errors import InvalidInput
from training import selectors as training_selectors

from . import selectors, services, serving, usage
from .models import Deployment
from .serializers import (ApiKeyCreateSerializer, ApiKeySerializer, DeploymentCreateSerializer,
                          DeploymentSerializer, DeploymentUpdateSerializer, VersionCreateSerializer,
                          VersionSerializer)

ERRORS = {400: OpenApiResponse(description='{"error", "message", "field"}'),
          404: OpenApiResponse(description="Not found (or not yours)")}


def _session(user, pk):
    if pk is None:
        return None
    try:
        return training_selectors.session_get(user, pk, Action.VIEW)
    except Http404:
        raise InvalidInput(f"you have no training session with id {pk}", field="training_session") from None


def _warm_active(deployment: Deployment) -> None:
    """A process that shows a deployment starts loading its model, so the first call finds it loaded."""
    version = deployment.versions.filter(active=True, status="ready").first()
    if version is not None:
        version.deployment = deployment
        serving.warm(version)


class DeploymentListCreate(generics.ListAPIView):
    """Your deployments (of one workspace with ?workspace=<id>), newest first; POST deploys a model."""

    serializer_class = DeploymentSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        raw = self.request.query_params.get("workspace") or self.request.META.get("HTTP_X_WORKSPACE")
        workspace = workspace_from_request(self.request) if raw else None
        return selectors.deployments_for(self.request.user, workspace=workspace).prefetch_related("versions")

    @extend_schema(request={"application/json": DeploymentCreateSerializer,
                            "multipart/form-data": DeploymentCreateSerializer},
                   responses={201: DeploymentSerializer, **ERRORS},
                   description="From a training session (JSON training_session + weights best|last), an uploaded "
                               "Ultralytics pose .pt (multipart weights_file), or Sapiens2 (model_size). Custom "
                               "models on engine onnx are exported on the inference queue: `status` is "
                               "`exporting` until the model serves. A missing Sapiens2 checkpoint answers 400 "
                               "`checkpoint_missing` naming the path and the download command.")
    def post(self, request):
        data = DeploymentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        workspace = workspace_from_request(request, Action.DEPLOY)
        deployment = services.deployment_create(
            workspace=workspace, user=request.user, name=v["name"], kind=v["kind"],
            training_session=_session(request.user, v["training_session"]), weights=v["weights"],
            weights_file=v["weights_file"], model_size=v["model_size"], engine=v["engine"], public=v["public"],
            monthly_quota=v["monthly_quota"], burst_per_minute=v["burst_per_minute"],
            allowed_origins=v["allowed_origins"])
        return Response(DeploymentSerializer(deployment, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class DeploymentDetail(APIView):
    """One deployment: GET, PATCH its settings (name, public, monthly_quota, burst_per_minute, allowed_origins,
    engine), DELETE it with its versions, keys, files and loaded models."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses={200: DeploymentSerializer, **ERRORS})
    def get(self, request, pk):
        deployment = selectors.deployment_get(request.user, pk)
        _warm_active(deployment)
        return Response(DeploymentSerializer(deployment, context={"request": request}).data)

    @extend_schema(request=DeploymentUpdateSerializer, responses={200: DeploymentSerializer, **ERRORS})
    def patch(self, request, pk):
        deployment = selectors.deployment_get(request.user, pk, Action.DEPLOY)
        data = DeploymentUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        deployment = services.deployment_update(deployment=deployment, **data.validated_data)
        return Response(DeploymentSerializer(deployment, context={"request": request}).data)

    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request, pk):
        services.deployment_delete(deployment=selectors.deployment_get(request.user, pk, Action.DEPLOY))
        return Response(status=status.HTTP_204_NO_CONTENT)


class VersionListCreate(APIView):
    """A deployment's versions, newest first; POST redeploys new weights (the URL stays; the new version serves
    once ready)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses={200: VersionSerializer(many=True), **ERRORS})
    def get(self, request, pk):
        deployment = selectors.deployment_get(request.user, pk)
        return Response(VersionSerializer(deployment.versions.all(), many=True).data)

    @extend_schema(request={"application/json": VersionCreateSerializer,
                            "multipart/form-data": VersionCreateSerializer},
                   responses={201: VersionSerializer, **ERRORS})
    def post(self, request, pk):
        deployment = selectors.deployment_get(request.user, pk, Action.DEPLOY)
        data = VersionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if deployment.kind == Deployment.Kind.CUSTOM and v["training_session"] is None and v["weights_file"] is None:
            raise InvalidInput("give training_session or weights_file", field="training_session")
        version = services.version_create(deployment=deployment, user=request.user,
                                          training_session=_session(request.user, v["training_session"]),
                                          weights=v["weights"], weights_file=v["weights_file"])
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)


class VersionActivate(APIView):
    """Serve this version again (rollback): it must be ready."""

    @extend_schema(request=None, responses={200: VersionSerializer, **ERRORS,
                                            409: OpenApiResponse(description="the version is not ready")})
    def post(self, request, pk, number):
        deployment = selectors.deployment_get(request.user, pk, Action.DEPLOY)
        version = services.version_activate(version=selectors.version_get(deployment, number))
        return Response(VersionSerializer(version).data)


class KeyListCreate(APIView):
    """A deployment's API keys (never the keys themselves); POST makes one and answers it once, in `key`."""

    @extend_schema(responses={200: ApiKeySerializer(many=True), **ERRORS})
    def get(self, request, pk):
        deployment = selectors.deployment_get(request.user, pk, Action.MANAGE_KEYS)
        return Response(ApiKeySerializer(deployment.keys.all(), many=True).data)

    @extend_schema(request=ApiKeyCreateSerializer,
                   responses={201: inline_serializer("ApiKeyCreated", {"id": serializers.IntegerField(),
                                                                       "name": serializers.CharField(),
                                                                       "prefix": serializers.CharField(),
                                                                       "key": serializers.CharField()}), **ERRORS})
    def post(self, request, pk):
        deployment = selectors.deployment_get(request.user, pk, Action.MANAGE_KEYS)
        data = ApiKeyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row, key = services.api_key_create(deployment=deployment, user=request.user, name=data.validated_data["name"])
        return Response({**ApiKeySerializer(row).data, "key": key}, status=status.HTTP_201_CREATED)


class KeyDetail(APIView):
    """DELETE revokes the key (calls with it answer 401 from then on); the row stays for the record."""

    @extend_schema(responses={200: ApiKeySerializer, **ERRORS})
    def delete(self, request, pk, key_id):
        deployment = selectors.deployment_get(request.user, pk, Action.MANAGE_KEYS)
        key = services.api_key_revoke(key=selectors.key_get(deployment, key_id))
        return Response(ApiKeySerializer(key).data)


class DeploymentUsage(APIView):
    """Monitoring: requests per day, errors by status code, p50/p95 latency, quota used this month."""

    @extend_schema(responses={200: OpenApiResponse(description="see deploy.usage.summary"), **ERRORS})
    def get(self, request, pk):
        deployment = selectors.deployment_get(request.user, pk)
        days = query_int(request, "days", 30, low=1, high=366)
        return Response(usage.summary(deployment, days=days))
