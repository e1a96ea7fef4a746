from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .engine import algorithms
from .models import EpochMetric, TrainingSession, WorkerStatus
from .engine.params import RANGES, TrainingParams


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": RANGES["batch"].low, "maximum": RANGES["batch"].high},
                                {"type": "string", "enum": ["auto"]}], "default": TrainingParams.batch})
class BatchField(serializers.Field):
    """A batch size, or "auto" (Ultralytics AutoBatch: fills ~60% of the GPU; 16 on a CPU)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and data.strip().lower() == "auto":
            return "auto"
        try:
            value = int(data)
        except (TypeError, ValueError):
            raise serializers.ValidationError('a whole number or "auto"') from None
        low, high = RANGES["batch"].low, RANGES["batch"].high
        if not low <= value <= high:
            raise serializers.ValidationError(f"between {low} and {high}, or \"auto\"")
        return value

    def to_representation(self, value):
        return value


def param_fields() -> dict:
    """One DRF field per TrainingParams name, with its default and range from training.engine.params."""
    defaults = TrainingParams.defaults()
    out = {}
    for name in TrainingParams.names():
        default = defaults[name]
        if name == "plots":
            out[name] = serializers.BooleanField(default=default, help_text="Let Ultralytics write its plots into "
                                                                            "the run folder.")
        elif name == "batch":
            out[name] = BatchField(default=default, help_text=RANGES[name].help)
        else:
            r = RANGES[name]
            extra = {"required": False, "allow_null": True} if default is None else {"default": default}
            out[name] = serializers.IntegerField(min_value=r.low, max_value=r.high, help_text=r.help, **extra)
    return out


class _SessionCreateFields(serializers.Serializer):
    """JSON, or multipart when uploading initial weights (class_ids then repeats: class_ids=1&class_ids=2)."""

    dataset = serializers.IntegerField(help_text="Id of one of your datasets. Every image must be labelled.")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    class_ids = serializers.ListField(child=serializers.IntegerField(), required=False, allow_empty=True,
                                      help_text="Skeleton classes to train (default: all); they must share one "
                                                "keypoint count.")
    task = serializers.ChoiceField(choices=["pose"], default="pose")
    algorithm = serializers.CharField(default=algorithms.DEFAULT,
                                      help_text="A pose model config of the installed Ultralytics, see "
                                                "/api/v1/training-algorithms/ (e.g. yolo11n-pose).")
    initial_weights = serializers.CharField(default=TrainingSession.WEIGHTS_NONE, max_length=80,
                                            help_text="none: from the model's YAML; session_best / session_last: "
                                                      "fine-tune from initial_session's weights; upload: "
                                                      "initial_weights_file; pretrained:<name>: an Ultralytics "
                                                      "COCO-pretrained checkpoint from /api/v1/training-pretrained/ "
                                                      "(e.g. pretrained:yolo11n-pose.pt; its architecture replaces "
                                                      "`algorithm`).")
    initial_session = serializers.IntegerField(required=False, allow_null=True)
    initial_weights_file = serializers.FileField(required=False, allow_null=True,
                                                 help_text="An Ultralytics .pt checkpoint (multipart only).")
    worker = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text="Name of a live gpu-queue worker (see /api/v1/training-workers/); "
                                             "blank: any.")


SessionCreateSerializer = type("SessionCreateSerializer", (_SessionCreateFields,), {
    **param_fields(), "__doc__": _SessionCreateFields.__doc__, "__module__": __name__})


class SessionUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)


class ResumeSerializer(serializers.Serializer):
    worker = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text="A live gpu-queue worker; blank: the one it asked for, or any.")


class SessionLinksSerializer(serializers.Serializer):
    dashboard = serializers.CharField()
    evaluation_page = serializers.CharField()
    epochs = serializers.CharField()
    log = serializers.CharField()
    evaluation = serializers.CharField()
    coco_predictions = serializers.CharField(allow_null=True, help_text="best.pt's val predictions, COCO results JSON")
    coco_ground_truth = serializers.CharField(allow_null=True, help_text="the frozen val split it is scored "
                                                                         "against, COCO keypoints JSON")
    best_weights = serializers.CharField(allow_null=True)
    last_weights = serializers.CharField(allow_null=True)


class TrainingSessionSerializer(serializers.ModelSerializer):
    has_best_weights = serializers.SerializerMethodField()
    has_last_weights = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()
    keypoint_names = serializers.SerializerMethodField()

    class Meta:
        model = TrainingSession
        fields = ["id", "name", "dataset", "dataset_name", "class_ids", "keypoint_names", "task", "algorithm", "params",
                  "initial_weights", "initial_session", "initial_weights_name", "requested_worker", "status", "phase",
                  "error", "warnings", "cancel_requested", "attempt", "worker", "device", "heartbeat_at", "epoch",
                  "epochs", "progress", "eta_seconds", "best_fitness", "final_metrics", "train_images", "val_images",
                  "evaluation_status", "evaluation_error", "has_best_weights", "has_last_weights", "links",
                  "coco", "transferred", "split_check",
                  "created_at", "started_at", "finished_at", "updated_at"]
        read_only_fields = fields

    def get_has_best_weights(self, obj) -> bool:
        return bool(obj.best_weights)

    def get_has_last_weights(self, obj) -> bool:
        return bool(obj.last_weights)

    def get_keypoint_names(self, obj) -> list[str]:
        return (obj.skeleton or {}).get("keypoint_names", [])

    @extend_schema_field(SessionLinksSerializer)
    def get_links(self, obj) -> dict:
        return {
            "dashboard": reverse("training-page", args=[obj.pk]),
            "evaluation_page": reverse("training-evaluation-page", args=[obj.pk]),
            "epochs": reverse("training-session-epochs", args=[obj.pk]),
            "log": reverse("training-session-log", args=[obj.pk]),
            "evaluation": reverse("training-session-evaluation", args=[obj.pk]),
            "coco_predictions": reverse("training-session-coco", args=[obj.pk, "predictions"])
            if obj.coco else None,
            "coco_ground_truth": reverse("training-session-coco", args=[obj.pk, "ground_truth"])
            if obj.snapshot_path else None,
            "best_weights": reverse("training-session-weights", args=[obj.pk, "best"])
            if self.get_has_best_weights(obj) else None,
            "last_weights": reverse("training-session-weights", args=[obj.pk, "last"])
            if self.get_has_last_weights(obj) else None,
        }


class EpochMetricSerializer(serializers.ModelSerializer):
    metrics = serializers.DictField(child=serializers.FloatField(allow_null=True),
                                    help_text='Ultralytics\' own keys: "train/box_loss", "val/pose_loss", '
                                              '"metrics/mAP50(P)", "metrics/mAP50-95(B)", "lr/pg0", ...')

    class Meta:
        model = EpochMetric
        fields = ["epoch", "fitness", "seconds", "metrics", "created_at"]
        read_only_fields = fields


class LogSerializer(serializers.Serializer):
    lines = serializers.ListField(child=serializers.CharField(allow_blank=True))
    size = serializers.IntegerField(help_text="Bytes in the whole log file.")


class AlgorithmSerializer(serializers.Serializer):
    name = serializers.CharField()
    family = serializers.CharField()
    scale = serializers.CharField()
    config = serializers.CharField()
    description = serializers.CharField()
    default = serializers.BooleanField()


class WorkerSerializer(serializers.ModelSerializer):
    busy = serializers.SerializerMethodField()

    class Meta:
        model = WorkerStatus
        fields = ["name", "device", "device_name", "memory_bytes", "cpu_count", "busy", "started_at", "last_seen"]
        read_only_fields = fields

    def get_busy(self, obj) -> bool:
        return obj.current_session_id is not None


class KeypointAccuracySerializer(serializers.Serializer):
    index = serializers.IntegerField()
    name = serializers.CharField()
    sigma = serializers.FloatField()
    visible = serializers.IntegerField(help_text="Visible ground-truth keypoints of this kind in the split.")
    pck = serializers.FloatField(allow_null=True, help_text="Share within 0.05 x the box diagonal.")
    oks_share = serializers.FloatField(allow_null=True,
                                       help_text="Mean per-keypoint OKS term exp(-d²/2s²k²), 0..1; unmatched = 0.")


class EvaluationExampleSerializer(serializers.Serializer):
    url = serializers.CharField()
    source = serializers.CharField()
    ground_truth = serializers.IntegerField()
    predicted = serializers.IntegerField()
    matched = serializers.IntegerField()


class EvaluationResultSerializer(serializers.Serializer):
    split = serializers.CharField()
    val_fallback = serializers.BooleanField(help_text="True when the snapshot had no val image and the train "
                                                      "images were used.")
    weights = serializers.CharField()
    conf = serializers.FloatField()
    imgsz = serializers.IntegerField()
    alpha = serializers.FloatField()
    images = serializers.IntegerField()
    instances = serializers.IntegerField(help_text="People with at least one labelled keypoint: the same count as "
                                                   "`coco.instances` (on the val split).")
    people_without_keypoints = serializers.IntegerField(required=False, help_text="Labelled people with no "
                                                        "keypoint, not scored (as `coco.people_without_keypoints`).")
    min_oks = serializers.FloatField(required=False, help_text="The OKS a prediction needs to match a person (0.1).")
    matched = serializers.IntegerField(help_text="People matched by this pass's predictions at OKS >= min_oks; "
                                                 "differs from `coco.matched` (OKS >= 0.5, all val predictions).")
    predictions = serializers.IntegerField(help_text="This pass's predictions at confidence >= `conf` (0.25), as "
                                                     "a deployment returns; `coco.predictions` counts Ultralytics' "
                                                     "val predictions down to 0.001 (best 20 per image), so more.")
    mean_oks = serializers.FloatField(allow_null=True)
    pck = serializers.FloatField(allow_null=True)
    sigmas_source = serializers.CharField(help_text="class, coco or uniform")
    keypoints = KeypointAccuracySerializer(many=True)
    examples = EvaluationExampleSerializer(many=True)
    seconds = serializers.FloatField()


class EvaluationSerializer(serializers.Serializer):
    status = serializers.CharField(help_text='"" (not run), queued, running, done or failed')
    error = serializers.CharField(allow_blank=True)
    result = EvaluationResultSerializer(allow_null=True)
    coco = serializers.DictField(allow_null=True, help_text="COCO keypoint AP of best.pt on the frozen val split "
                                                            "(ap, ap50, ap75, ar, instances, matched, "
                                                            "people_without_keypoints, crowd_regions, predictions, "
                                                            "per_keypoint, classes, method); null before training "
                                                            "completes. Same people as `result.instances`; its "
                                                            "predictions are Ultralytics' val predictions at "
                                                            "confidence >= 0.001 (best 20 per image).")


# ---------------------------------------------------------------- issue 12
class EvaluateRequestSerializer(serializers.Serializer):
    predictions = serializers.FileField(help_text="COCO results JSON: [{image_id, category_id, keypoints, score}] "
                                                  "with the ids of the dataset's COCO export.")
    split = serializers.ChoiceField(choices=["train", "val"], required=False,
                                    help_text="Score only this split (default: every labelled image).")


class CocoKeypointRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    pck = serializers.FloatField(allow_null=True, help_text="Share of labelled points within 0.05 x box diagonal.")
    oks_share = serializers.FloatField(allow_null=True, help_text="Mean OKS term of this keypoint, 0..1.")
    sigma = serializers.FloatField()
    visible = serializers.IntegerField()
    category_id = serializers.IntegerField()
    # "class" is a Python keyword: declared below


CocoKeypointRowSerializer._declared_fields["class"] = serializers.CharField()


class DatasetEvaluationSerializer(serializers.Serializer):
    ap = serializers.FloatField(allow_null=True, help_text="COCO keypoint AP (OKS 0.50:0.95), pycocotools COCOeval.")
    ap50 = serializers.FloatField(allow_null=True)
    ap75 = serializers.FloatField(allow_null=True)
    ar = serializers.FloatField(allow_null=True)
    sigmas = serializers.ListField(child=serializers.FloatField(), help_text="Per-keypoint OKS sigmas it scored "
                                                                             "with, the classes' lists in order.")
    per_keypoint = CocoKeypointRowSerializer(many=True)
    images = serializers.IntegerField()
    instances = serializers.IntegerField(help_text="People with at least one labelled keypoint.")
    matched = serializers.IntegerField(help_text="Of those, matched by a prediction at OKS >= 0.5.")
    people_without_keypoints = serializers.IntegerField(help_text="Ignored, as COCO does.")
    crowd_regions = serializers.IntegerField()
    predictions = serializers.IntegerField()
    split = serializers.CharField()


class SplitPeopleSerializer(serializers.Serializer):
    images = serializers.IntegerField()
    images_with_people = serializers.IntegerField()
    instances = serializers.IntegerField(help_text="People with at least one labelled keypoint.")
    people_without_keypoints = serializers.IntegerField()
    crowd_regions = serializers.IntegerField()


class TrainingCheckSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    error = serializers.DictField(allow_null=True, help_text='null, or {"error": "not_enough_people" | '
                                                             '"dataset_not_labelled" | "nothing_labelled", "message"}')
    images = serializers.DictField(child=serializers.IntegerField())
    train = SplitPeopleSerializer()
    val = SplitPeopleSerializer()
    moves = serializers.ListField(child=serializers.DictField())
    message = serializers.CharField(allow_blank=True)
    warnings = serializers.ListField(child=serializers.CharField())


class PretrainedSerializer(serializers.Serializer):
    name = serializers.CharField()
    choice = serializers.CharField(help_text="The initial_weights value that starts from it.")
    algorithm = serializers.CharField()
    family = serializers.CharField()
    scale = serializers.CharField()
    size_bytes = serializers.IntegerField()
    kpt_shape = serializers.ListField(child=serializers.IntegerField())
    trained_on = serializers.CharField()
    url = serializers.CharField()
