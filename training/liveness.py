"""Who is alive: the gpu-queue worker registry, worker heartbeats, and the sweep that ends training sessions
whose worker stopped beating (failed, or cancelled if a cancel was asked for)."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import files
from .models import TrainingSession, WorkerStatus


def stale_after_s() -> int:
    return settings.TRAINING_STALE_AFTER_S


def worker_stale_after_s() -> int:
    return settings.TRAINING_WORKER_STALE_AFTER_S


# ---------------------------------------------------------------- workers
def direct_queue(worker_name: str) -> str:
    """The worker's own queue. Only [A-Za-z0-9._-]: kombu's filesystem transport refuses other exchange names."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "-" for ch in worker_name)
    return f"gpu.{safe}"


def live_workers_qs():
    return WorkerStatus.objects.filter(last_seen__gte=timezone.now() - timedelta(seconds=worker_stale_after_s()))


def worker_register(*, name: str, queue: str, info: dict, pid: int, started_at=None) -> WorkerStatus:
    """Record the worker; sessions running under its name whose last heartbeat is older than `started_at`
    (when this process began consuming; default now) belonged to its previous life and are marked dead.
    A session this process already claimed while probing its device beats after `started_at` and is kept."""
    now = timezone.now()
    worker, _ = WorkerStatus.objects.update_or_create(name=name, defaults={
        "queue": queue, "device": info.get("device", "cpu"), "device_name": info.get("device_name", ""),
        "memory_bytes": info.get("memory_bytes"), "cpu_count": info.get("cpu_count") or 0, "pid": pid,
        "started_at": now, "last_seen": now, "current_session": None})
    before = started_at or now
    for session in TrainingSession.objects.filter(Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True),
                                                  worker=name, status=TrainingSession.RUNNING):
        _mark_dead(session, f"the worker {name} restarted while training (last heartbeat "
                            f"{_when(session.heartbeat_at)})")
    current = TrainingSession.objects.filter(worker=name, status=TrainingSession.RUNNING).first()
    if current is not None:  # claimed before this row existed
        WorkerStatus.objects.filter(pk=worker.pk).update(current_session=current)
    return worker


def worker_heartbeat(*, name: str) -> None:
    WorkerStatus.objects.filter(name=name).update(last_seen=timezone.now())


def worker_unregister(*, name: str) -> None:
    WorkerStatus.objects.filter(name=name).delete()


# ---------------------------------------------------------------- sweep
def _when(ts) -> str:
    if ts is None:
        return "never"
    age = (timezone.now() - ts).total_seconds()
    return f"{ts:%Y-%m-%d %H:%M:%S} UTC, {age:.0f} s ago"


def _mark_dead(session: TrainingSession, reason: str) -> None:
    now = timezone.now()
    if session.cancel_requested:
        session.status, session.error = TrainingSession.CANCELLED, ""
    else:
        session.status = TrainingSession.FAILED
        session.error = reason + ". Resume it to continue from its last finished epoch."
    session.phase, session.finished_at, session.eta_seconds = "", now, None
    session.save(update_fields=["status", "error", "phase", "finished_at", "eta_seconds", "updated_at"])
    files.append_log(session.pk, f"[posedeck] {session.status}: {reason}")


def sweep_stale_sessions() -> int:
    """Running sessions whose heartbeat stopped become failed (or cancelled, if a cancel was asked for)."""
    limit = timezone.now() - timedelta(seconds=stale_after_s())
    stale_q = Q(status=TrainingSession.RUNNING) & (Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True))
    if not TrainingSession.objects.filter(stale_q).exists():
        return 0
    count = 0
    with transaction.atomic():
        for session in TrainingSession.objects.select_for_update().filter(stale_q):
            _mark_dead(session, f"the worker {session.worker or '(unknown)'} stopped responding (last heartbeat "
                                f"{_when(session.heartbeat_at)})")
            count += 1
    return count
