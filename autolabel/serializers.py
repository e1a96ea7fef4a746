from rest_framework import serializers


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
