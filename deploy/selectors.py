"""Reads for deployments, scoped to the user's workspaces (accounts.selectors): not a member → 404."""
from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.roles import Action
from accounts.selectors import check_role, scoped

from .models import ApiKey, Deployment, DeploymentVersion


def deployments_for(user, *, workspace=None) -> QuerySet[Deployment]:
    qs = scoped(Deployment.objects.all(), user)
    if workspace is not None:
        qs = qs.filter(workspace=workspace)
    return qs


def deployment_get(user, pk, action: str = Action.VIEW) -> Deployment:
    try:
        deployment = scoped(Deployment.objects.select_related("workspace"), user).get(pk=int(pk))
    except (Deployment.DoesNotExist, TypeError, ValueError, OverflowError):  # OverflowError: an id beyond 64 bits
        raise Http404("no such deployment") from None
    check_role(deployment.my_role, action, deployment.workspace.name)
    return deployment


def version_get(deployment: Deployment, number) -> DeploymentVersion:
    try:
        return deployment.versions.select_related("deployment").get(number=int(number))
    except (DeploymentVersion.DoesNotExist, TypeError, ValueError, OverflowError):  # OverflowError: an id beyond 64 bits
        raise Http404(f"deployment {deployment.pk} has no version {number}") from None


def key_get(deployment: Deployment, pk) -> ApiKey:
    try:
        return deployment.keys.get(pk=int(pk))
    except (ApiKey.DoesNotExist, TypeError, ValueError, OverflowError):  # OverflowError: an id beyond 64 bits
        raise Http404("no such key") from None


def key_matches(deployment: Deployment, key: str) -> bool:
    """Whether `key` is a live (not revoked) key of this deployment; marks it used."""
    from .services import digest_of

    if not key:
        return False
    rows = ApiKey.objects.filter(deployment=deployment, digest=digest_of(key), revoked_at__isnull=True)
    now = timezone.now()
    # last_used_at to the minute: one UPDATE checks and stamps a key not stamped this minute; otherwise a read.
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - timedelta(minutes=1))
    return bool(rows.filter(stale).update(last_used_at=now)) or rows.exists()
