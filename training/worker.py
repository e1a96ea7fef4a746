"""Celery worker hooks: a worker that consumes the `gpu` queue also consumes a queue of its own (so a
person can pick the machine), registers itself with its device, keeps a heartbeat, and sweeps stale
sessions when it starts and every SWEEP_S seconds.

Connected from TrainingConfig.ready(); the signals only fire inside `celery worker`.
"""
from __future__ import annotations

import logging
import os
import threading

from celery import signals

log = logging.getLogger(__name__)
BEAT_S = 10.0
SWEEP_S = 30.0
_state: dict = {}


@signals.celeryd_after_setup.connect
def _add_direct_queue(sender, instance, **kwargs):
    from .liveness import direct_queue

    queues = instance.app.amqp.queues
    if "gpu" not in queues.consume_from:
        return
    name = str(sender)
    queue = direct_queue(name)
    queues.select_add(queue)
    from django.utils import timezone

    # Before the first task can arrive: sessions claimed from now on are this process's own (liveness.worker_register).
    _state.update(name=name, queue=queue, started_at=timezone.now())


class _WorkerBeat(threading.Thread):
    def __init__(self):
        super().__init__(name="training-worker-beat", daemon=True)
        self.stop = threading.Event()

    def run(self):
        from django.db import close_old_connections, connection

        from core.devices import probe

        from .liveness import sweep_stale_sessions, worker_heartbeat, worker_register

        name = _state["name"]
        try:
            info = probe()
            worker_register(name=name, queue=_state["queue"], info=info, pid=os.getpid(),
                            started_at=_state.get("started_at"))
            sweep_stale_sessions()
            log.info("gpu worker %s registered: %s", name, info)
        except Exception:
            log.exception("could not register gpu worker %s", name)
        since_sweep = 0.0
        while not self.stop.wait(BEAT_S):
            try:
                worker_heartbeat(name=name)
                since_sweep += BEAT_S
                if since_sweep >= SWEEP_S:
                    since_sweep = 0.0
                    sweep_stale_sessions()
            except Exception:
                log.exception("gpu worker heartbeat failed")
                close_old_connections()
        connection.close()


@signals.worker_ready.connect
def _start_beat(sender=None, **kwargs):
    if "name" not in _state or "beat" in _state:
        return
    beat = _WorkerBeat()
    _state["beat"] = beat
    beat.start()


@signals.worker_shutdown.connect
def _stop_beat(sender=None, **kwargs):
    beat = _state.pop("beat", None)
    if beat is None:
        return
    beat.stop.set()
    try:
        from .liveness import worker_unregister

        worker_unregister(name=_state["name"])
    except Exception:
        log.exception("could not unregister gpu worker")
