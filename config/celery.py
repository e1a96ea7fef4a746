"""The Celery app. Queues: default (imports, exports), gpu (training), inference (autolabel)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("posedeck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_routes = {
    "training.*": {"queue": "gpu"},
    "labeling.autolabel*": {"queue": "inference"},
}
app.autodiscover_tasks()


def ensure_broker_dirs() -> None:
    """The filesystem transport needs its folders before a producer or a worker touches them."""
    opts = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if opts.get(key):
            os.makedirs(opts[key], exist_ok=True)


@app.task(name="config.ping")
def ping(value: str = "pong") -> str:
    return value


ensure_broker_dirs()

from . import requeue  # noqa: E402,F401  (connects the requeue sweep to every worker's start)
