import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from config.errors import DomainError
from datasets.exchange import export_coco, export_yolo
from datasets.models import Dataset


class Command(BaseCommand):
    help = "Export a dataset's labelled images as COCO keypoints JSON or an Ultralytics YOLO pose folder."

    def add_arguments(self, parser):
        parser.add_argument("dataset", help="dataset name or id")
        parser.add_argument("--owner", required=True, help="username of the dataset's owner")
        parser.add_argument("--format", choices=["coco", "yolo"], required=True)
        parser.add_argument("--out", required=True, help="output .json file (coco) or folder (yolo)")
        parser.add_argument("--classes", default="", help="comma-separated class ids (default: all)")

    def handle(self, *args, **opts):
        qs = Dataset.objects.filter(owner__username=opts["owner"])
        ref = opts["dataset"]
        dataset = (qs.filter(pk=int(ref)).first() if ref.isdigit() else None) or qs.filter(name=ref).first()
        if dataset is None:
            if not get_user_model().objects.filter(username=opts["owner"]).exists():
                raise CommandError(f"no user named {opts['owner']!r}")
            raise CommandError(f"user {opts['owner']!r} has no dataset {ref!r}")
        class_ids = [int(v) for v in opts["classes"].split(",") if v.strip()] or None
        out = Path(opts["out"])
        try:
            if opts["format"] == "coco":
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(json.dumps(export_coco(dataset, class_ids)))
            else:
                export_yolo(dataset, out, class_ids)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"wrote {out}")
