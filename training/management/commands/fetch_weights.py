"""Download Ultralytics' COCO-pretrained pose checkpoints into the weights folder (on a machine that is online).

    python manage.py fetch_weights yolo11n-pose.pt [yolo26s-pose.pt ...]
    python manage.py fetch_weights --list           # every known name, and which are already there

The folder is settings.WEIGHTS_DIR (default <repo>/var/weights). Offline it stops at once with the URL to copy the
file from by hand; it never hangs (training.engine.pretrained.fetch).
"""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.errors import PosedeckError
from training.engine import pretrained


class Command(BaseCommand):
    help = "Download COCO-pretrained Ultralytics pose checkpoints into WEIGHTS_DIR."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help=f"one or more of: {', '.join(pretrained.NAMES)}")
        parser.add_argument("--list", dest="list_only", action="store_true", help="list the known checkpoints and stop")
        parser.add_argument("--timeout", type=float, default=900.0, help="seconds per download (default 900)")

    def handle(self, *args, names, list_only, timeout, **options):
        folder = getattr(settings, "WEIGHTS_DIR", pretrained.DEFAULT_WEIGHTS_DIR)
        if list_only or not names:
            for c in pretrained.catalogue(folder):
                state = f"present ({c.size_bytes / 1e6:.1f} MB)" if c.path else "missing"
                self.stdout.write(f"{c.name:18} {state:20} {c.url}")
            self.stdout.write(f"weights folder: {folder}")
            return
        for name in names:
            try:
                path = pretrained.fetch(name, folder, timeout_s=timeout)
            except PosedeckError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"{name}: {path}")
