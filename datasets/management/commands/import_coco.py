import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from config.errors import DomainError
from datasets.exchange import coco_import_dir
from datasets.models import Dataset


class Command(BaseCommand):
    help = "Import a COCO keypoints JSON and its images into a dataset (created if missing). All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("json", help="COCO keypoints JSON file")
        parser.add_argument("--images", required=True, help="directory holding the images named in the JSON")
        parser.add_argument("--dataset", required=True, help="dataset name (created when it does not exist)")
        parser.add_argument("--owner", required=True, help="username of the dataset's owner")
        parser.add_argument("--val-fraction", type=float, default=0.2)

    def handle(self, *args, **opts):
        try:
            owner = get_user_model().objects.get(username=opts["owner"])
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"no user named {opts['owner']!r}; create one with `manage.py createsuperuser`") from exc
        dataset, created = Dataset.objects.get_or_create(owner=owner, name=opts["dataset"],
                                                         defaults={"val_fraction": opts["val_fraction"]})
        try:
            result = coco_import_dir(dataset=dataset, json_path=opts["json"], images_dir=opts["images"])
        except (DomainError, OSError) as exc:
            if created:
                dataset.delete()
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        for warning in result["warnings"]:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(json.dumps({"dataset": dataset.pk, **result}))
