"""Boot Django on a throwaway SQLite database and media folder, for benchmarks run as plain scripts."""
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def setup(prefix: str = "posedeck-bench-") -> Path:
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'db.sqlite3'}")
    os.environ.setdefault("MEDIA_ROOT", str(tmp / "media"))
    os.environ.setdefault("BROKER_DIR", str(tmp / "broker"))
    # Local copies of deployed weights are keyed by deployment id: a fresh database must not find old ones.
    os.environ.setdefault("DEPLOY_WORK_DIR", str(tmp / "work" / "deploy"))
    os.environ.setdefault("TRAINING_WORK_DIR", str(tmp / "work" / "training"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return tmp
