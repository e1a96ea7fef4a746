"""Writes for workspaces, members and invitations. Keyword-only; each write and its checks in one transaction."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, InvalidInput

from .models import Invitation, Membership, Role, Workspace

INVITATION_DAYS = 7


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def personal_workspace_create(*, user) -> Workspace:
    """Idempotent: the personal workspace of `user`, with them as its admin."""
    try:
        with transaction.atomic():
            ws = Workspace.objects.create(name=f"{user.get_username()} (personal)", personal=True, created_by=user)
            Membership.objects.create(workspace=ws, user=user, role=Role.ADMIN)
            return ws
    except IntegrityError:  # made by a concurrent request
        return Workspace.objects.get(created_by=user, personal=True)


@transaction.atomic
def workspace_create(*, user, name: str) -> Workspace:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("a workspace needs a name", field="name")
    ws = Workspace.objects.create(name=name[:200], personal=False, created_by=user)
    Membership.objects.create(workspace=ws, user=user, role=Role.ADMIN)
    return ws


def workspace_update(*, workspace: Workspace, name: str) -> Workspace:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("a workspace needs a name", field="name")
    workspace.name = name[:200]
    workspace.save(update_fields=["name"])
    return workspace


@transaction.atomic
def workspace_delete(*, workspace: Workspace) -> None:
    """Only an empty team workspace: its datasets, sessions and deployments must be moved or deleted first."""
    if workspace.personal:
        raise Conflict("a personal workspace cannot be deleted", field="workspace")
    held = {name: getattr(workspace, name).count() for name in ("datasets", "training_sessions", "deployments")
            if hasattr(workspace, name)}
    held = {k: v for k, v in held.items() if v}
    if held:
        shown = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in held.items())
        raise Conflict(f"the workspace still holds {shown}; move or delete them first", field="workspace")
    workspace.delete()


def _admins(workspace: Workspace) -> int:
    return workspace.memberships.filter(role=Role.ADMIN).count()


@transaction.atomic
def member_set_role(*, workspace: Workspace, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise InvalidInput(f"role must be one of {Role.values}", field="role")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if workspace.personal and membership.user_id == workspace.created_by_id and role != Role.ADMIN:
        raise Conflict("the owner of a personal workspace stays its admin", field="role")
    if membership.role == Role.ADMIN and role != Role.ADMIN and _admins(workspace) <= 1:
        raise Conflict("a workspace needs at least one admin; make someone else admin first", field="role")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, workspace: Workspace, membership: Membership) -> None:
    if workspace.personal and membership.user_id == workspace.created_by_id:
        raise Conflict("the owner of a personal workspace cannot leave it", field="user")
    if membership.role == Role.ADMIN and _admins(workspace) <= 1:
        raise Conflict("a workspace needs at least one admin; make someone else admin first", field="user")
    membership.delete()


def invitation_create(*, workspace: Workspace, role: str, created_by, days: int = INVITATION_DAYS) -> tuple[Invitation, str]:
    """A new invitation and its key (shown once; only its digest is stored)."""
    if role not in Role.values:
        raise InvalidInput(f"role must be one of {Role.values}", field="role")
    if not 1 <= int(days) <= 365:
        raise InvalidInput("an invitation lasts 1 to 365 days", field="days")
    key = secrets.token_urlsafe(32)
    inv = Invitation.objects.create(workspace=workspace, role=role, digest=digest(key), prefix=key[:6],
                                    created_by=created_by, expires_at=timezone.now() + timedelta(days=int(days)))
    return inv, key


@transaction.atomic
def invitation_accept(*, key: str, user) -> Membership:
    """Join the invitation's workspace with its role (a member keeps the higher of two roles: admin wins)."""
    inv = Invitation.objects.select_for_update().select_related("workspace").filter(digest=digest(key or "")).first()
    now = timezone.now()
    if inv is None or inv.revoked_at is not None:
        raise InvalidInput("this invitation link is not valid (unknown or revoked)", field="key")
    if inv.accepted_at is not None:
        raise Conflict("this invitation link has already been used", field="key")
    if inv.expires_at < now:
        raise Conflict("this invitation link has expired; ask for a new one", field="key")
    membership, created = Membership.objects.get_or_create(workspace=inv.workspace, user=user,
                                                           defaults={"role": inv.role})
    order = [Role.VIEWER, Role.LABELLER, Role.TRAINER, Role.ADMIN]
    if not created and order.index(inv.role) > order.index(membership.role):
        membership.role = inv.role
        membership.save(update_fields=["role"])
    inv.accepted_by, inv.accepted_at = user, now
    inv.save(update_fields=["accepted_by", "accepted_at"])
    return membership


def invitation_revoke(*, invitation: Invitation) -> None:
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
