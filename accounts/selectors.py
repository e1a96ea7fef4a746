"""Reads for workspaces and the one permission check every other app's selectors go through.

Scoping rule (as CVAT's): a detail route takes the workspace from the object; a list or create route takes
it from the request (`?workspace=<id>` or the `X-Workspace` header), else the user's personal workspace.
Someone who is not a member of an object's workspace gets 404, as if it did not exist; a member whose role
does not allow the action gets 403 naming the role.
"""
from __future__ import annotations

from django.db.models import F, QuerySet
from django.http import Http404

from config.params import MAX_ID, parse_int
from core.errors import Forbidden

from .models import Membership, Role, Workspace
from .roles import Action, can

HEADER = "HTTP_X_WORKSPACE"
PARAM = "workspace"


def personal_workspace(user) -> Workspace:
    """The user's personal workspace (made on demand for users created before workspaces existed)."""
    ws = Workspace.objects.filter(created_by=user, personal=True).first()
    if ws is None:
        from .services import personal_workspace_create

        ws = personal_workspace_create(user=user)
    return ws


def workspaces_for(user) -> QuerySet[Workspace]:
    """The user's workspaces, each annotated with `my_role`."""
    return Workspace.objects.filter(memberships__user=user).annotate(my_role=F("memberships__role"))


def role_in(user, workspace_id: int) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(workspace_id=workspace_id, user=user).values_list("role", flat=True).first()


def check_role(role: str | None, action: str, workspace_name: str = "this workspace") -> str:
    """Raise Http404 (not a member) or Forbidden (the role may not do this); return the role."""
    if role is None:
        raise Http404("not found")
    if not can(role, action):
        raise Forbidden(f"your role in {workspace_name!r} is {role}, which may not {action.replace('_', ' ')}",
                        field="workspace", role=role, action=action)
    return role


def require(user, workspace: Workspace, action: str = Action.VIEW) -> str:
    return check_role(role_in(user, workspace.pk), action, workspace.name)


def workspace_get(user, pk, action: str = Action.VIEW) -> Workspace:
    try:
        ws = workspaces_for(user).get(pk=int(pk))
    except (Workspace.DoesNotExist, TypeError, ValueError, OverflowError):  # OverflowError: an id beyond 64 bits
        raise Http404("no such workspace") from None
    check_role(ws.my_role, action, ws.name)
    return ws


def workspace_from_request(request, action: str = Action.VIEW) -> Workspace:
    """The workspace a list or create request is about: ?workspace=<id>, X-Workspace: <id>, else personal."""
    raw = request.GET.get(PARAM) or request.META.get(HEADER) or ""
    raw = str(raw).strip()
    if not raw:
        ws = personal_workspace(request.user)
        ws.my_role = Role.ADMIN
        return ws
    return workspace_get(request.user, parse_int(raw, "workspace", low=1, high=MAX_ID, what="a workspace id"), action)


def scoped(queryset: QuerySet, user, path: str = "workspace") -> QuerySet:
    """Objects of `queryset` in the user's workspaces, annotated with `my_role` (one query, one join)."""
    return queryset.filter(**{f"{path}__memberships__user": user}).annotate(my_role=F(f"{path}__memberships__role"))


def members_of(workspace: Workspace) -> QuerySet[Membership]:
    return workspace.memberships.select_related("user").order_by("user__username")


SESSION_KEY = "workspace"


def current_workspace(request) -> Workspace:
    """The workspace the pages show (the switcher's choice, kept in the session), annotated with `my_role`.

    Falls back to the personal workspace when none was chosen or the user is no longer a member."""
    raw = request.session.get(SESSION_KEY)
    if raw is not None:
        ws = workspaces_for(request.user).filter(pk=raw).first()
        if ws is not None:
            return ws
    return workspaces_for(request.user).get(pk=personal_workspace(request.user).pk)


def remember_workspace(request, workspace_id: int) -> None:
    """Make `workspace_id` the pages' current workspace (the caller has checked membership)."""
    if request.session.get(SESSION_KEY) != workspace_id:
        request.session[SESSION_KEY] = workspace_id


def invitation_usable(key: str):
    """The invitation with this link key if it can still be accepted (not revoked, used or expired), else None."""
    from django.utils import timezone

    from .models import Invitation
    from .services import digest

    return (Invitation.objects.filter(digest=digest(key or ""), revoked_at__isnull=True, accepted_at__isnull=True,
                                      expires_at__gt=timezone.now()).first())
