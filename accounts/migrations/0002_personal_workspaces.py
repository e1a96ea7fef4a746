"""Every existing user gets a personal workspace with themselves as admin (new users get one on creation)."""
from django.conf import settings
from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Workspace = apps.get_model("accounts", "Workspace")
    Membership = apps.get_model("accounts", "Membership")
    for user in User.objects.all():
        if Workspace.objects.filter(created_by=user, personal=True).exists():
            continue
        ws = Workspace.objects.create(name=f"{user.username} (personal)", personal=True, created_by=user)
        Membership.objects.create(workspace=ws, user=user, role="admin")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
