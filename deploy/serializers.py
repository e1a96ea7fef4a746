"""Input and output shapes of the deployment API (validation lives here, once)."""
from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import reverse
from rest_framework import serializers

from config.fields import FormFloatField

from .models import ApiKey, Deployment, DeploymentVersion


class OriginsField(serializers.ListField):
    """A list of origins ("https://shop.example", "http://localhost:3000") or "*"; multipart may send one
    comma-separated string."""

    child = serializers.CharField(max_length=300)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [part for part in (p.strip() for p in data.split(",")) if part]
        elif hasattr(data, "getlist"):
            data = [part.strip() for raw in data.getlist(self.field_name) for part in raw.split(",") if part.strip()]
        values = super().to_internal_value(data)
        clean = []
        for value in values:
            value = value.strip().rstrip("/")
            if value != "*":
                parts = urlsplit(value)
                if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
                    raise serializers.ValidationError(f"{value!r} is not an origin (scheme://host[:port]) or *")
                value = f"{parts.scheme}://{parts.netloc.lower()}"
            clean.append(value)
        return clean

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist") and self.field_name in dictionary:
            return ",".join(dictionary.getlist(self.field_name))
        return super().get_value(dictionary)


# The columns are 32-bit on PostgreSQL; no deployment needs more than a million calls a minute (leave it empty for
# no limit).
MAX_MONTHLY_QUOTA = 2**31 - 1
MAX_BURST_PER_MINUTE = 1_000_000


class SettingsSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    public = serializers.BooleanField(default=False,
                                      help_text="Public: callable with the URL alone; private: needs an API key.")
    monthly_quota = serializers.IntegerField(min_value=0, max_value=MAX_MONTHLY_QUOTA, required=False, allow_null=True,
                                             default=None,
                                             help_text="Requests per calendar month (UTC); over it: 403 quota_exceeded.")
    burst_per_minute = serializers.IntegerField(min_value=0, max_value=MAX_BURST_PER_MINUTE, required=False,
                                                allow_null=True, default=None,
                                                help_text="Requests per minute; over it: 429 with Retry-After.")
    allowed_origins = OriginsField(required=False, default=list,
                                   help_text="Origins whose browser pages may call detect (CORS); public "
                                             "deployments answer any origin.")
    engine = serializers.ChoiceField(choices=Deployment.EngineKind.values, required=False, allow_null=True,
                                     default=None, help_text="Custom models: onnx (default) or torch.")


class DeploymentCreateSerializer(SettingsSerializer):
    """JSON {name, kind: custom, training_session, weights}, multipart {name, kind=custom, weights_file}, or
    JSON {name, kind: sapiens2, model_size}."""

    kind = serializers.ChoiceField(choices=Deployment.Kind.values)
    training_session = serializers.IntegerField(required=False, allow_null=True, default=None)
    weights = serializers.ChoiceField(choices=["best", "last"], default="best")
    weights_file = serializers.FileField(required=False, allow_null=True, default=None,
                                         help_text="An Ultralytics pose .pt (multipart).")
    model_size = serializers.CharField(max_length=10, required=False, allow_blank=True, default="",
                                       help_text="Sapiens2: 0.4b, 0.8b, 1b or 5b (a checkpoint must be present).")

    def validate(self, attrs):
        if attrs["kind"] == Deployment.Kind.CUSTOM:
            if attrs.get("training_session") is None and attrs.get("weights_file") is None:
                raise serializers.ValidationError({"training_session": "give training_session or weights_file"})
            if attrs.get("training_session") is not None and attrs.get("weights_file") is not None:
                raise serializers.ValidationError({"weights_file": "give training_session or weights_file, not both"})
        return attrs


class DeploymentUpdateSerializer(SettingsSerializer):
    """PATCH: any of the settings."""

    name = serializers.CharField(max_length=200, required=False)
    public = serializers.BooleanField(required=False)
    monthly_quota = serializers.IntegerField(min_value=0, max_value=MAX_MONTHLY_QUOTA, required=False, allow_null=True)
    burst_per_minute = serializers.IntegerField(min_value=0, max_value=MAX_BURST_PER_MINUTE, required=False,
                                                allow_null=True)
    allowed_origins = OriginsField(required=False)
    engine = serializers.ChoiceField(choices=Deployment.EngineKind.values, required=False)


class VersionCreateSerializer(serializers.Serializer):
    training_session = serializers.IntegerField(required=False, allow_null=True, default=None)
    weights = serializers.ChoiceField(choices=["best", "last"], default="best")
    weights_file = serializers.FileField(required=False, allow_null=True, default=None)


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeploymentVersion
        fields = ["number", "status", "active", "engine_used", "source", "training_session", "error", "warnings",
                  "classes", "created_at", "updated_at"]


class DeploymentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The absolute detect URL to give clients.")
    public_url = serializers.SerializerMethodField(help_text="The short URL /d/<slug>/detect (same model).")
    active_version = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(help_text="ready, exporting, failed, or empty (no version).")
    classes = serializers.SerializerMethodField()

    class Meta:
        model = Deployment
        fields = ["id", "name", "kind", "model_size", "engine", "public", "monthly_quota", "burst_per_minute",
                  "allowed_origins", "workspace", "slug", "url", "public_url", "status", "active_version", "classes",
                  "created_at", "updated_at"]

    def _abs(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, obj) -> str:
        return self._abs(reverse("deployment-detect", args=[obj.pk]))

    def get_public_url(self, obj) -> str:
        return self._abs(reverse("deployment-public-detect", args=[obj.slug]))

    def _versions(self, obj):
        cache = getattr(obj, "_version_cache", None)
        if cache is None:
            cache = obj._version_cache = list(obj.versions.all())
        return cache

    def get_active_version(self, obj) -> dict | None:
        active = next((v for v in self._versions(obj) if v.active), None)
        return ({"number": active.number, "status": active.status, "engine_used": active.engine_used,
                 "error": active.error} if active else None)

    def get_status(self, obj) -> str:
        versions = self._versions(obj)
        active = next((v for v in versions if v.active), None)
        if active is not None:
            return active.status
        return versions[0].status if versions else ""

    def get_classes(self, obj) -> list:
        versions = self._versions(obj)
        active = next((v for v in versions if v.active), None) or (versions[0] if versions else None)
        return active.classes if active else []


class ApiKeySerializer(serializers.ModelSerializer):
    revoked = serializers.SerializerMethodField()

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "revoked"]

    def get_revoked(self, obj) -> bool:
        return obj.revoked_at is not None


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class DetectInputSerializer(serializers.Serializer):
    """The detect endpoint's form (multipart)."""

    image = serializers.FileField(help_text="The picture (JPEG, PNG, WebP, BMP or TIFF, as uploads), at most 25 MB.")
    conf_thres = FormFloatField(min_value=0.0, max_value=1.0, default=0.25)
    iou_thres = FormFloatField(min_value=0.0, max_value=1.0, default=0.45)
    kpt_thres = FormFloatField(min_value=0.0, default=0.0)
    ocr_model = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    ocr_classes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    ocr_language = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
