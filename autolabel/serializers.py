from rest_framework import serializers

from config.fields import StrictFloatField


class SuggestionDecisionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=0, help_text="The annotation version you read; a stale one "
                                                              "answers 409 and nothing changes.")
    ids = serializers.ListField(child=serializers.CharField(max_length=64), required=False, allow_empty=True,
                                help_text="Suggestion ids; absent: all of the image's open suggestions.")


class ReviewItemSerializer(serializers.Serializer):
    image = serializers.IntegerField()
    name = serializers.CharField(help_text="The image's name in the dataset.")
    score = serializers.FloatField(help_text="Lowest instance or keypoint score of its open suggestions (0..1).")
    flip_spread = serializers.FloatField(allow_null=True, help_text="Spread between flip-test passes (px), when the "
                                                                    "engine gave one.")
    suggestions = serializers.IntegerField(help_text="Open suggestions.")
    labelled = serializers.BooleanField()
    assignee = serializers.CharField(allow_null=True)


class ReviewNextSerializer(serializers.Serializer):
    image = serializers.IntegerField(allow_null=True, help_text="The image to review next; null: none left.")
    remaining = serializers.IntegerField(help_text="Images with open suggestions in your queue.")


class AutolabelConfigSerializer(serializers.Serializer):
    deployment = serializers.IntegerField(allow_null=True, required=False, help_text="A deployment of the "
                                          "dataset's workspace (custom or sapiens2); null: none.")
    conf = StrictFloatField(required=False, help_text="Instances below this confidence are not suggested (0..1).")
    kpt_conf = StrictFloatField(required=False, help_text="Mapped keypoints below this score are suggested "
                                                                "absent (v=0) but shown, highlighted (0..1).")
    on_upload = serializers.BooleanField(required=False, help_text="Pre-label new uploads in the background.")


class KeypointMappingSerializer(serializers.Serializer):
    model_class = serializers.CharField(allow_blank=True, help_text="The model class whose detections become "
                                                                    "suggestions of this class; empty: none.")
    mapping = serializers.ListField(child=serializers.CharField(allow_null=True), help_text="Per template "
                                    "keypoint, the model keypoint name it takes its place from, or null (absent).")


class AutolabelRunSerializer(serializers.Serializer):
    images = serializers.ListField(child=serializers.IntegerField(), required=False,
                                   help_text="Image ids; absent: every unlabelled image.")


class AutolabelEvaluateSerializer(serializers.Serializer):
    deployment = serializers.IntegerField(required=False, help_text="Default: the dataset's autolabel deployment.")


class AutolabelJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    dataset = serializers.IntegerField()
    kind = serializers.CharField(help_text="autolabel | evaluate")
    trigger = serializers.CharField(help_text="manual | upload")
    status = serializers.CharField(help_text="queued | running | done | failed | cancelled")
    deployment = serializers.IntegerField(allow_null=True)
    deployment_name = serializers.CharField(allow_null=True)
    version = serializers.IntegerField(allow_null=True, help_text="The deployment version used.")
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    progress = serializers.FloatField(help_text="0..1")
    suggested = serializers.IntegerField(help_text="Images that got suggestions.")
    instances = serializers.IntegerField(help_text="Suggested instances (evaluate: predictions).")
    skipped = serializers.IntegerField(help_text="Labelled meanwhile or gone.")
    cancel_requested = serializers.BooleanField()
    error = serializers.CharField()
    result = serializers.JSONField(allow_null=True, help_text="evaluate: {ap, ap50, ap75, ar, pck, accept_share, "
                                                              "per_keypoint, images, instances, ...}")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
