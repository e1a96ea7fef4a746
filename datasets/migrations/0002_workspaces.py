"""Datasets belong to a workspace (the owner's personal one for existing rows); `owner` becomes `created_by`."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def to_personal(apps, schema_editor):
    Dataset = apps.get_model("datasets", "Dataset")
    Workspace = apps.get_model("accounts", "Workspace")
    for ds in Dataset.objects.filter(workspace__isnull=True):
        ds.workspace = Workspace.objects.get(created_by_id=ds.created_by_id, personal=True)
        ds.save(update_fields=["workspace"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_personal_workspaces"),
        ("datasets", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="dataset", name="dataset_unique_name_per_owner"),
        migrations.RenameField(model_name="dataset", old_name="owner", new_name="created_by"),
        migrations.AlterField(
            model_name="dataset", name="created_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to=settings.AUTH_USER_MODEL)),
        migrations.AddField(
            model_name="dataset", name="workspace",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="datasets",
                                    to="accounts.workspace")),
        migrations.RunPython(to_personal, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="dataset", name="workspace",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="datasets",
                                    to="accounts.workspace")),
        migrations.AddConstraint(
            model_name="dataset",
            constraint=models.UniqueConstraint(fields=("workspace", "name"), name="dataset_unique_name_per_workspace")),
    ]
