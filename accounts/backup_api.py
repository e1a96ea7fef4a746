"""Download a workspace's backup archive (admins). Written to an anonymous temporary file first (a zip needs
to seek back for its directory), then streamed; memory stays bounded as in config.backup."""
import tempfile

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from config import backup

from . import selectors
from .roles import Action


class WorkspaceBackup(APIView):
    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY},
                   description="The whole workspace as one zip (restore with `manage.py restore_workspace`).")
    def get(self, request, pk):
        ws = selectors.workspace_get(request.user, pk, Action.MANAGE_MEMBERS)
        fh = tempfile.TemporaryFile(suffix=".zip")
        backup.backup_workspace(ws, fh)
        fh.seek(0)
        slug = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in ws.name) or f"workspace{ws.pk}"
        return FileResponse(fh, content_type="application/zip", as_attachment=True, filename=f"{slug}_backup.zip")
