import json

from django.core.management.base import BaseCommand, CommandError

from accounts import cli
from config import backup


class Command(BaseCommand):
    help = ("Write one workspace (datasets, images, classes, labels, assignments, training sessions with their "
            "weights) to a zip archive; restore it with restore_workspace.")

    def add_arguments(self, parser):
        parser.add_argument("workspace", help="workspace id or name (with --owner: one that user belongs to)")
        parser.add_argument("--owner", help="username, to pick among workspaces of the same name")
        parser.add_argument("--out", required=True, help="the .zip file to write")

    def handle(self, *args, **opts):
        _, ws = cli.resolve(opts["owner"], opts["workspace"])
        try:
            manifest = backup.backup_workspace(ws, opts["out"])
        except OSError as exc:
            raise CommandError(f"cannot write {opts['out']}: {exc}") from exc
        self.stdout.write(json.dumps({"workspace": ws.pk, "out": opts["out"], "tables": manifest["tables"],
                                      "files": manifest["files"], "file_bytes": manifest["file_bytes"],
                                      "missing_files": manifest["missing_files"]}))
