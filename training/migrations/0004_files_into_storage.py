"""Sessions trained before the storage layer: their weights move to the storage names the code now reads
(training/<id>/weights/*.pt), their initial.pt too, and train.log becomes LogLine rows. Their old YOLO snapshot
folders cannot be turned into a frozen snapshot, so they cannot be resumed; their weights stay downloadable."""
from pathlib import Path

from django.conf import settings
from django.db import migrations


def forwards(apps, schema_editor):
    from django.core.files import File
    from django.core.files.storage import default_storage

    Session = apps.get_model("training", "TrainingSession")
    LogLine = apps.get_model("training", "LogLine")
    root = Path(settings.MEDIA_ROOT) / "training"
    for session in Session.objects.all():
        old = root / str(session.pk)
        moved = {}
        for kind in ("best", "last"):
            src = old / "run" / "weights" / f"{kind}.pt"
            name = f"training/{session.pk}/weights/{kind}.pt"
            if src.is_file() and not default_storage.exists(name):
                with open(src, "rb") as fh:
                    default_storage.save(name, File(fh))
            if default_storage.exists(name):
                moved[f"{kind}_weights"] = name
        initial = old / "initial.pt"
        if initial.is_file() and not default_storage.exists(f"training/{session.pk}/initial.pt"):
            with open(initial, "rb") as fh:
                default_storage.save(f"training/{session.pk}/initial.pt", File(fh))
        log = old / "train.log"
        if log.is_file() and not LogLine.objects.filter(session=session).exists():
            lines = log.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n").split("\n")
            LogLine.objects.bulk_create([LogLine(session=session, text=line.rsplit("\r", 1)[-1])
                                         for line in lines if line], batch_size=1000)
        if moved:
            Session.objects.filter(pk=session.pk).update(**moved)


class Migration(migrations.Migration):
    dependencies = [("training", "0003_log_lines")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
