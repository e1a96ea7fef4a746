"""Training sessions, their per-epoch metrics, and the live GPU-queue workers that run them.

State lives here, not in a Celery result backend: the dashboard polls these rows, and a worker that
dies leaves a row the heartbeat sweep can mark failed (see liveness.sweep_stale_sessions).
"""
from django.conf import settings
from django.db import models


class TrainingSession(models.Model):
    QUEUED, RUNNING, COMPLETED, CANCELLED, FAILED = "queued", "running", "completed", "cancelled", "failed"
    STATUSES = [(s, s) for s in (QUEUED, RUNNING, COMPLETED, CANCELLED, FAILED)]
    ACTIVE = (QUEUED, RUNNING)
    TERMINAL = (COMPLETED, CANCELLED, FAILED)

    WEIGHTS_NONE, WEIGHTS_SESSION_BEST, WEIGHTS_SESSION_LAST, WEIGHTS_UPLOAD = "none", "session_best", "session_last", "upload"
    WEIGHTS_PRETRAINED = "pretrained"  # an Ultralytics COCO-pretrained checkpoint from WEIGHTS_DIR (name in initial_weights_name)
    WEIGHT_SOURCES = [(s, s) for s in (WEIGHTS_NONE, WEIGHTS_SESSION_BEST, WEIGHTS_SESSION_LAST, WEIGHTS_UPLOAD,
                                       WEIGHTS_PRETRAINED)]

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="training_sessions")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # The snapshot on disk is what trains; the dataset link is kept for navigation and may go away.
    dataset = models.ForeignKey("datasets.Dataset", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="training_sessions")
    dataset_name = models.CharField(max_length=200, blank=True, default="")
    name = models.CharField(max_length=200, blank=True, default="")
    class_ids = models.JSONField(default=list)
    # Class names, keypoint names, connections, flip pairs and sigmas as they were at snapshot time.
    skeleton = models.JSONField(default=dict)
    task = models.CharField(max_length=20, default="pose")
    algorithm = models.CharField(max_length=60)  # e.g. "yolo11n-pose"
    params = models.JSONField(default=dict)  # epochs, batch, imgsz, patience, plots, nbs, seed
    initial_weights = models.CharField(max_length=20, choices=WEIGHT_SOURCES, default=WEIGHTS_NONE)
    initial_session = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    initial_weights_name = models.CharField(max_length=255, blank=True, default="")
    requested_worker = models.CharField(max_length=255, blank=True, default="")

    # Storage names (config.storage) of the frozen snapshot and the weights; run_dir is the worker's local folder.
    snapshot_path = models.CharField(max_length=500, blank=True, default="")
    run_dir = models.CharField(max_length=500, blank=True, default="")
    best_weights = models.CharField(max_length=500, blank=True, default="")
    last_weights = models.CharField(max_length=500, blank=True, default="")
    train_images = models.PositiveIntegerField(default=0)
    val_images = models.PositiveIntegerField(default=0)

    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED)
    phase = models.CharField(max_length=40, blank=True, default="")  # free text: "training", "evaluating", ...
    error = models.TextField(blank=True, default="")
    warnings = models.JSONField(default=list)
    cancel_requested = models.BooleanField(default=False)
    attempt = models.PositiveIntegerField(default=1)  # bumped by each resume; a task carries the attempt it serves
    resume_pending = models.BooleanField(default=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=255, blank=True, default="")
    device = models.CharField(max_length=255, blank=True, default="")

    epoch = models.PositiveIntegerField(default=0)  # epochs finished
    epochs = models.PositiveIntegerField(default=0)  # epochs planned
    progress = models.FloatField(default=0.0)  # 0..1, batch resolution
    eta_seconds = models.FloatField(null=True, blank=True)
    best_fitness = models.FloatField(null=True, blank=True)
    final_metrics = models.JSONField(default=dict)
    # COCO keypoint AP of best.pt on the frozen val split (training.metrics.coco_eval result; the headline figure).
    coco = models.JSONField(null=True, blank=True)
    # {"transferred": X, "total": Y}: layers taken from the initial checkpoint (Ultralytics' "Transferred X/Y items").
    transferred = models.JSONField(null=True, blank=True)
    # training.engine.split_check's plan at start: people per split, images moved into val/train, warnings.
    split_check = models.JSONField(default=dict, blank=True)

    evaluation_status = models.CharField(max_length=10, blank=True, default="")  # "", queued, running, done, failed
    evaluation = models.JSONField(null=True, blank=True)
    evaluation_error = models.TextField(blank=True, default="")

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="training_tr_workspa_idx"), models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return self.name or f"session {self.pk}"


class LogLine(models.Model):
    """One line of a session's console log (Ultralytics' log and Posedeck's own events). Kept in the database so
    the web process, the worker and `manage.py train` all append to one log without sharing a disk."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="log_lines")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["session", "id"])]


class EpochMetric(models.Model):
    """One finished epoch: every metric, loss and learning rate Ultralytics reported, keyed by its own names."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="epoch_metrics")
    epoch = models.PositiveIntegerField()  # 1-based
    fitness = models.FloatField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    metrics = models.JSONField(default=dict)  # {"train/box_loss": .., "metrics/mAP50(P)": .., "val/pose_loss": ..}
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["epoch"]
        constraints = [models.UniqueConstraint(fields=["session", "epoch"], name="epoch_metric_unique_epoch")]


class WorkerStatus(models.Model):
    """A Celery worker consuming the `gpu` queue, as it last reported itself."""

    name = models.CharField(max_length=255, unique=True)  # Celery node name, e.g. gpu@host
    queue = models.CharField(max_length=300)  # the worker's own queue: send here to pick this machine
    device = models.CharField(max_length=40, blank=True, default="")  # "cuda:0" or "cpu"
    device_name = models.CharField(max_length=255, blank=True, default="")
    memory_bytes = models.BigIntegerField(null=True, blank=True)
    cpu_count = models.PositiveIntegerField(default=0)
    pid = models.PositiveIntegerField(default=0)
    current_session = models.ForeignKey(TrainingSession, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
