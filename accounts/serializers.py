from rest_framework import serializers

from .models import Invitation, Membership, Role, Workspace
from .roles import actions_of


class WorkspaceSerializer(serializers.ModelSerializer):
    my_role = serializers.CharField(read_only=True, default=None)
    my_actions = serializers.SerializerMethodField(help_text="What your role lets you do here.")

    class Meta:
        model = Workspace
        fields = ["id", "name", "personal", "my_role", "my_actions", "created_at"]
        read_only_fields = ["id", "personal", "created_at"]

    def get_my_actions(self, obj) -> list[str]:
        return actions_of(getattr(obj, "my_role", None))


class WorkspaceCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)


class MemberSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["user", "username", "role", "created_at"]
        read_only_fields = ["user", "username", "created_at"]


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    accepted_by = serializers.CharField(source="accepted_by.username", read_only=True, default=None)
    state = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = ["id", "role", "prefix", "state", "created_by", "created_at", "expires_at", "accepted_by",
                  "accepted_at", "revoked_at"]
        read_only_fields = fields

    def get_state(self, obj) -> str:
        from django.utils import timezone

        if obj.revoked_at:
            return "revoked"
        if obj.accepted_at:
            return "accepted"
        return "expired" if obj.expires_at < timezone.now() else "open"


class InvitationCreateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, default=Role.LABELLER)
    days = serializers.IntegerField(min_value=1, max_value=365, default=7)


class InvitationCreatedSerializer(InvitationSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown once; only its digest is stored.")
    url = serializers.CharField(read_only=True, help_text="The link to send: opening it (logged in) joins.")

    class Meta(InvitationSerializer.Meta):
        fields = InvitationSerializer.Meta.fields + ["key", "url"]
        read_only_fields = fields


class AcceptSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=200)
