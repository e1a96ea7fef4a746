"""The requeue sweep: what the database says is queued gets run, even when the broker lost the message (Redis
restarted without persistence, a queue was flushed).

Every Celery worker runs `sweep()` when it is ready and then every `QUEUE_SWEEP_S` seconds, in a thread of
its main process. A queued import/export job or training session older than `QUEUE_REQUEUE_AFTER_S` whose
task message the broker does not hold (config.broker_peek: waiting in a queue, or delivered and not yet
acknowledged) is sent again with a new attempt number; the claim on the attempt number (datasets.jobs,
training.execution) makes a late duplicate do nothing, so two workers sweeping at once are harmless.
"""
from __future__ import annotations

import logging
import threading

from celery import signals

log = logging.getLogger(__name__)
_state: dict = {}


def _queues() -> list[str]:
    from django.conf import settings

    from training.models import WorkerStatus

    # The named queues of config.celery, and each gpu worker's own queue (training.liveness.direct_queue).
    return [settings.CELERY_TASK_DEFAULT_QUEUE, "gpu", "inference",
            *WorkerStatus.objects.exclude(queue="").values_list("queue", flat=True)]


def sweep(app=None) -> dict:
    """One round: {"jobs": re-sent, "sessions": re-sent}. Safe to call from anywhere (a shell too)."""
    from django.conf import settings

    from datasets.jobs import jobs_requeue_stale
    from training.services import sessions_requeue_lost

    from .broker_peek import held_tasks
    from .celery import app as default_app

    held = held_tasks(app or default_app, _queues())
    older = settings.QUEUE_REQUEUE_AFTER_S
    return {"jobs": jobs_requeue_stale(held=held, older_than_s=older),
            "sessions": sessions_requeue_lost(held=held, older_than_s=older)}


class _SweepThread(threading.Thread):
    def __init__(self, app, every_s: float):
        super().__init__(name="requeue-sweep", daemon=True)
        self.app, self.every_s = app, every_s
        self.stop = threading.Event()

    def run(self):
        from django.db import close_old_connections, connection

        while True:
            try:
                done = sweep(self.app)
                if done["jobs"] or done["sessions"]:
                    log.warning("requeue sweep sent again %(jobs)s job(s) and %(sessions)s training session(s)", done)
            except Exception:  # the database or the broker is away: try again next round
                log.exception("requeue sweep failed")
                close_old_connections()
            if self.stop.wait(self.every_s):
                break
        connection.close()


@signals.worker_ready.connect
def _start(sender=None, **kwargs):
    from django.conf import settings

    if "thread" in _state or sender is None:
        return
    thread = _SweepThread(sender.app, settings.QUEUE_SWEEP_S)
    _state["thread"] = thread
    thread.start()


@signals.worker_shutdown.connect
def _stop(sender=None, **kwargs):
    thread = _state.pop("thread", None)
    if thread is not None:
        thread.stop.set()
