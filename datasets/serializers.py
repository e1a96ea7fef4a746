from django.urls import reverse
from rest_framework import serializers

from config.fields import StrictFloatField

from .models import Dataset, Image, Job, SkeletonClass
from .services import MAX_KEYPOINTS

HEX_COLOR = r"^#[0-9a-fA-F]{6}$"


class DatasetSerializer(serializers.ModelSerializer):
    my_role = serializers.CharField(read_only=True, default=None, help_text="Your role in the dataset's workspace.")
    workspace_name = serializers.CharField(source="workspace.name", read_only=True)
    image_count = serializers.IntegerField(read_only=True, default=0)
    labelled_count = serializers.IntegerField(read_only=True, default=0)
    val_fraction = StrictFloatField(min_value=0.0, max_value=0.9, required=False)

    class Meta:
        model = Dataset
        fields = ["id", "workspace", "workspace_name", "my_role", "name", "description", "val_fraction", "image_count",
                  "labelled_count", "created_at"]
        read_only_fields = ["id", "workspace", "created_at"]


class MoveSerializer(serializers.Serializer):
    workspace = serializers.IntegerField(min_value=1, help_text="The workspace to move the dataset into.")


class ImageSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    display_url = serializers.SerializerMethodField(help_text="What a browser draws: a PNG rendition for TIFF "
                                                              "and 16-bit pictures, else the original.")
    assignee_name = serializers.CharField(source="assignee.username", read_only=True, default=None,
                                          help_text="Who is to label it (null: open to everyone).")

    class Meta:
        model = Image
        fields = ["id", "dataset", "original_name", "sha256", "width", "height", "size_bytes", "split",
                  "labelled", "instance_count", "class_counts", "crowd_count", "assignee", "assignee_name", "file_url",
                  "thumbnail_url", "display_url", "created_at"]
        read_only_fields = fields
        extra_kwargs = {"class_counts": {"help_text": "Instances per class: {\"<class id>\": n}."},
                        "crowd_count": {"help_text": "Crowd regions (iscrowd=1) on the image."}}

    def get_file_url(self, obj) -> str:
        return reverse("image-file", args=[obj.pk])

    def get_thumbnail_url(self, obj) -> str:
        return reverse("image-thumbnail", args=[obj.pk])

    def get_display_url(self, obj) -> str:
        return reverse("image-display", args=[obj.pk])


class ImageUpdateSerializer(serializers.Serializer):
    split = serializers.ChoiceField(choices=Image.SPLITS, required=False)
    original_name = serializers.CharField(max_length=500, required=False, help_text=(
        "The user's name for the picture, folders included (`cam1/frame_0001.jpg`); normalised to forward "
        "slashes and Unicode NFC. Exports use it."))


class UploadErrorSerializer(serializers.Serializer):
    file = serializers.CharField()
    error = serializers.CharField()
    message = serializers.CharField()


class UploadReportSerializer(serializers.Serializer):
    created = ImageSerializer(many=True)
    duplicates = ImageSerializer(many=True)
    errors = UploadErrorSerializer(many=True)


class UploadSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), allow_empty=False,
                                  help_text="Image files and/or .zip archives of images.")


class KeypointSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    color = serializers.RegexField(HEX_COLOR, required=False, default="#ff0000")
    x = StrictFloatField(min_value=-1.0, max_value=2.0, required=False, default=0.5)
    y = StrictFloatField(min_value=-1.0, max_value=2.0, required=False, default=0.5)
    source_index = serializers.IntegerField(required=False, allow_null=True, write_only=True,
                                            help_text="Index this keypoint had before an edit (null: new).")


class ConnectionSerializer(serializers.Serializer):
    a = serializers.IntegerField(min_value=0)
    b = serializers.IntegerField(min_value=0)
    color = serializers.RegexField(HEX_COLOR, required=False, default="#00ff00")


class SkeletonClassSerializer(serializers.ModelSerializer):
    color = serializers.RegexField(HEX_COLOR, required=False)
    keypoints = KeypointSerializer(many=True, required=False, max_length=MAX_KEYPOINTS)
    connections = ConnectionSerializer(many=True, required=False)
    flip_pairs = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(min_value=0), min_length=2, max_length=2),
        required=False, allow_null=True,
        help_text="[[i, j], ...]; null or absent: derived from left/right names.")
    sigmas = serializers.ListField(child=StrictFloatField(min_value=1e-4, max_value=10.0),
                                   required=False, allow_null=True)
    template_image = serializers.PrimaryKeyRelatedField(queryset=Image.objects.none(), required=False, allow_null=True)
    symmetric = serializers.BooleanField(required=False, help_text=(
        "The object looks the same mirrored although no point has a left/right twin: horizontal-flip "
        "augmentation is then used (identity flip_idx). Without flip pairs and without this, flips are off."))
    flip_warnings = serializers.SerializerMethodField(help_text="Names that say left/right but found no partner.")

    class Meta:
        model = SkeletonClass
        fields = ["id", "dataset", "name", "color", "keypoints", "connections", "flip_pairs", "symmetric",
                  "flip_warnings", "sigmas", "template_image", "created_at"]
        read_only_fields = ["id", "dataset", "created_at"]

    def get_flip_warnings(self, obj) -> list[str]:
        from .formats.skeleton import flip_pairs_report

        paired = {i for pair in obj.flip_pairs or [] for i in pair}
        report = flip_pairs_report([k["name"] for k in obj.keypoints])
        return [str(w) for i, w in zip(report.unpaired, report.warnings) if i not in paired]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dataset = self.context.get("dataset")
        if dataset is not None:
            self.fields["template_image"].queryset = dataset.images.all()


class MineSerializer(serializers.Serializer):
    assigned = serializers.IntegerField()
    labelled = serializers.IntegerField()
    unlabelled = serializers.IntegerField()


class SplitCountsSerializer(serializers.Serializer):
    images = serializers.IntegerField()
    labelled = serializers.IntegerField()
    instances = serializers.IntegerField()


class SplitsSerializer(serializers.Serializer):
    train = SplitCountsSerializer()
    val = SplitCountsSerializer()


class ProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    labelled = serializers.IntegerField()
    unlabelled = serializers.IntegerField()
    text = serializers.CharField()
    next_unlabelled = serializers.IntegerField(allow_null=True, help_text="The image you should label next: your "
                                               "assigned ones first, then open ones; never one assigned to others.")
    recommended_labelled = serializers.IntegerField(help_text="Below this many labelled images, expect poor results.")
    mine = MineSerializer(help_text="Images assigned to you (labeling assignments).")
    open_unlabelled = serializers.IntegerField(help_text="Unlabelled images assigned to nobody (open to everyone).")
    for_you = serializers.IntegerField(help_text="Unlabelled images offered to you: yours plus the open ones.")
    instances = serializers.IntegerField(help_text="Labelled instances in the whole dataset.")
    splits = SplitsSerializer(help_text="Images, labelled images and instances per split.")


class ImportedImageSerializer(serializers.Serializer):
    image = serializers.IntegerField()
    file_name = serializers.CharField()


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    item = serializers.CharField(allow_null=True, help_text="The image (file name) it concerns, if one.")
    field = serializers.CharField(allow_null=True)


class ImportResultSerializer(serializers.Serializer):
    images_created = serializers.IntegerField()
    images_existing = serializers.IntegerField()
    classes = serializers.ListField(child=serializers.IntegerField())
    classes_created = serializers.ListField(child=serializers.CharField())
    mode = serializers.ChoiceField(choices=["skip", "merge", "replace"])
    instances = serializers.IntegerField()
    crowd = serializers.IntegerField(help_text="Crowd regions (iscrowd=1) stored.")
    changed = ImportedImageSerializer(many=True, help_text="Images whose labels this import wrote.")
    skipped = ImportedImageSerializer(many=True, help_text="Images that already had labels and were left alone.")
    warnings = WarningSerializer(many=True, help_text="What was stored differently from the file, per item.")


class ImportZipSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A zip: one COCO keypoints .json with its pictures, or an Ultralytics "
                                           "YOLO pose dataset (data.yaml, images/, labels/).")
    format = serializers.ChoiceField(choices=["coco", "yolo"], required=False,
                                     help_text="Background imports only; empty: detected from the zip.")
    mode = serializers.ChoiceField(choices=["skip", "merge", "replace"], default="skip", required=False,
                                   help_text="Images that already have labels: skip (default: leave them, list "
                                             "them), merge (add the file's instances) or replace.")


class ExportJobSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["coco", "yolo"])
    classes = serializers.ListField(child=serializers.IntegerField(), required=False,
                                    help_text="Class ids (default: all).")


class JobSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    file = serializers.SerializerMethodField(help_text="The uploaded file's name (imports).")

    class Meta:
        model = Job
        fields = ["id", "dataset", "kind", "format", "file", "params", "status", "progress", "done", "total",
                  "result", "warnings", "error", "download_url", "created_at", "started_at", "finished_at"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str | None:
        return reverse("job-download", args=[obj.pk]) if obj.output_file else None

    def get_file(self, obj) -> str:
        return (obj.params or {}).get("file", "")
