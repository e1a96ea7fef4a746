"""How management commands name a workspace: `--owner USER` (that user's personal workspace, as before
workspaces existed) and/or `--workspace ID_OR_NAME` (a team workspace; with --owner, one the user belongs to)."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from .models import Workspace
from .selectors import personal_workspace


def add_arguments(parser, *, owner_required: bool = False) -> None:
    parser.add_argument("--owner", required=owner_required,
                        help="username: acts as this user, in their personal workspace unless --workspace is given")
    parser.add_argument("--workspace", help="workspace id or name (default: the owner's personal workspace)")


def resolve(owner: str | None, workspace: str | None):
    """(user or None, workspace). Raises CommandError with a sentence a person can act on."""
    user = None
    if owner:
        user = get_user_model().objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"no user named {owner!r}; create one with `manage.py createsuperuser`")
    if not workspace:
        if user is None:
            raise CommandError("name the dataset's owner (--owner USER) or its workspace (--workspace ID_OR_NAME)")
        return user, personal_workspace(user)
    qs = Workspace.objects.all()
    if user is not None:
        qs = qs.filter(memberships__user=user)
    found = list(qs.filter(pk=int(workspace))) if workspace.isdigit() else list(qs.filter(name=workspace))
    if not found:
        raise CommandError(f"no workspace {workspace!r}" + (f" that {owner} belongs to" if owner else ""))
    if len(found) > 1:
        raise CommandError(f"{len(found)} workspaces are named {workspace!r}; pass its id")
    ws = found[0]
    if user is None:
        user = ws.created_by
    return user, ws
