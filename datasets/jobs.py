"""Imports and exports as background jobs on the `default` queue: create (in the request), run (on a worker),
cancel, and the sweep that re-sends jobs whose queue message was lost.

State lives in the `Job` row: the task carries the job's attempt number and claims the row under a
conditional UPDATE, so a duplicate or stale delivery does nothing. Progress is written at most about once a
second; a cancel is noticed at the next progress report (an import then rolls back whole).
"""
from __future__ import annotations

import logging
import os
import tempfile
import time
from datetime import timedelta
from typing import IO

from django.db import transaction
from django.utils import timezone

from config import storage
from core.errors import InvalidInput, PosedeckError

from . import exports, imports
from .models import Dataset, Job

log = logging.getLogger(__name__)
REPORT_EVERY_S = 1.0
REQUEUE_AFTER_S = 120  # a queued job nobody claimed for this long lost its message (e.g. a broker restart)
STALE_AFTER_S = 300  # a running job without a heartbeat for this long belonged to a dead worker


class JobCancelled(Exception):
    pass


# ---------------------------------------------------------------- create
def import_job_create(*, dataset: Dataset, upload: IO[bytes], file_name: str, fmt: str | None, mode: str,
                      user) -> Job:
    if mode not in imports.MODES:
        raise InvalidInput(f"mode must be one of {list(imports.MODES)}", field="mode")
    if fmt not in (None, "", *imports.FORMATS):
        raise InvalidInput(f"format must be one of {list(imports.FORMATS)} (or empty: detected)", field="format")
    with transaction.atomic():
        job = Job.objects.create(workspace_id=dataset.workspace_id, dataset=dataset, created_by=user,
                                 kind=Job.Kind.IMPORT, format=fmt or "", params={"mode": mode, "file": file_name[:200]},
                                 heartbeat_at=timezone.now())
        job.input_file.name = storage.save_replace(f"jobs/{job.pk}/input.zip", upload)
        job.save(update_fields=["input_file"])
        _enqueue_on_commit(job)
    return job


def export_job_create(*, dataset: Dataset, fmt: str, class_ids: list[int] | None, user) -> Job:
    if fmt not in imports.FORMATS:
        raise InvalidInput(f"format must be one of {list(imports.FORMATS)}", field="format")
    exports.plan(dataset, class_ids)  # refuse now what the worker would refuse (nothing labelled, bad classes)
    with transaction.atomic():
        job = Job.objects.create(workspace_id=dataset.workspace_id, dataset=dataset, created_by=user,
                                 kind=Job.Kind.EXPORT, format=fmt, params={"classes": class_ids or []},
                                 heartbeat_at=timezone.now())
        _enqueue_on_commit(job)
    return job


def _enqueue_on_commit(job: Job, *, fail_if_unsent: bool = True) -> None:
    """Send the job's task after commit. A request whose send fails marks the job failed; the requeue sweep
    (`fail_if_unsent=False`) leaves it queued and tries again at its next round."""
    pk, attempt = job.pk, job.attempt

    def send():
        from .tasks import run_job

        try:
            run_job.apply_async(args=[pk, attempt])
        except Exception as exc:  # broker down: say so on the job instead of leaving it queued forever
            if not fail_if_unsent:
                log.warning("could not re-send job %s: %s", pk, exc)
                return
            Job.objects.filter(pk=pk, status=Job.Status.QUEUED).update(
                status=Job.Status.FAILED, finished_at=timezone.now(),
                error={"error": "queue_unavailable", "message": f"could not queue the job: {exc}"})

    transaction.on_commit(send)


def job_cancel(*, job: Job) -> Job:
    updated = Job.objects.filter(pk=job.pk, status__in=Job.ACTIVE).update(status=Job.Status.CANCELLED,
                                                                        finished_at=timezone.now())
    if not updated:
        raise InvalidInput(f"job {job.pk} is {job.status}; only a queued or running job can be cancelled",
                           field="job", code="job_not_active")
    job.refresh_from_db()
    return job


def job_delete_files(job_id: int) -> None:
    storage.delete_tree(f"jobs/{job_id}")


# ---------------------------------------------------------------- run
class _Reporter:
    def __init__(self, job: Job):
        self.job, self.last = job, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < REPORT_EVERY_S and done < total:
            return
        self.last = now
        progress = round(done / total, 4) if total else 0.0
        # The cancel check and the progress write are one statement: a cancelled row is not updated.
        if not Job.objects.filter(pk=self.job.pk, status=Job.Status.RUNNING).update(
                done=done, total=total, progress=progress, heartbeat_at=timezone.now()):
            raise JobCancelled()


def _claim(job_id: int, attempt: int) -> Job | None:
    now = timezone.now()
    stale = now - timedelta(seconds=STALE_AFTER_S)
    claimed = Job.objects.filter(pk=job_id, attempt=attempt, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now)
    if not claimed:  # redelivered after its worker died: take it over
        claimed = Job.objects.filter(pk=job_id, attempt=attempt, status=Job.Status.RUNNING,
                                     heartbeat_at__lt=stale).update(heartbeat_at=now)
    return Job.objects.select_related("dataset", "created_by").get(pk=job_id) if claimed else None


def job_run(*, job_id: int, attempt: int) -> Job | None:
    """Run one job to its end state; None when this delivery had nothing to do."""
    job = _claim(job_id, attempt)
    if job is None:
        return None
    report = _Reporter(job)
    try:
        if job.dataset is None:
            raise InvalidInput("the dataset was deleted", field="dataset")
        fields = _run_import(job, report) if job.kind == Job.Kind.IMPORT else _run_export(job, report)
        fields.update(status=Job.Status.DONE, progress=1.0)
    except JobCancelled:
        return Job.objects.get(pk=job.pk)
    except PosedeckError as exc:
        fields = {"status": Job.Status.FAILED, "error": exc.as_dict()}
    except Exception as exc:  # a bug or an outage: the job says so instead of hanging "running"
        log.exception("job %s failed", job.pk)
        fields = {"status": Job.Status.FAILED, "error": {"error": "internal", "message": f"{type(exc).__name__}: {exc}"}}
    fields["finished_at"] = timezone.now()
    Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(**fields)
    return Job.objects.get(pk=job.pk)


def _run_import(job: Job, report: _Reporter) -> dict:
    with storage.local_copy(job.input_file.name) as path, open(path, "rb") as fh:
        result = imports.import_zip(dataset=job.dataset, fileobj=fh, fmt=job.format or None,
                                    mode=job.params.get("mode", "skip"), user=job.created_by, progress=report)
    storage.delete(job.input_file.name)  # the upload is no longer needed; the result says what it held
    return {"result": result, "warnings": result["warnings"], "input_file": ""}


def _run_export(job: Job, report: _Reporter) -> dict:
    export = exports.plan(job.dataset, job.params.get("classes") or None)
    name = exports.export_name(job.dataset, job.format)
    fd, tmp = tempfile.mkstemp(suffix=os.path.splitext(name)[1])
    try:
        if job.format == "coco":
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                result = exports.write_coco(export, out, report)
        else:
            with os.fdopen(fd, "wb") as out:
                result = exports.write_yolo(export, out, report)
        stored = storage.save_path(f"jobs/{job.pk}/{name}", tmp)
    finally:
        os.unlink(tmp)
    return {"result": result, "warnings": result["warnings"], "output_file": stored}


# ---------------------------------------------------------------- sweep
def jobs_requeue_stale(*, held: set[tuple[str, tuple]] | None = None, older_than_s: float = REQUEUE_AFTER_S) -> int:
    """Re-send jobs the queue lost and jobs whose worker died (no heartbeat): a new attempt number, so the old
    message, if it ever arrives, finds nothing to claim.

    Lost: queued (or last requeued) more than `older_than_s` seconds ago and, when `held` is known (the
    (task name, args) pairs the broker holds, config.broker_peek), without a message in the broker."""
    now = timezone.now()
    # A queued job's heartbeat_at is when it was (re)queued.
    lost = [job for job in Job.objects.filter(status=Job.Status.QUEUED,
                                              heartbeat_at__lt=now - timedelta(seconds=older_than_s))
            if held is None or ("datasets.run_job", (job.pk, job.attempt)) not in held]
    dead = Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=now - timedelta(seconds=STALE_AFTER_S))
    count = 0
    for job in [*lost, *dead]:
        with transaction.atomic():
            if Job.objects.filter(pk=job.pk, attempt=job.attempt, status=job.status).update(
                    attempt=job.attempt + 1, status=Job.Status.QUEUED, heartbeat_at=now):
                job.attempt += 1
                _enqueue_on_commit(job, fail_if_unsent=False)
                count += 1
    return count
