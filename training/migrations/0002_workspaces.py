"""Training sessions belong to a workspace (the owner's personal one for existing rows); `owner` becomes `created_by`."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def to_personal(apps, schema_editor):
    Session = apps.get_model("training", "TrainingSession")
    Workspace = apps.get_model("accounts", "Workspace")
    for s in Session.objects.filter(workspace__isnull=True):
        s.workspace = Workspace.objects.get(created_by_id=s.created_by_id, personal=True)
        s.save(update_fields=["workspace"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_personal_workspaces"),
        ("training", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="trainingsession", name="training_tr_owner_i_5941d2_idx"),
        migrations.RenameField(model_name="trainingsession", old_name="owner", new_name="created_by"),
        migrations.AlterField(
            model_name="trainingsession", name="created_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to=settings.AUTH_USER_MODEL)),
        migrations.AddField(
            model_name="trainingsession", name="workspace",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="training_sessions", to="accounts.workspace")),
        migrations.RunPython(to_personal, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="trainingsession", name="workspace",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="training_sessions",
                                    to="accounts.workspace")),
        migrations.AddIndex(model_name="trainingsession",
                            index=models.Index(fields=["workspace", "-created_at"], name="training_tr_workspa_idx")),
    ]
