import json

from django.core.management.base import BaseCommand, CommandError

from accounts import cli
from config.errors import DomainError
from datasets.exchange import coco_import_dir
from datasets.models import Dataset


class Command(BaseCommand):
    help = "Import a COCO keypoints JSON and its images into a dataset (created if missing). All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("json", help="COCO keypoints JSON file")
        parser.add_argument("--images", required=True, help="directory holding the images named in the JSON")
        parser.add_argument("--dataset", required=True, help="dataset name (created when it does not exist)")
        cli.add_arguments(parser)
        parser.add_argument("--val-fraction", type=float, default=0.2)
        parser.add_argument("--mode", choices=["skip", "merge", "replace"], default="skip",
                            help="images that already have labels: skip (default), merge or replace")

    def handle(self, *args, **opts):
        user, workspace = cli.resolve(opts["owner"], opts["workspace"])
        dataset, created = Dataset.objects.get_or_create(workspace=workspace, name=opts["dataset"],
                                                         defaults={"val_fraction": opts["val_fraction"],
                                                                   "created_by": user})
        try:
            result = coco_import_dir(dataset=dataset, json_path=opts["json"], images_dir=opts["images"],
                                     mode=opts["mode"], user=user)
        except (DomainError, OSError) as exc:
            if created:
                dataset.delete()
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        for warning in result["warnings"]:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(json.dumps({"dataset": dataset.pk, **result}))
