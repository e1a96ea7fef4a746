import json

from django.core.management.base import BaseCommand, CommandError

from accounts import cli
from config.errors import DomainError
from datasets.imports import MODES, import_coco_folder
from datasets.models import Dataset


class Command(BaseCommand):
    help = ("Import a COCO keypoints JSON and its pictures into a dataset (created if missing). All or nothing; "
            "images that already have labels are left alone unless --mode merge or replace.")

    def add_arguments(self, parser):
        parser.add_argument("json", help="COCO keypoints JSON file")
        parser.add_argument("--images", required=True, help="folder holding the pictures named in the JSON")
        parser.add_argument("--dataset", required=True, help="dataset name (created when it does not exist)")
        cli.add_arguments(parser)
        parser.add_argument("--val-fraction", type=float, default=0.2)
        parser.add_argument("--mode", choices=MODES, default="skip",
                            help="images that already have labels: skip (default), merge or replace")

    def run_import(self, dataset, user, opts) -> dict:
        return import_coco_folder(dataset=dataset, json_path=opts["json"], images_dir=opts["images"],
                                  mode=opts["mode"], user=user)

    def handle(self, *args, **opts):
        user, workspace = cli.resolve(opts["owner"], opts["workspace"])
        dataset, created = Dataset.objects.get_or_create(workspace=workspace, name=opts["dataset"],
                                                         defaults={"val_fraction": opts["val_fraction"],
                                                                   "created_by": user})
        try:
            result = self.run_import(dataset, user, opts)
        except (DomainError, OSError) as exc:
            if created:
                dataset.delete()
            where = f" ({exc.field})" if getattr(exc, "field", None) else ""
            raise CommandError(getattr(exc, "message", str(exc)) + where) from None
        for warning in result["warnings"]:
            self.stderr.write(f"warning: {warning['message']}")
        self.stdout.write(json.dumps({"dataset": dataset.pk, **result}))
