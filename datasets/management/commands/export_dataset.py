import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts import cli
from config.errors import DomainError
from datasets import exports
from datasets.formats.yolo import FolderSink, YoloPoseWriter
from datasets.models import Dataset


class Command(BaseCommand):
    help = ("Export a dataset's labelled images as COCO keypoints JSON, or an Ultralytics YOLO pose folder "
            "(or .zip when --out ends with .zip) that trains as written.")

    def add_arguments(self, parser):
        parser.add_argument("dataset", help="dataset name or id")
        cli.add_arguments(parser)
        parser.add_argument("--format", choices=["coco", "yolo"], required=True)
        parser.add_argument("--out", required=True, help="output .json file (coco), or folder or .zip (yolo)")
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
            export = exports.plan(dataset, class_ids)
            out.parent.mkdir(parents=True, exist_ok=True)
            if opts["format"] == "coco":
                with open(out, "w", encoding="utf-8") as fh:
                    result = exports.write_coco(export, fh)
            elif out.suffix.lower() == ".zip":
                with open(out, "wb") as fh:
                    result = exports.write_yolo(export, fh)
            else:
                if out.exists() and any(out.iterdir()):
                    raise CommandError(f"{out} is not empty; give a new folder (or a .zip)")
                writer = YoloPoseWriter(FolderSink(out, link=False), export.specs)
                for rec, image in export.records():
                    writer.add(rec, image.file.open("rb"))
                summary = writer.close()
                result = {"images": sum(summary.images.values()), "instances": summary.instances,
                          "warnings": [w.as_dict() for w in summary.warnings]}
        except DomainError as exc:
            raise CommandError(exc.message) from None
        for warning in result.get("warnings", []):
            self.stderr.write(f"warning: {warning['message']}")
        self.stdout.write(json.dumps({"out": str(out), "images": result["images"], "instances": result["instances"]}))
