"""Backup exporter of a workspace's own rows: its name and its members (by username) with their roles.

Invitations are not kept: their keys exist only as digests and are short-lived; make new links after a
restore. A workspace is restored as a new team workspace (a user has one personal workspace), with the
restoring `owner` as admin and every member whose username exists (or is created) with their role."""
from __future__ import annotations

from config.backup import dump

from .models import Membership, Role, Workspace


class WorkspaceExporter:
    name = "accounts"

    def export(self, w, workspace: Workspace) -> None:
        row = dump(workspace, exclude=["created_by"])
        w.rows("accounts.workspace", [row])
        w.rows("accounts.membership", ({"username": w.user(m.user_id), "role": m.role, "created_at": m.created_at}
                                       for m in workspace.memberships.order_by("id")))

    def restore(self, r) -> None:
        from .services import workspace_create

        row = next(iter(r.rows("accounts.workspace")))
        ws = workspace_create(user=r.owner, name=r.name or row["name"])
        for m in r.rows("accounts.membership"):
            uid = r.user(m["username"])
            if uid is None or uid == r.owner.pk:
                continue
            role = m["role"] if m["role"] in Role.values else Role.VIEWER
            Membership.objects.get_or_create(workspace=ws, user_id=uid, defaults={"role": role})
        r.workspace = ws
        r.ids["accounts.workspace"] = {row["id"]: ws.pk}
