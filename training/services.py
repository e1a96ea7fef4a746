"""Writes for training sessions: start, cancel, resume, evaluate, delete. Keyword-only; each write and its
checks happen in one transaction. Worker liveness (registry, heartbeats, the stale sweep) is in liveness.py.

The work itself (snapshot already taken, Ultralytics run, evaluation) is in execution.py, which the
Celery task calls on the worker.
"""
from __future__ import annotations

import logging
import zipfile
from datetime import timedelta
from typing import IO

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from config import storage
from config.errors import InvalidInput
from datasets.models import Dataset
from datasets.selectors import RECOMMENDED_LABELLED

from . import files
from .engine import algorithms
from .engine import pretrained
from .engine.params import TrainingParams
from .errors import (DatasetEmpty, DatasetNotLabelled, InvalidWeights, KeypointCountMismatch, PretrainedMissing,
                     SessionBusy,
                     SessionNotActive, SessionNotResumable, UnknownAlgorithm, WeightsMissing, WorkerUnavailable)
from .liveness import live_workers_qs
from .models import EpochMetric, TrainingSession

log = logging.getLogger(__name__)


def max_weights_bytes() -> int:
    return settings.TRAINING_MAX_WEIGHTS_BYTES


# ---------------------------------------------------------------- start
def _check_weights_file(fileobj: IO[bytes], name: str) -> None:
    if not name.lower().endswith(".pt"):
        raise InvalidWeights(f"{name}: initial weights must be a PyTorch .pt file", field="initial_weights_file")
    size = getattr(fileobj, "size", None)
    if size is not None and size > max_weights_bytes():
        raise InvalidWeights(f"{name}: {size} bytes is over the {max_weights_bytes()} byte limit",
                             field="initial_weights_file")
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as zf:
            if not any(n.endswith("data.pkl") for n in zf.namelist()):
                raise zipfile.BadZipFile("no data.pkl inside")
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidWeights(f"{name}: not a PyTorch checkpoint (torch.save zip): {exc}",
                             field="initial_weights_file") from None
    finally:
        fileobj.seek(0)


def _classes_for(dataset: Dataset, class_ids: list[int] | None):
    classes = list(dataset.classes.all().order_by("id"))
    if class_ids:
        unknown = sorted(set(class_ids) - {c.pk for c in classes})
        if unknown:
            raise InvalidInput(f"class id(s) {unknown} are not classes of dataset {dataset.name!r}", field="class_ids")
        classes = [c for c in classes if c.pk in set(class_ids)]
    if not classes:
        raise InvalidInput(f"dataset {dataset.name!r} has no skeleton class to train", field="class_ids")
    counts = {c.name: len(c.keypoints) for c in classes}
    if len(set(counts.values())) != 1:
        shown = ", ".join(f"{n}: {k}" for n, k in counts.items())
        raise KeypointCountMismatch(f"the chosen classes must share one keypoint count; they have {shown}",
                                    field="class_ids")
    if not next(iter(counts.values())):
        raise InvalidInput(f"class {classes[0].name!r} has no keypoints", field="class_ids")
    return classes


def check_dataset_labelled(dataset: Dataset) -> tuple[int, list[str]]:
    """Raise unless every image is labelled; returns (labelled count, warnings)."""
    counts = dataset.images.aggregate(total=Count("id"), labelled=Count("id", filter=Q(labelled=True)))
    total, labelled = counts["total"], counts["labelled"]
    if total == 0:
        raise DatasetEmpty(f"dataset {dataset.name!r} has no images", field="dataset")
    if labelled < total:
        missing = total - labelled
        raise DatasetNotLabelled(
            f"{missing} of {total} image{'s' if total != 1 else ''} in dataset {dataset.name!r} "
            f"{'are' if missing != 1 else 'is'} not labelled yet; label {'them' if missing != 1 else 'it'} "
            "(or delete them) before training", field="dataset", unlabelled=missing, total=total)
    warnings = []
    if labelled < RECOMMENDED_LABELLED:
        warnings.append(f"only {labelled} labelled image{'s' if labelled != 1 else ''}: below {RECOMMENDED_LABELLED} a pose "
                        "model rarely generalises; expect weak metrics")
    return labelled, warnings


def _pretrained_checkpoint(choice: str):
    """The checkpoint named by "pretrained:<name>" ("pretrained" alone: the first one present)."""
    name = choice.partition(":")[2].strip()
    if name and not name.endswith(".pt"):
        name += ".pt"
    present = pretrained.available(settings.WEIGHTS_DIR)
    if not name:
        if not present:
            raise PretrainedMissing(f"no pretrained checkpoint is in the weights folder {settings.WEIGHTS_DIR}; run "
                                    "`manage.py fetch_weights yolo11n-pose.pt` on a machine that is online, or copy "
                                    "the file there", field="initial_weights")
        return present[0]
    if name not in pretrained.NAMES:
        raise InvalidInput(f"unknown pretrained checkpoint {name!r}; known: {', '.join(pretrained.NAMES)}",
                           field="initial_weights")
    for checkpoint in present:
        if checkpoint.name == name:
            return checkpoint
    raise PretrainedMissing(f"{name} is not in the weights folder {settings.WEIGHTS_DIR}; run `manage.py "
                            f"fetch_weights {name}` on a machine that is online, or copy the file there",
                            field="initial_weights")


def _worker_queue(worker: str | None) -> str | None:
    """The private queue of the named live gpu worker; None lets any gpu worker take the session."""
    if not worker:
        return None
    live = live_workers_qs().filter(name=worker).first()
    if live is None:
        raise WorkerUnavailable(f"worker {worker!r} is not a live gpu-queue worker", field="worker")
    return live.queue


def training_session_start(*, user, dataset: Dataset, params: dict | None = None, algorithm: str = algorithms.DEFAULT,
                           class_ids: list[int] | None = None, name: str = "", task: str = "pose",
                           initial_weights: str = TrainingSession.WEIGHTS_NONE,
                           initial_session: TrainingSession | None = None, weights_file: IO[bytes] | None = None,
                           weights_name: str = "", worker: str = "", enqueue: bool = True) -> TrainingSession:
    """Check, create the session, take the dataset snapshot and queue it on the gpu queue.

    The caller has checked that `user` may train in the dataset's workspace (training.selectors)."""
    if task != "pose":
        raise InvalidInput(f"task {task!r} is not supported; only 'pose'", field="task")
    if algorithms.get(algorithm) is None:
        names = ", ".join(a.name for a in algorithms.available()[:8])
        raise UnknownAlgorithm(f"unknown algorithm {algorithm!r}; the installed Ultralytics offers e.g. {names}",
                               field="algorithm")
    clean = TrainingParams.clean(params).as_dict()
    classes = _classes_for(dataset, class_ids)
    _, warnings = check_dataset_labelled(dataset)

    source_name = source_path = None
    if initial_weights in (TrainingSession.WEIGHTS_SESSION_BEST, TrainingSession.WEIGHTS_SESSION_LAST):
        if initial_session is None or initial_session.workspace_id != dataset.workspace_id:
            raise InvalidInput("choose a session of the dataset's workspace to take the weights from",
                               field="initial_session")
        kind = "best" if initial_weights == TrainingSession.WEIGHTS_SESSION_BEST else "last"
        source_name = files.weights_name(initial_session.pk, kind)
        if not storage.exists(source_name):
            raise WeightsMissing(f"session {initial_session.pk} has no {kind} weights yet", field="initial_session")
        weights_name = f"session {initial_session.pk} {kind}.pt"
    elif initial_weights == TrainingSession.WEIGHTS_UPLOAD:
        if weights_file is None:
            raise InvalidWeights("upload a .pt file in initial_weights_file", field="initial_weights_file")
        weights_name = weights_name or getattr(weights_file, "name", "") or "weights.pt"
        _check_weights_file(weights_file, weights_name)
        initial_session = None
    elif initial_weights.startswith(TrainingSession.WEIGHTS_PRETRAINED):
        checkpoint = _pretrained_checkpoint(initial_weights)
        source_path, weights_name, initial_session = checkpoint.path, checkpoint.name, None
        initial_weights = TrainingSession.WEIGHTS_PRETRAINED
        if algorithm != checkpoint.algorithm:  # the checkpoint brings its architecture
            warnings.append(f"{checkpoint.name} brings its own architecture: the session trains "
                            f"{checkpoint.algorithm}, not {algorithm}")
            algorithm = checkpoint.algorithm
    elif initial_weights == TrainingSession.WEIGHTS_NONE:
        initial_session, weights_name = None, ""
    else:
        raise InvalidInput(f"initial_weights must be one of {[c for c, _ in TrainingSession.WEIGHT_SOURCES[:-1]]} "
                           f"or pretrained:<name> (see /api/v1/training-pretrained/)", field="initial_weights")

    queue = _worker_queue(worker)

    with transaction.atomic():
        session = TrainingSession.objects.create(
            workspace_id=dataset.workspace_id, created_by=user, dataset=dataset, dataset_name=dataset.name, name=name or "", class_ids=[c.pk for c in classes],
            task=task, algorithm=algorithm, params=clean, initial_weights=initial_weights,
            initial_session=initial_session, initial_weights_name=weights_name[:255], requested_worker=worker or "",
            status=TrainingSession.QUEUED, phase="queued")
        try:
            from .snapshot import snapshot_create

            snap = snapshot_create(session_id=session.pk, dataset=dataset, classes=classes)
            # A copy, never a reference: deleting the other session must not break this one.
            if source_name is not None:
                with storage.open_read(source_name) as fh:
                    storage.save_replace(files.initial_weights_name(session.pk), fh)
            elif source_path is not None:  # a pretrained checkpoint: copied, so any worker can start from it
                with open(source_path, "rb") as fh:
                    storage.save_replace(files.initial_weights_name(session.pk), fh)
            elif weights_file is not None and initial_weights == TrainingSession.WEIGHTS_UPLOAD:
                weights_file.seek(0)
                storage.save_replace(files.initial_weights_name(session.pk), weights_file)
        except BaseException:
            files.remove_session(session.pk)
            raise
        if clean["nbs"] is None and clean["batch"] != "auto" and snap.train_images < 4 * 64:
            # Ultralytics accumulates gradients up to nbs=64 images: a tiny set would take almost no optimizer steps.
            clean["nbs"] = int(clean["batch"])
            warnings.append(f"small dataset ({snap.train_images} train images): gradient accumulation is off "
                            f"(nbs={clean['nbs']}) so every batch updates the model")
        if not session.name:
            session.name = f"{algorithm} on {dataset.name}"
        session.params = clean
        session.snapshot_path = files.snapshot_name(session.pk)
        session.skeleton = snap.skeleton
        session.train_images, session.val_images = snap.train_images, snap.val_images
        session.warnings = warnings + snap.warnings
        session.split_check = snap.split_check
        session.save()
        files.append_log(session.pk, f"[posedeck] session {session.pk} queued: {algorithm}, {snap.train_images} train / "
                                     f"{snap.val_images} val images, params {clean}")
        for w in session.warnings:
            files.append_log(session.pk, f"[posedeck] warning: {w}")
        if enqueue:
            _enqueue_on_commit(session, queue)
    return session


def _enqueue_on_commit(session: TrainingSession, queue: str | None, *, fail_if_unsent: bool = True) -> None:
    """Send the session's task once the transaction commits. A request whose send fails marks the session
    failed (the person sees why at once); the requeue sweep (`fail_if_unsent=False`) leaves it queued and
    tries again at its next round."""
    pk, attempt = session.pk, session.attempt

    def send():
        from .tasks import run_session

        try:
            run_session.apply_async(args=[pk, attempt], **({"queue": queue} if queue else {}))
        except Exception as exc:  # broker down: say so on the session instead of leaving it queued forever
            if not fail_if_unsent:
                log.warning("could not re-send training session %s: %s", pk, exc)
                return
            TrainingSession.objects.filter(pk=pk, status=TrainingSession.QUEUED).update(
                status=TrainingSession.FAILED, error=f"could not queue the training task: {exc}", phase="",
                finished_at=timezone.now())

    transaction.on_commit(send)


def sessions_requeue_lost(*, held: set[tuple[str, tuple]] | None, older_than_s: float) -> int:
    """Send again the queued sessions whose task message the broker no longer holds (a Redis restart without
    persistence): a new attempt number, so the old message, if it ever arrives, finds nothing to claim.

    `held`: (task name, args) pairs the broker holds (config.broker_peek); None when unknown, then every
    session queued (or last requeued) more than `older_than_s` seconds ago is sent again. Returns how many."""
    now = timezone.now()
    count = 0
    for s in TrainingSession.objects.filter(status=TrainingSession.QUEUED,
                                            updated_at__lt=now - timedelta(seconds=older_than_s)):
        if held is not None and ("training.run_session", (s.pk, s.attempt)) in held:
            continue
        with transaction.atomic():
            if not TrainingSession.objects.filter(pk=s.pk, attempt=s.attempt, status=TrainingSession.QUEUED).update(
                    attempt=s.attempt + 1, updated_at=now):
                continue  # claimed, cancelled or requeued by someone else meanwhile
            s.attempt += 1
            live = live_workers_qs().filter(name=s.requested_worker).first() if s.requested_worker else None
            files.append_log(s.pk, f"[posedeck] its queue message was lost; sent again as attempt {s.attempt}")
            _enqueue_on_commit(s, live.queue if live else None, fail_if_unsent=False)
            count += 1
    return count


# ---------------------------------------------------------------- cancel / resume / delete
def training_session_cancel(*, session: TrainingSession) -> TrainingSession:
    with transaction.atomic():
        s = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if s.status == TrainingSession.QUEUED:
            s.status, s.phase, s.finished_at, s.cancel_requested = TrainingSession.CANCELLED, "", timezone.now(), True
            files.append_log(s.pk, "[posedeck] cancelled before it started")
        elif s.status == TrainingSession.RUNNING:
            s.cancel_requested, s.phase = True, "cancelling"
            files.append_log(s.pk, "[posedeck] cancel requested; stopping after the current batch")
        else:
            raise SessionNotActive(f"session {s.pk} is {s.status}; only a queued or running session can be cancelled")
        s.save()
    return s


def training_session_resume(*, session: TrainingSession, worker: str = "", enqueue: bool = True) -> TrainingSession:
    queue = _worker_queue(worker)
    with transaction.atomic():
        s = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if s.status not in (TrainingSession.CANCELLED, TrainingSession.FAILED):
            raise SessionNotResumable(f"session {s.pk} is {s.status}; only a cancelled or failed session can be resumed")
        if not storage.exists(files.snapshot_name(s.pk)):
            raise SessionNotResumable(f"session {s.pk} has lost its dataset snapshot; start a new session")
        s.resume_pending = files.has_weights(s.pk, "last")
        if not worker and s.requested_worker and not live_workers_qs().filter(name=s.requested_worker).exists():
            s.requested_worker = ""  # the machine it asked for is gone: any gpu worker may take it
        elif worker:
            s.requested_worker = worker
        if queue is None and s.requested_worker:
            queue = live_workers_qs().get(name=s.requested_worker).queue
        s.status, s.phase, s.error, s.cancel_requested = TrainingSession.QUEUED, "queued to resume", "", False
        s.attempt += 1
        s.heartbeat_at, s.finished_at, s.eta_seconds = None, None, None
        s.save()
        files.append_log(s.pk, "[posedeck] resume requested: " + (
            "continuing from last.pt" if s.resume_pending else "no epoch had finished, starting again"))
        if enqueue:
            _enqueue_on_commit(s, queue)
    return s


def training_session_update(*, session: TrainingSession, name: str) -> TrainingSession:
    session.name = name
    session.save(update_fields=["name", "updated_at"])
    return session


def training_session_delete(*, session: TrainingSession) -> None:
    with transaction.atomic():
        s = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if s.status in TrainingSession.ACTIVE:
            raise SessionBusy(f"session {s.pk} is {s.status}; cancel it before deleting it")
        pk = s.pk
        s.delete()
        transaction.on_commit(lambda: files.remove_session(pk))


def training_session_evaluate(*, session: TrainingSession) -> TrainingSession:
    """Queue the evaluation again (it runs by itself when training completes)."""
    with transaction.atomic():
        s = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if s.status in TrainingSession.ACTIVE:
            raise SessionBusy(f"session {s.pk} is {s.status}; it is evaluated when training completes")
        if s.evaluation_status in ("queued", "running"):
            raise SessionBusy(f"the evaluation of session {s.pk} is already {s.evaluation_status}")
        if not (files.has_weights(s.pk, "best") or files.has_weights(s.pk, "last")):
            raise WeightsMissing(f"session {s.pk} has no weights to evaluate")
        s.evaluation_status, s.evaluation_error = "queued", ""
        s.save(update_fields=["evaluation_status", "evaluation_error", "updated_at"])
        pk = s.pk

        def send():
            from .tasks import evaluate_session

            try:
                evaluate_session.apply_async(args=[pk])
            except Exception as exc:
                TrainingSession.objects.filter(pk=pk).update(evaluation_status="failed",
                                                             evaluation_error=f"could not queue: {exc}")

        transaction.on_commit(send)
    return s


def epoch_rows_clear(*, session: TrainingSession, after: int) -> None:
    EpochMetric.objects.filter(session=session, epoch__gt=after).delete()
