"""Workspaces (personal and team), their members with a role, and invitations to join them.

Every dataset, training session and deployment belongs to one workspace; what a user may do with it is
decided by their role in that workspace (accounts.roles). Modelled on CVAT's Organization / Membership /
Invitation: a personal workspace per user keeps single-user installs working as before.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from knox.models import AbstractAuthToken


class Role(models.TextChoices):
    ADMIN = "admin", "admin"  # everything: members, invitations, deployments, keys, moving datasets
    TRAINER = "trainer", "trainer"  # data, labels, training, deployments
    LABELLER = "labeller", "labeller"  # label and review
    VIEWER = "viewer", "viewer"  # read only


class Workspace(models.Model):
    name = models.CharField(max_length=200)
    personal = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-personal", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["created_by"], condition=Q(personal=True),
                                               name="one_personal_workspace_per_user")]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"


class Invitation(models.Model):
    """An invite link. Only the SHA-256 digest of its key is stored; the key is shown once."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.LABELLER)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)  # the key's first characters, to tell invitations apart
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class ApiToken(AbstractAuthToken):
    """A personal API token (django-rest-knox's token with a name and a last-use time).

    Only the SHA-512 digest of the token is stored (knox), with its first characters (`token_key`) to find
    it; the token itself is shown once. Every token expires (`expiry`); deleting the row revokes it.
    """

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=128, unique=True)  # knox makes it the primary key; an id is nicer in URLs
    name = models.CharField(max_length=100)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"
