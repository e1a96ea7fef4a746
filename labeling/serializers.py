from rest_framework import serializers

from config.params import MAX_ID


class InstanceSerializer(serializers.Serializer):
    # Shapes only: values are checked against the image and the classes by the service.
    bbox = serializers.ListField(child=serializers.FloatField(), help_text="[x, y, width, height] in pixels.")
    keypoints = serializers.ListField(child=serializers.ListField(), help_text="[[x, y, v], ...] in class order; "
                                      "v: 0 absent, 1 occluded, 2 visible.")

    def to_representation(self, instance):
        return instance

    def get_fields(self):
        fields = super().get_fields()
        fields["class"] = serializers.IntegerField(help_text="Skeleton class id.")
        return fields


class CrowdRegionSerializer(serializers.Serializer):
    bbox = serializers.ListField(child=serializers.FloatField(), help_text="[x, y, width, height] in pixels.")
    area = serializers.FloatField(required=False, help_text="The region's segment area (px²), when known.")

    def to_representation(self, instance):
        return instance

    def get_fields(self):
        fields = super().get_fields()
        fields["class"] = serializers.IntegerField(help_text="Skeleton class id.")
        return fields


class AnnotationSerializer(serializers.Serializer):
    image = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(min_value=0, help_text="The version you read; a stale one answers 409.")
    no_objects = serializers.BooleanField(default=False)
    instances = InstanceSerializer(many=True, required=False)
    suggestions = serializers.ListField(
        child=serializers.JSONField(), required=False,
        help_text="GET: a model's suggestions (not labels): {id, class, bbox, keypoints, score, keypoint_scores}. "
                  "PUT: the ids of the suggestions still open (accepted or rejected ones left out); absent: kept.")
    suggested_by = serializers.JSONField(read_only=True, allow_null=True,
                                         help_text="{deployment, version, name} of the model that suggested.")
    crowd = CrowdRegionSerializer(many=True, required=False,
                                  help_text="COCO crowd regions (iscrowd=1), ignored by evaluation; absent in a PUT: "
                                            "kept as stored.")
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_by = serializers.CharField(read_only=True, allow_null=True, help_text="Who saved this version.")


class ConflictSerializer(serializers.Serializer):
    error = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField()
    current_version = serializers.IntegerField()


class SplitSerializer(serializers.Serializer):
    users = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), allow_empty=False,
                                  help_text="User ids of members who may label.")
    replace = serializers.BooleanField(default=False, help_text="Also split unlabelled images already assigned "
                                                                "(default: only the open ones).")


class ReassignSerializer(serializers.Serializer):
    from_user = serializers.IntegerField(min_value=1, max_value=MAX_ID, allow_null=True,
                                         help_text="Whose unlabelled images move; null: the open ones.")
    to_user = serializers.IntegerField(min_value=1, max_value=MAX_ID, allow_null=True, help_text="Who gets them; null: open them.")


class ClearSerializer(serializers.Serializer):
    users = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
                                  help_text="Whose unlabelled images become open (default: everybody's).")


class PersonProgressSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField(allow_null=True, help_text="null: no longer a member.")
    assigned = serializers.IntegerField()
    labelled = serializers.IntegerField()
    unlabelled = serializers.IntegerField()
    last_saved = serializers.IntegerField(help_text="Images whose current labels this person saved.")


class OpenProgressSerializer(serializers.Serializer):
    images = serializers.IntegerField()
    labelled = serializers.IntegerField()
    unlabelled = serializers.IntegerField()


class AssignmentsSerializer(serializers.Serializer):
    people = PersonProgressSerializer(many=True)
    open = OpenProgressSerializer(help_text="Images assigned to nobody.")


class SplitResultSerializer(serializers.Serializer):
    images = serializers.IntegerField()
    assigned = serializers.ListField(child=serializers.DictField())


class MovedSerializer(serializers.Serializer):
    moved = serializers.IntegerField()
