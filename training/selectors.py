"""Reads shared by views, tasks and other apps (deploy picks weights here); every one that takes a user is
scoped to the user's workspaces and checks their role (accounts.selectors): not a member → 404."""
from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.roles import Action
from config import storage
from accounts.selectors import check_role, scoped

from . import files
from .engine import algorithms
from .models import EpochMetric, TrainingSession, WorkerStatus
from .liveness import live_workers_qs

WEIGHT_KINDS = ("best", "last")


def sessions_for(user, *, workspace=None, dataset_id: int | None = None,
                 status: str | None = None) -> QuerySet[TrainingSession]:
    qs = scoped(TrainingSession.objects.all(), user)
    if workspace is not None:
        qs = qs.filter(workspace=workspace)
    if dataset_id:
        qs = qs.filter(dataset_id=dataset_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def session_get(user, pk, action: str = Action.VIEW) -> TrainingSession:
    try:
        session = scoped(TrainingSession.objects.select_related("workspace"), user).get(pk=int(pk))
    except (TrainingSession.DoesNotExist, TypeError, ValueError):
        raise Http404("no such training session") from None
    check_role(session.my_role, action, session.workspace.name)
    return session


def epochs_of(session: TrainingSession, *, after: int = 0) -> QuerySet[EpochMetric]:
    return session.epoch_metrics.filter(epoch__gt=after).order_by("epoch")


def log_tail(session: TrainingSession, lines: int = 200) -> dict:
    rows, count = files.tail(session.pk, lines)
    return {"lines": rows, "size": count}


def weights_name(session: TrainingSession, kind: str) -> str | None:
    """The storage name of the session's best.pt or last.pt, or None when it does not exist (yet)."""
    if kind not in WEIGHT_KINDS or not files.has_weights(session.pk, kind):
        return None
    return files.weights_name(session.pk, kind)


def weights_get(user, pk, kind: str) -> str:
    name = weights_name(session_get(user, pk), kind)
    if name is None:
        raise Http404(f"no {kind} weights")
    return name


def evaluation_image(session: TrainingSession, index: int) -> str | None:
    """The storage name of the evaluation's example picture `index`, or None."""
    examples = (session.evaluation or {}).get("examples") or []
    if not 0 <= index < len(examples):
        return None
    name = files.evaluation_name(session.pk, examples[index]["file"])
    return name if storage.exists(name) else None


def live_workers() -> QuerySet[WorkerStatus]:
    return live_workers_qs().select_related("current_session")


def algorithm_list() -> list[dict]:
    return [{"name": a.name, "family": a.family, "scale": a.scale, "config": a.config, "description": a.params,
             "default": a.name == algorithms.DEFAULT} for a in algorithms.available()]


def sessions_with_weights(user) -> QuerySet[TrainingSession]:
    return scoped(TrainingSession.objects.all(), user).exclude(best_weights="", last_weights="")
