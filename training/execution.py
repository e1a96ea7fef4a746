"""What a gpu-queue worker does with a session: claim it, train it through the engine, record every epoch,
honour cancel, keep a heartbeat, and evaluate the result. Also used in the foreground by `manage.py train`.
"""
from __future__ import annotations

import logging
import threading
import time
import traceback
from datetime import timedelta
from typing import Callable

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from config import storage

from . import files
from .models import EpochMetric, TrainingSession, WorkerStatus
from .liveness import stale_after_s
from .engine.params import TrainingParams
from .services import epoch_rows_clear

log = logging.getLogger(__name__)
HEARTBEAT_S = 5.0
CHECK_EVERY_S = 1.0


class Heartbeat:
    """A thread that stamps heartbeat_at while the session trains (DB connection of its own)."""

    def __init__(self, session_id: int, worker: str, every: float = HEARTBEAT_S):
        self.session_id, self.worker, self.every = session_id, worker, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{session_id}", daemon=True)

    def _run(self):
        try:
            while not self._stop.wait(self.every):
                try:
                    now = timezone.now()
                    TrainingSession.objects.filter(pk=self.session_id, status=TrainingSession.RUNNING).update(
                        heartbeat_at=now)
                    if self.worker:
                        WorkerStatus.objects.filter(name=self.worker).update(last_seen=now,
                                                                             current_session_id=self.session_id)
                except Exception:  # a locked or restarted database must not kill the thread
                    log.exception("heartbeat of session %s failed", self.session_id)
                    close_old_connections()
        finally:
            connection.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)
        if self.worker:
            WorkerStatus.objects.filter(name=self.worker, current_session_id=self.session_id).update(
                current_session=None)


class DbReporter:
    """The engine's Reporter: epochs become EpochMetric rows; cancel is read at most once a second."""

    def __init__(self, session: TrainingSession, on_progress: Callable[[TrainingSession], None] | None = None):
        self.session = session
        self.on_progress = on_progress
        self.last_check = 0.0
        self.cancel = False
        self.t0 = time.time()
        self.p0 = 0.0
        self.progress = 0.0

    def _eta(self, progress: float) -> float | None:
        done = progress - self.p0
        if done <= 1e-6:
            return None
        return max(0.0, (time.time() - self.t0) / done * (1.0 - progress))

    def _read_cancel(self) -> bool:
        self.cancel = TrainingSession.objects.filter(pk=self.session.pk).values_list(
            "cancel_requested", flat=True).first() or False
        self.last_check = time.time()
        return self.cancel

    def started(self, *, device: str, epochs: int, start_epoch: int, save_dir: str) -> None:
        self.t0 = time.time()
        self.p0 = self.progress = start_epoch / max(epochs, 1)
        s = self.session
        s.device, s.epochs, s.phase, s.progress = device, epochs, "training", self.p0
        s.run_dir = str(save_dir)
        TrainingSession.objects.filter(pk=s.pk).update(device=device, epochs=epochs, phase="training",
                                                       progress=self.p0, run_dir=s.run_dir,
                                                       heartbeat_at=timezone.now())
        if self.on_progress:
            self.on_progress(s)

    def tick(self, *, progress: float, phase: str) -> bool:
        if time.time() - self.last_check < CHECK_EVERY_S:
            return self.cancel
        fields = {"heartbeat_at": timezone.now(), "phase": phase}
        if progress >= 0:
            self.progress = progress
            fields.update(progress=round(progress, 5), eta_seconds=self._eta(progress))
        TrainingSession.objects.filter(pk=self.session.pk).update(**fields)
        if self.on_progress and progress >= 0:
            self.session.progress, self.session.eta_seconds = self.progress, fields.get("eta_seconds")
            self.on_progress(self.session)
        return self._read_cancel()

    def epoch(self, *, epoch: int, epochs: int, metrics: dict, fitness: float | None, seconds: float | None,
              best: str | None, last: str | None) -> bool:
        s = self.session
        EpochMetric.objects.update_or_create(session=s, epoch=epoch,
                                             defaults={"metrics": metrics, "fitness": fitness, "seconds": seconds})
        self.progress = epoch / max(epochs, 1)
        s.epoch, s.epochs, s.progress = epoch, epochs, self.progress
        if fitness is not None and (s.best_fitness is None or fitness > s.best_fitness):
            s.best_fitness = fitness
        stored = files.upload_weights(s.pk)  # so any process can serve them, and a resume can start elsewhere
        s.best_weights, s.last_weights = stored["best_weights"], stored["last_weights"]
        s.eta_seconds = self._eta(self.progress) if epoch < epochs else 0.0
        TrainingSession.objects.filter(pk=s.pk).update(
            epoch=epoch, epochs=epochs, progress=self.progress, best_fitness=s.best_fitness,
            best_weights=s.best_weights, last_weights=s.last_weights, eta_seconds=s.eta_seconds,
            heartbeat_at=timezone.now(), phase="training" if epoch < epochs else "final validation")
        if self.on_progress:
            self.on_progress(s)
        return self._read_cancel()


# ---------------------------------------------------------------- claim
def _claim(session_id: int, attempt: int, worker: str) -> tuple[TrainingSession | None, str]:
    """Take the session for this worker: (session, "") or (None, why not)."""
    with transaction.atomic():
        s = TrainingSession.objects.select_for_update().filter(pk=session_id).first()
        if s is None:
            return None, "no such session"
        if s.attempt != attempt:
            return None, f"stale task (attempt {attempt}, session is at attempt {s.attempt})"
        now = timezone.now()
        if s.status == TrainingSession.QUEUED:
            if s.cancel_requested:
                s.status, s.finished_at = TrainingSession.CANCELLED, now
                s.save()
                return None, "cancelled before it started"
        elif s.status == TrainingSession.RUNNING and (
                s.heartbeat_at is None or s.heartbeat_at < now - timedelta(seconds=stale_after_s()) or s.worker == worker):
            # Redelivered after the worker that had it died (acks_late): continue from its last epoch.
            s.resume_pending = files.has_weights(s.pk, "last")
        else:
            return None, f"session is {s.status}"
        s.status, s.worker, s.heartbeat_at, s.phase = TrainingSession.RUNNING, worker, now, "starting"
        s.started_at = s.started_at or now
        s.save()
    if worker:
        WorkerStatus.objects.filter(name=worker).update(current_session=s, last_seen=timezone.now())
    return s, ""


def _finish(session: TrainingSession, **fields) -> None:
    fields.setdefault("finished_at", timezone.now())
    fields.setdefault("phase", "")
    if fields.get("error"):  # shown to every member on the dashboard, like the log: no server paths
        fields["error"] = files.redact(session.pk, fields["error"])
    for k, v in fields.items():
        setattr(session, k, v)
    TrainingSession.objects.filter(pk=session.pk).update(**fields)


def _weights_fields(session_id: int) -> dict:
    return files.upload_weights(session_id)


def _prepare(session: TrainingSession, params: dict, console: bool):
    """Build this worker's copy of the snapshot and weights from the storage; the RunSpec to train with."""
    from .engine.runner import RunSpec, WeightsError
    from .snapshot import materialize

    TrainingSession.objects.filter(pk=session.pk).update(phase="preparing data")
    data_yaml = materialize(session.pk)
    resume_from = None
    if session.resume_pending:
        last = files.fetch_weights(session.pk, "last")
        if last is None:
            raise WeightsError("the stored last.pt to resume from is gone; start a new session")
        resume_from = str(last)
    else:
        epoch_rows_clear(session=session, after=0)
    TrainingSession.objects.filter(pk=session.pk).update(resume_pending=False)
    if session.initial_weights != TrainingSession.WEIGHTS_NONE:
        local = files.local_initial_weights(session.pk)
        if not storage.exists(files.initial_weights_name(session.pk)):
            raise WeightsError("the session's initial weights are missing from the storage")
        storage.materialize(files.initial_weights_name(session.pk), local)
        model = str(local)
    else:
        model = f"{session.algorithm}.yaml"
    run = TrainingParams.from_stored(params).run_args()
    skeleton = session.skeleton or {}
    if skeleton.get("keypoint_count") and skeleton.get("flip_idx") is None:
        # No left/right pairs: no horizontal flips, said in Ultralytics' own args (args.yaml shows fliplr: 0.0).
        run["extra"]["fliplr"] = 0.0
    return RunSpec(
        data_yaml=str(data_yaml), project=str(files.work_dir(session.pk)), name="run", model=model,
        resume_from=resume_from, log_sink=lambda line: files.append_log(session.pk, line), console=console,
        coco_eval=_coco_spec(session), **run)


def _coco_spec(session: TrainingSession):
    """COCO keypoint AP against the val split frozen at start, each class scored with its own sigmas."""
    from .engine.coco_epoch import CocoEvalSpec

    name = files.coco_name(session.pk, "ground_truth")
    if not storage.exists(name):
        return None  # a session from before COCO evaluation: Ultralytics' figures only
    local = files.local_coco_ground_truth(session.pk)
    storage.materialize(name, local)
    class_ids = [c["id"] for c in (session.skeleton or {}).get("classes", [])] or None
    return CocoEvalSpec(ground_truth=str(local), category_ids=class_ids,
                        every=max(1, int(getattr(settings, "TRAINING_COCO_EVERY", 1))))


def session_execute(*, session_id: int, attempt: int, worker: str = "", console: bool = False,
                    on_progress: Callable[[TrainingSession], None] | None = None,
                    evaluate: str = "queue") -> TrainingSession | None:
    """Run one claimed session to its end state. Returns None when this call had nothing to do.

    evaluate: "queue" (a separate gpu-queue task, so the session is `completed` as soon as training is),
    "inline" (right here, for the foreground command) or "none".
    """
    from .engine.runner import TrainingCancelled, WeightsError, run_training

    session, why = _claim(session_id, attempt, worker)
    if session is None:
        log.info("session %s not run: %s", session_id, why)
        return None
    params = session.params
    files.append_log(session.pk, f"[posedeck] attempt {session.attempt} on worker {worker or '(foreground)'}")
    reporter = DbReporter(session, on_progress)
    try:
        with Heartbeat(session.pk, worker):
            spec = _prepare(session, params, console)
            result = run_training(spec, reporter)
    except TrainingCancelled as exc:
        files.append_log(session.pk, f"[posedeck] {exc}; the weights so far are kept")
        _finish(session, status=TrainingSession.CANCELLED, error="", eta_seconds=None, **_weights_fields(session.pk))
        return session
    except KeyboardInterrupt:  # Ctrl+C in `manage.py train`: same as a cancel, then let it propagate
        files.append_log(session.pk, "[posedeck] interrupted; the weights so far are kept")
        _finish(session, status=TrainingSession.CANCELLED, error="", eta_seconds=None, **_weights_fields(session.pk))
        raise
    except WeightsError as exc:
        files.append_log(session.pk, f"[posedeck] failed: {exc}")
        _finish(session, status=TrainingSession.FAILED, error=str(exc), eta_seconds=None, **_weights_fields(session.pk))
        return session
    except Exception as exc:
        files.append_log(session.pk, "[posedeck] training failed:\n" + traceback.format_exc())
        _finish(session, status=TrainingSession.FAILED, error=f"{type(exc).__name__}: {exc}", eta_seconds=None,
                **_weights_fields(session.pk))
        return session
    final = dict(result.metrics)
    coco = None
    if result.coco_files:
        storage.save_path(files.coco_name(session.pk, "predictions"), result.coco_files["predictions"])
        coco = coco_summary(result.coco)
    if result.best_epoch is not None:
        final["best_epoch"] = result.best_epoch
    final["epochs_done"] = result.epochs_done
    _finish(session, status=TrainingSession.COMPLETED, error="", progress=1.0, eta_seconds=0.0,
            final_metrics=final, cancel_requested=False, coco=coco, transferred=result.transferred,
            best_fitness=result.best_fitness if result.best_fitness is not None else session.best_fitness,
            evaluation_status="queued" if evaluate in ("queue", "inline") else "", **_weights_fields(session.pk))
    files.append_log(session.pk, f"[posedeck] completed: {final}")
    if evaluate == "inline":
        session_evaluate(session_id=session.pk)
    elif evaluate == "queue":
        _queue_evaluation(session.pk)
    return session


def coco_summary(result: dict | None) -> dict | None:
    """What a session keeps of a coco_eval result: the figures, counts, sigmas, per keypoint and per class."""
    if not result:
        return None
    return {k: result[k] for k in ("ap", "ap50", "ap75", "ap_medium", "ap_large", "ar", "ar50", "ar75", "sigmas",
                                   "per_keypoint", "images", "instances", "matched", "people_without_keypoints",
                                   "crowd_regions", "predictions", "classes", "method") if k in result}


def _queue_evaluation(session_id: int) -> None:
    from .tasks import evaluate_session

    try:
        evaluate_session.apply_async(args=[session_id])
    except Exception as exc:  # the training result stands; say why there is no evaluation
        TrainingSession.objects.filter(pk=session_id).update(evaluation_status="failed",
                                                             evaluation_error=f"could not queue the evaluation: {exc}")


# ---------------------------------------------------------------- evaluation
def session_evaluate(*, session_id: int) -> TrainingSession | None:
    from .engine.evaluate import evaluate_pose

    # Claim: only a session whose evaluation was asked for (a stale or duplicate delivery finds nothing).
    if not TrainingSession.objects.filter(pk=session_id, evaluation_status="queued").update(evaluation_status="running"):
        return None
    session = TrainingSession.objects.get(pk=session_id)
    weights = files.fetch_weights(session.pk, "best") or files.fetch_weights(session.pk, "last")
    if weights is None:
        TrainingSession.objects.filter(pk=session.pk).update(evaluation_status="failed",
                                                             evaluation_error="the session has no weights")
        return session
    TrainingSession.objects.filter(pk=session.pk).update(evaluation_error="")
    skeleton = session.skeleton or {}
    try:
        from .snapshot import materialize

        out_dir = files.evaluation_dir(session.pk)
        result = evaluate_pose(
            weights=str(weights), data_yaml=str(materialize(session.pk)), sigmas=skeleton["sigmas"],
            kpt_names=skeleton.get("keypoint_names"),
            skeletons={i: c.get("connections", []) for i, c in enumerate(skeleton.get("classes", []))},
            out_dir=str(out_dir), imgsz=int(session.params.get("imgsz", 640)),
            classes=[{"name": c["name"], "keypoints": c["keypoints"], "sigmas": c.get("sigmas") or skeleton["sigmas"]}
                     for c in skeleton.get("classes", [])])
        for example in result.get("examples", []):
            storage.save_path(files.evaluation_name(session.pk, example["file"]), out_dir / example["file"])
    except Exception as exc:
        files.append_log(session.pk, "[posedeck] evaluation failed:\n" + traceback.format_exc())
        TrainingSession.objects.filter(pk=session.pk).update(evaluation_status="failed",
                                                             evaluation_error=files.redact(session.pk, f"{type(exc).__name__}: {exc}"))
        return session
    result["sigmas_source"] = skeleton.get("sigmas_source", "")
    result["val_fallback"] = session.val_images == 0
    TrainingSession.objects.filter(pk=session.pk).update(evaluation=result, evaluation_status="done",
                                                         evaluation_error="")
    files.append_log(session.pk, f"[posedeck] evaluation on {result['images']} val images: PCK@0.05 {result['pck']}, "
                                 f"mean OKS {result['mean_oks']}")
    session.refresh_from_db()
    if session.status == TrainingSession.COMPLETED:
        files.remove_local(session.pk)  # everything kept is in the storage; a finished session needs no work folder
    return session
