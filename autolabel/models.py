"""Autolabel's tables: a dataset's autolabel settings, the stored keypoint mappings, and the jobs.

- `AutolabelConfig`: per dataset, which deployment suggests, from what confidence, and whether new uploads
  are pre-labelled.
- `KeypointMapping`: per (deployment, dataset class), the model class whose detections become suggestions of
  that class and, per template keypoint, the model keypoint it takes its place from (None: absent). Made by
  name the first time (autolabel.mapping), editable, then reused.
- `AutolabelJob`: one run over images (autolabel) or over labelled images (evaluate) on the `inference`
  queue. Its state lives here (status, progress, counts, error, the deployment version used), so the
  dataset page shows it, cancelling is a flag checked between batches, and a worker that died mid-run leaves
  a row that the next worker start picks up again (autolabel.tasks).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from datasets.models import JobStatus


class AutolabelConfig(models.Model):
    dataset = models.OneToOneField("datasets.Dataset", on_delete=models.CASCADE, related_name="autolabel_config")
    deployment = models.ForeignKey("deploy.Deployment", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    conf = models.FloatField(default=0.25)  # instances below this confidence are not suggested
    kpt_conf = models.FloatField(default=0.3)  # mapped points below this are suggested absent (v=0), still shown
    on_upload = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)


class KeypointMapping(models.Model):
    deployment = models.ForeignKey("deploy.Deployment", on_delete=models.CASCADE, related_name="keypoint_mappings")
    skeleton_class = models.ForeignKey("datasets.SkeletonClass", on_delete=models.CASCADE, related_name="+")
    model_class = models.CharField(max_length=200, blank=True, default="")  # "" : nothing suggested for this class
    mapping = models.JSONField(default=list)  # one model keypoint name (or None) per template keypoint
    edited = models.BooleanField(default=False)  # a person changed it (else: by name)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deployment", "skeleton_class"],
                                               name="autolabel_mapping_unique")]


class AutolabelJob(models.Model):
    class Kind(models.TextChoices):
        AUTOLABEL = "autolabel", "autolabel"
        EVALUATE = "evaluate", "evaluate"

    Status = JobStatus

    class Trigger(models.TextChoices):
        MANUAL = "manual", "manual"
        UPLOAD = "upload", "upload"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="autolabel_jobs")
    deployment = models.ForeignKey("deploy.Deployment", null=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(null=True, blank=True)  # the deployment version used
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.AUTOLABEL)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    image_ids = models.JSONField(default=list)  # the images to go through, in order
    done = models.PositiveIntegerField(default=0)  # images gone through (a restarted job resumes here)
    suggested = models.PositiveIntegerField(default=0)  # images that got suggestions
    instances = models.PositiveIntegerField(default=0)  # suggestions stored
    skipped = models.PositiveIntegerField(default=0)  # labelled meanwhile, or unreadable
    conf = models.FloatField(default=0.25)
    result = models.JSONField(null=True, blank=True)  # evaluate: the figures
    error = models.TextField(blank=True, default="")
    cancel_requested = models.BooleanField(default=False)
    # Each (re)queue bumps `attempt`; a task carrying an older attempt is a stale delivery and does nothing.
    attempt = models.PositiveIntegerField(default=1)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # set at every batch; old while RUNNING: the worker died
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def total(self) -> int:
        return len(self.image_ids)
