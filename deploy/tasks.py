"""Celery tasks of the deploy app, sent to the `inference` queue. Thin: ids in, one service call."""
from celery import shared_task


@shared_task(name="deploy.export_version", acks_late=True)
def export_version(version_id: int, activate: bool = True) -> str:
    from .services import version_export

    version = version_export(version_id, activate)
    return f"{version.status}/{version.engine_used}" if version else "gone"
