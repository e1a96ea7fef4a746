"""Celery tasks. Names start with "autolabel." so config.celery routes them to the `inference` queue.

Thin: the job's id and attempt in, autolabel.jobs does the work and keeps the state in our table.
"""
from celery import shared_task, signals


@shared_task(name="autolabel.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int, attempt: int = 1) -> str:
    from .jobs import job_run

    return job_run(job_id=job_id, attempt=attempt)


@shared_task(name="autolabel.requeue_stale")
def requeue_stale() -> int:
    from .jobs import requeue_stale as requeue

    return requeue()


@signals.worker_ready.connect
def _requeue_on_start(sender=None, **kwargs):
    """A worker starting picks up the jobs a dead worker left (their heartbeat stopped)."""
    import logging

    try:
        from .jobs import requeue_stale as requeue

        n = requeue()
        if n:
            logging.getLogger(__name__).info("requeued %d autolabel job(s) left by a stopped worker", n)
    except Exception:  # noqa: BLE001 - a worker must start even when the database is not reachable yet
        logging.getLogger(__name__).exception("could not requeue stale autolabel jobs")
