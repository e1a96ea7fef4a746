"""Deployments: a stable detect URL serving one active model version, with API keys, quotas and usage counts.

- `Deployment`: what a client calls (`/api/v1/deployments/<id>/detect`, `/d/<slug>/detect`), its settings
  (public, quota, burst, CORS origins, engine) and the workspace it belongs to.
- `DeploymentVersion`: one set of weights (custom: a stored `.pt` and its exported `.onnx`; sapiens2: a model
  size) with the class/keypoint names, colours and skeleton frozen when it was deployed. Exactly one version
  of a deployment is active; redeploying adds a version, rollback activates an older one.
- `ApiKey`: a private deployment's key, stored as a SHA-256 digest (shown once when created).
- `UsageCount`: requests, answers by status code and a latency histogram per deployment and UTC day;
  `RateCounter`: the month's and minute's accepted calls for quota and burst limits. Both are counted with
  single UPDATE statements (deploy.usage; Redis INCR for the limits when REDIS_URL is set), so concurrent
  requests never lose a count.
"""
from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


def new_slug() -> str:
    """16 random URL-safe characters (96 bits): the public URL is unguessable."""
    return secrets.token_urlsafe(12)


class Deployment(models.Model):
    class Kind(models.TextChoices):
        CUSTOM = "custom", "custom"
        SAPIENS2 = "sapiens2", "sapiens2"

    class EngineKind(models.TextChoices):
        ONNX = "onnx", "onnx"
        TORCH = "torch", "torch"

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="deployments")
    name = models.CharField(max_length=200)
    slug = models.CharField(max_length=32, unique=True, default=new_slug)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    model_size = models.CharField(max_length=10, blank=True, default="")  # sapiens2 only: "0.4b", ...
    engine = models.CharField(max_length=10, choices=EngineKind.choices, default=EngineKind.ONNX)
    public = models.BooleanField(default=False)
    monthly_quota = models.PositiveIntegerField(null=True, blank=True)  # requests per calendar month (UTC)
    burst_per_minute = models.PositiveIntegerField(null=True, blank=True)
    allowed_origins = models.JSONField(default=list, blank=True)  # ["https://shop.example"]; public: "*"
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="deploy_dep_workspace_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def active_version(self) -> DeploymentVersion | None:
        return self.versions.filter(active=True).first()

    def keypoint_names_by_class(self) -> dict[str, list[str]]:
        """Per class name, its keypoint names in template order, from the active version's snapshot
        (Sapiens2: {"person": its 308 names}). Empty when no version is active."""
        version = self.active_version
        return version.keypoint_names_by_class() if version else {}


class DeploymentVersion(models.Model):
    class Status(models.TextChoices):
        EXPORTING = "exporting", "exporting"  # the ONNX export runs on the inference queue
        READY = "ready", "ready"
        FAILED = "failed", "failed"

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()  # 1, 2, ... per deployment
    # Storage names (config.storage): the .pt as deployed (custom) and its ONNX export ("" until exported).
    weights = models.CharField(max_length=500, blank=True, default="")
    onnx = models.CharField(max_length=500, blank=True, default="")
    source = models.CharField(max_length=20, blank=True, default="")  # "session_best", "session_last", "upload", "sapiens2"
    training_session = models.ForeignKey("training.TrainingSession", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="deployment_versions")
    # Frozen at deploy time: [{"name", "color", "keypoints": [names], "connections": [[a, b]], "colors"?: [...]}]
    classes = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    engine_used = models.CharField(max_length=10, blank=True, default="")  # onnx | torch (the fallback)
    error = models.TextField(blank=True, default="")
    warnings = models.JSONField(default=list)
    active = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "number"], name="deploy_version_unique_number"),
            models.UniqueConstraint(fields=["deployment"], condition=models.Q(active=True),
                                    name="deploy_one_active_version"),
        ]

    def __str__(self) -> str:
        return f"{self.deployment_id} v{self.number}"

    def keypoint_names_by_class(self) -> dict[str, list[str]]:
        return {c["name"]: list(c.get("keypoints") or []) for c in self.classes}


class ApiKey(models.Model):
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="keys")
    name = models.CharField(max_length=100, blank=True, default="")
    digest = models.CharField(max_length=64, unique=True)  # sha256 hex of the whole key
    prefix = models.CharField(max_length=12)  # the key's first characters, to tell keys apart
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class UsageCount(models.Model):
    """One counter of one deployment on one UTC day. `metric` is "requests" (every call answered),
    "status:<code>" (200, 401, 429, ...) or "latency:<upper bound ms>" (a histogram bucket, deploy.usage.BUCKETS).
    A request bumps its three rows with one UPDATE ... WHERE metric IN (...) (deploy.usage.record): atomic, no
    read-modify-write, and no lock held beyond that statement."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="usage_counts")
    day = models.DateField()
    metric = models.CharField(max_length=30)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["day", "metric"]
        constraints = [models.UniqueConstraint(fields=["deployment", "day", "metric"], name="deploy_usage_unique")]


class RateCounter(models.Model):
    """The quota and burst counters of one deployment (without Redis): the month's and the minute's accepted
    calls. One conditional UPDATE both checks and counts (deploy.usage.admit), so two requests can never both
    take the last unit of a quota."""

    deployment = models.OneToOneField(Deployment, on_delete=models.CASCADE, related_name="rate_counter")
    month = models.CharField(max_length=7, default="")  # "2026-11" (UTC)
    month_count = models.PositiveBigIntegerField(default=0)
    minute = models.BigIntegerField(default=0)  # UTC minutes since the epoch
    minute_count = models.PositiveIntegerField(default=0)
