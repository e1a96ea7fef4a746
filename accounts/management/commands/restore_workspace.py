import json
import zipfile

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from config import backup
from config.errors import DomainError


class Command(BaseCommand):
    help = ("Restore a backup_workspace archive as a new team workspace (every id new; people matched by "
            "username). The owner becomes its admin.")

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .zip written by backup_workspace")
        parser.add_argument("--owner", help="username of the restored workspace's admin (default: the first "
                                            "superuser)")
        parser.add_argument("--name", help="name of the restored workspace (default: the backed-up name)")
        parser.add_argument("--create-users", action="store_true",
                            help="create the members and authors the archive names that do not exist here, "
                                 "inactive and without a password (default: drop those references)")

    def handle(self, *args, **opts):
        User = get_user_model()
        if opts["owner"]:
            owner = User.objects.filter(username=opts["owner"]).first()
            if owner is None:
                raise CommandError(f"no user named {opts['owner']!r}; create one with `manage.py createsuperuser`")
        else:
            owner = User.objects.filter(is_superuser=True).order_by("id").first()
            if owner is None:
                raise CommandError("name the restored workspace's admin with --owner USER")
        try:
            ws, report = backup.restore_workspace(opts["archive"], owner=owner, name=opts["name"],
                                                  create_users=opts["create_users"])
        except (OSError, zipfile.BadZipFile, KeyError) as exc:  # missing, damaged, or a zip without a manifest
            raise CommandError(f"cannot read {opts['archive']}: {exc}") from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps({"workspace": ws.pk, "name": ws.name, **report}))
