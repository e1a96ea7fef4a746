import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts import cli
from config.errors import DomainError
from datasets.exchange import export_coco, export_yolo
from datasets.models import Dataset


class Command(BaseCommand):
    help = "Export a dataset's labelled images as COCO keypoints JSON or an Ultralytics YOLO pose folder."

    def add_arguments(self, parser):
        parser.add_argument("dataset", help="dataset name or id")
        cli.add_arguments(parser)
        parser.add_argument("--format", choices=["coco", "yolo"], required=True)
        parser.add_argument("--out", required=True, help="output .json file (coco) or folder (yolo)")
        parser.add_argument("--classes", default="", help="comma-separated class ids (default: all)")

    def handle(self, *args, **opts):
        _, workspace = cli.resolve(opts["owner"], opts["workspace"])
        qs = Dataset.objects.filter(workspace=workspace)
        ref = opts["dataset"]
        dataset = (qs.filter(pk=int(ref)).first() if ref.isdigit() else None) or qs.filter(name=ref).first()
        if dataset is None:
            raise CommandError(f"workspace {workspace.name!r} has no dataset {ref!r}")
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
