from django.conf import settings
from django.db import models


class Dataset(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="datasets")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    # Share of images put in the val split; the split of one image depends only on its content hash.
    val_fraction = models.FloatField(default=0.2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="dataset_unique_name_per_workspace")]

    def __str__(self) -> str:
        return self.name


class SkeletonClass(models.Model):
    """A class and its skeleton template. Keypoint x/y are normalised to the template's box (0..1)."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="classes")
    name = models.CharField(max_length=100)
    color = models.CharField(max_length=7, default="#ff0000")
    keypoints = models.JSONField(default=list)  # [{"name", "color", "x", "y"}]
    connections = models.JSONField(default=list)  # [{"a": i, "b": j, "color"}]
    flip_pairs = models.JSONField(default=list)  # [[i, j], ...]
    # Marked by a person: the object looks the same mirrored although no point has a left/right twin, so
    # horizontal flips may be used (identity flip_idx). Without pairs and without this, flips are off.
    symmetric = models.BooleanField(default=False)
    sigmas = models.JSONField(null=True, blank=True)  # per-keypoint OKS sigma, or null
    template_image = models.ForeignKey("Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["dataset", "name"], name="class_unique_name_per_dataset")]

    def __str__(self) -> str:
        return self.name


class Image(models.Model):
    TRAIN, VAL = "train", "val"
    SPLITS = [(TRAIN, "train"), (VAL, "val")]

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="images")
    # Storage names (config.storage): the original bytes, a JPEG thumbnail, and for pictures browsers cannot
    # show (TIFF, 16-bit) a PNG rendition of the same size that the labeler draws.
    file = models.FileField(max_length=500)
    thumbnail = models.FileField(max_length=500, blank=True, default="")
    rendition = models.FileField(max_length=500, blank=True, default="")
    # The user's name for the picture: its relative path inside an uploaded zip or a COCO file_name
    # ("cam1/frame_0001.jpg"), forward slashes, Unicode NFC.
    original_name = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveBigIntegerField(default=0)
    split = models.CharField(max_length=5, choices=SPLITS, default=TRAIN)
    # Denormalised from the annotation so lists, filters and progress need no join.
    labelled = models.BooleanField(default=False)
    instance_count = models.PositiveIntegerField(default=0)
    # {"<class id>": instances of that class} and the crowd regions, for the thumbnails' badges ("2 people").
    class_counts = models.JSONField(default=dict)
    crowd_count = models.PositiveIntegerField(default=0)
    # Who is to label it (labeling.assignments); null: open to every member who labels.
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    assigned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["dataset", "sha256"], name="image_unique_content_per_dataset")]
        indexes = [models.Index(fields=["dataset", "labelled", "id"]),
                   models.Index(fields=["dataset", "assignee", "labelled", "id"], name="image_assignee_queue")]

    def __str__(self) -> str:
        return self.original_name


class Annotation(models.Model):
    """All instances of one image, written whole with optimistic locking on `version`."""

    image = models.OneToOneField(Image, on_delete=models.CASCADE, related_name="annotation")
    # [{"class": id, "bbox": [x,y,w,h], "keypoints": [[x,y,v]...], "area"?: px² (imported segment area)}]
    instances = models.JSONField(default=list)
    # COCO crowd regions (iscrowd=1): [{"class": id, "bbox": [x,y,w,h], "area"?}]: many people too close to
    # label one by one. Evaluation ignores detections inside them; they are not training targets.
    crowd = models.JSONField(default=list)
    # A model's suggestions (autolabel): not labels. [{"id", "class", "bbox", "keypoints": [[x, y, v]], "score",
    # "keypoint_scores": [s | None]}]; suggested_by {"deployment", "version", "name"}; suggestion_score, the
    # lowest instance or keypoint score, orders the review queue (least sure first).
    suggestions = models.JSONField(default=list)
    suggested_by = models.JSONField(null=True, blank=True)
    suggestion_score = models.FloatField(null=True, blank=True, db_index=True)
    no_objects = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)


class AnnotationRevision(models.Model):
    """Every stored version of an image's annotation, written by the one writer in the same transaction.

    The history that proves no save was lost (each accepted save is one row, versions 1, 2, 3, ... with no
    gap) and says who saved what when."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    instances = models.JSONField(default=list)
    no_objects = models.BooleanField(default=False)
    crowd = models.JSONField(default=list)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    saved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["image", "version"]
        constraints = [models.UniqueConstraint(fields=["image", "version"], name="revision_unique_version")]


class JobStatus(models.TextChoices):
    """The states of every background job kept in our tables (dataset jobs, autolabel jobs)."""

    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    DONE = "done", "done"
    FAILED = "failed", "failed"
    CANCELLED = "cancelled", "cancelled"


class Job(models.Model):
    """An import or export running on the `default` queue. Its state lives here (not in a Celery result
    backend), so the UI and the API show progress, and a crashed worker leaves a row that says so."""

    class Kind(models.TextChoices):
        IMPORT = "import", "import"
        EXPORT = "export", "export"

    class Format(models.TextChoices):
        COCO = "coco", "COCO keypoints"
        YOLO = "yolo", "Ultralytics YOLO pose"

    Status = JobStatus
    ACTIVE = (Status.QUEUED, Status.RUNNING)

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="dataset_jobs")
    dataset = models.ForeignKey(Dataset, null=True, on_delete=models.CASCADE, related_name="jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    format = models.CharField(max_length=10, choices=Format.choices)
    params = models.JSONField(default=dict)  # import: mode, file name; export: class ids
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempt = models.PositiveIntegerField(default=1)
    progress = models.FloatField(default=0.0)  # 0..1
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    input_file = models.FileField(max_length=500, blank=True, default="")  # the uploaded archive (imports)
    output_file = models.FileField(max_length=500, blank=True, default="")  # the finished file (exports)
    result = models.JSONField(null=True, blank=True)
    warnings = models.JSONField(default=list)  # [{"code", "message", "item", "field"}]
    error = models.JSONField(null=True, blank=True)  # {"error", "message", "field"?}
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["dataset", "-created_at"]), models.Index(fields=["status", "heartbeat_at"])]
