"""Autolabel and evaluate jobs: starting, cancelling, running (in the worker) and picking up after a crash.

A job goes through its images in batches of `BATCH` (one engine call per batch, so a GPU or ONNX Runtime sees
a batch), stores each batch's suggestions through the one annotation writer (autolabel.services.
suggestions_store: one commit per image, an image a person labelled meanwhile left alone), then records its
progress and checks the cancel flag. State is in `AutolabelJob`; a task carries the job's `attempt`, so a
stale or duplicate delivery claims nothing. A worker that starts requeues jobs whose heartbeat stopped
(`requeue_stale`), and they resume at `done`.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.errors import Conflict, InvalidInput
from datasets.models import Dataset, Image

from .mapping import suggest
from .models import AutolabelConfig, AutolabelJob
from .mappings import config_for, plan_for

log = logging.getLogger(__name__)
BATCH = 16
Status = AutolabelJob.Status


def stale_after_s() -> float:
    return float(getattr(settings, "AUTOLABEL_STALE_S", 120))


def _send(job: AutolabelJob) -> None:
    from .tasks import run_job

    pk, attempt = job.pk, job.attempt
    transaction.on_commit(lambda: run_job.delay(pk, attempt))


def _deployment(dataset: Dataset, deployment):
    from deploy.models import Deployment

    if deployment is None:
        raise InvalidInput("choose a deployment for this dataset first (autolabel settings)", field="deployment")
    if not isinstance(deployment, Deployment):
        deployment = Deployment.objects.filter(pk=deployment, workspace_id=dataset.workspace_id).first()
        if deployment is None:
            raise InvalidInput("no such deployment in this dataset's workspace", field="deployment")
    if deployment.active_version is None:
        raise Conflict(f"deployment {deployment.name!r} has no active version to run", field="deployment",
                       code="not_ready")
    return deployment


@transaction.atomic
def job_start(*, dataset: Dataset, user=None, image_ids: list[int] | None = None, deployment=None,
              trigger: str = AutolabelJob.Trigger.MANUAL, kind: str = AutolabelJob.Kind.AUTOLABEL) -> AutolabelJob:
    """Queue a job over `image_ids` (autolabel: default every unlabelled image; evaluate: every labelled one),
    with the dataset's configured deployment unless one is given. InvalidInput naming `images` or
    `deployment`; Conflict (409) when the deployment has nothing deployed."""
    cfg = config_for(dataset)
    deployment = _deployment(dataset, deployment if deployment is not None else cfg.deployment)
    images = dataset.images.order_by("id")
    if kind == AutolabelJob.Kind.EVALUATE:
        ids = list(images.filter(labelled=True).values_list("id", flat=True))
        if not ids:
            raise InvalidInput("nothing to evaluate on: no image of this dataset is labelled", field="images",
                               code="nothing_labelled")
    elif image_ids is None:
        ids = list(images.filter(labelled=False).values_list("id", flat=True))
        if not ids:
            raise InvalidInput("every image is labelled: nothing to autolabel", field="images")
    else:
        if not isinstance(image_ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in image_ids):
            raise InvalidInput("images must be a list of image ids", field="images")
        known = set(images.filter(pk__in=image_ids).values_list("id", flat=True))
        unknown = [i for i in image_ids if i not in known]
        if unknown:
            raise InvalidInput(f"image id(s) {unknown[:5]} are not images of this dataset", field="images")
        if not image_ids:
            raise InvalidInput("pick at least one image", field="images")
        ids = list(dict.fromkeys(image_ids))
    job = AutolabelJob.objects.create(workspace_id=dataset.workspace_id, dataset=dataset, deployment=deployment,
                                      version=deployment.active_version.number, kind=kind, trigger=trigger,
                                      image_ids=ids, conf=cfg.conf, created_by=user)
    _send(job)
    return job


def on_images_added(*, dataset_id: int, image_ids: list[int]) -> AutolabelJob | None:
    """New uploads: with "autolabel new uploads" on, add them to the dataset's upload job still going (so 250
    uploads in 250 requests make one job), or start one. None when autolabel is off or nothing is to do."""
    cfg = AutolabelConfig.objects.filter(dataset_id=dataset_id, on_upload=True, deployment__isnull=False).first()
    if cfg is None:
        return None
    ids = list(Image.objects.filter(pk__in=image_ids, labelled=False).order_by("id").values_list("id", flat=True))
    if not ids:
        return None
    with transaction.atomic():
        job = (AutolabelJob.objects.select_for_update().filter(
            dataset_id=dataset_id, kind=AutolabelJob.Kind.AUTOLABEL, trigger=AutolabelJob.Trigger.UPLOAD,
            status__in=AutolabelJob.ACTIVE, cancel_requested=False, deployment_id=cfg.deployment_id).first())
        if job is not None:
            job.image_ids = job.image_ids + [i for i in ids if i not in set(job.image_ids)]
            job.save(update_fields=["image_ids"])
            return job
    try:
        return job_start(dataset=cfg.dataset, image_ids=ids, trigger=AutolabelJob.Trigger.UPLOAD)
    except (InvalidInput, Conflict) as exc:  # e.g. the deployment lost its version: uploads still succeed
        log.warning("autolabel on upload skipped for dataset %s: %s", dataset_id, exc)
        return None


@transaction.atomic
def job_cancel(*, job: AutolabelJob) -> AutolabelJob:
    """Stop a job: a queued one at once, a running one after its current batch. Conflict when it is over."""
    job = AutolabelJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in AutolabelJob.ACTIVE:
        raise Conflict(f"the job is {job.status}: nothing to cancel", field="status", code="not_active")
    job.cancel_requested = True
    fields = ["cancel_requested"]
    if job.status == Status.QUEUED:
        job.status, job.finished_at = Status.CANCELLED, timezone.now()
        fields += ["status", "finished_at"]
    job.save(update_fields=fields)
    return job


def requeue_stale() -> int:
    """Jobs left running by a dead worker (no heartbeat for `stale_after_s`) or queued for that long without a
    worker taking them: queue them again under a new attempt. Returns how many."""
    cutoff = timezone.now() - timedelta(seconds=stale_after_s())
    n = 0
    for job in AutolabelJob.objects.filter(status__in=AutolabelJob.ACTIVE):
        last = job.heartbeat_at or job.created_at
        if last >= cutoff:
            continue
        with transaction.atomic():
            if AutolabelJob.objects.filter(pk=job.pk, attempt=job.attempt, status__in=AutolabelJob.ACTIVE).update(
                    attempt=F("attempt") + 1, status=Status.QUEUED, heartbeat_at=timezone.now()):
                job.refresh_from_db()
                _send(job)
                n += 1
    return n


# ---------------------------------------------------------------- running (in the worker)
def _rgb(image: Image) -> np.ndarray:
    """The picture as the labeler shows it (EXIF orientation applied): RGB uint8 H x W x 3."""
    from PIL import Image as PILImage, ImageOps

    with image.file.open("rb") as fh, PILImage.open(fh) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


def _one_shape(arrays: list[np.ndarray]) -> list[np.ndarray]:
    """The batch's pictures padded at the right and bottom to one size (grey 114, as Ultralytics letterboxes),
    so the engine runs one forward pass per batch instead of one per distinct picture size (it only batches
    equal sizes). Coordinates keep their origin, so nothing needs mapping back; suggestions are clipped to
    each picture afterwards. For pictures of one long side (a camera's, COCO's 640) the scale each is seen at
    is the same as alone."""
    if len({a.shape for a in arrays}) <= 1:
        return arrays
    h = max(a.shape[0] for a in arrays)
    w = max(a.shape[1] for a in arrays)
    out = []
    for a in arrays:
        canvas = np.full((h, w, 3), 114, dtype=np.uint8)
        canvas[:a.shape[0], :a.shape[1]] = a
        out.append(canvas)
    return out


def _clip(s: dict, width: int, height: int) -> dict | None:
    """Keep a suggestion inside its image, so accepting it passes the writer's checks: the box clipped, points
    outside the picture (in a batch's padding) suggested absent. None when less than a pixel of box is left."""
    x, y, w, h = s["bbox"]
    x0, y0 = min(max(x, 0.0), width), min(max(y, 0.0), height)
    x1, y1 = min(max(x + w, 0.0), width), min(max(y + h, 0.0), height)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    kps = []
    for px, py, v in s["keypoints"]:
        inside = -1 <= px <= width + 1 and -1 <= py <= height + 1
        kps.append([min(max(px, 0.0), width), min(max(py, 0.0), height), v if inside else 0])
    return {**s, "bbox": [round(x0, 2), round(y0, 2), round(x1 - x0, 2), round(y1 - y0, 2)], "keypoints": kps}


def _alive(job: AutolabelJob, **fields) -> bool:
    """Record progress if this attempt still owns the job (a requeue makes an older attempt stop)."""
    return bool(AutolabelJob.objects.filter(pk=job.pk, attempt=job.attempt).update(heartbeat_at=timezone.now(), **fields))


def _claim(job_id: int, attempt: int) -> AutolabelJob | None:
    now = timezone.now()
    with transaction.atomic():
        job = AutolabelJob.objects.select_for_update().filter(pk=job_id, attempt=attempt).first()
        if job is None or job.status not in AutolabelJob.ACTIVE:
            return None
        job.status, job.heartbeat_at = Status.RUNNING, now
        job.started_at = job.started_at or now
        job.save(update_fields=["status", "heartbeat_at", "started_at"])
    return job


def _finish(job: AutolabelJob, status: str, **fields) -> None:
    AutolabelJob.objects.filter(pk=job.pk, attempt=job.attempt).update(status=status, finished_at=timezone.now(),
                                                                      heartbeat_at=timezone.now(), **fields)


def job_run(*, job_id: int, attempt: int) -> str:
    """Run (or resume) a job in this worker; returns its final status, or "skipped" for a stale delivery."""
    job = _claim(job_id, attempt)
    if job is None:
        return "skipped"
    try:
        if job.kind == AutolabelJob.Kind.EVALUATE:
            from .evaluation import evaluate_run

            return evaluate_run(job, alive=_alive, finish=_finish, rgb=_rgb, batch=BATCH)
        return _autolabel(job)
    except Exception as exc:  # noqa: BLE001 - every failure ends in the job's row, for the UI
        log.exception("autolabel job %s failed", job.pk)
        _finish(job, Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        return Status.FAILED


def _autolabel(job: AutolabelJob) -> str:
    from deploy.serving import predict_for

    from .services import suggestions_store

    cfg = config_for(job.dataset)
    deployment = job.deployment
    if deployment is None:
        raise InvalidInput("the deployment was deleted", field="deployment")
    plan = plan_for(deployment, job.dataset)
    version = deployment.active_version
    source = {"deployment": deployment.pk, "version": version.number if version else job.version,
              "name": deployment.name}
    while True:
        job.refresh_from_db(fields=["image_ids", "cancel_requested", "done"])
        if job.cancel_requested:
            _finish(job, Status.CANCELLED)
            return Status.CANCELLED
        chunk = job.image_ids[job.done:job.done + BATCH]
        if not chunk:
            with transaction.atomic():  # uploads may have added images since the last batch
                fresh = AutolabelJob.objects.select_for_update().get(pk=job.pk)
                if fresh.done >= len(fresh.image_ids):
                    _finish(job, Status.DONE)
                    return Status.DONE
            continue
        images = {im.pk: im for im in Image.objects.filter(pk__in=chunk, dataset_id=job.dataset_id, labelled=False)}
        todo = [images[i] for i in chunk if i in images]
        suggested = stored = 0
        if todo:
            arrays = _one_shape([_rgb(im) for im in todo])
            results = predict_for(deployment, arrays, conf=job.conf, iou=0.45, kpt_thres=0.0, load=True)
        else:
            results = []
        # One commit per batch: each image is still its own conditional write through the one writer (a savepoint
        # here), and the batch's suggestions and the job's progress land together.
        with transaction.atomic():
            for image, found in zip(todo, results):
                suggestions = []
                for inst in found:
                    target = plan.get(inst.class_name)
                    if target is None:
                        continue
                    class_id, mapping = target
                    clipped = _clip(suggest(inst, class_id, mapping, visible_from=cfg.kpt_conf), image.width,
                                    image.height)
                    if clipped is not None:
                        suggestions.append(clipped)
                spreads = [float(i.extras["flip_spread"]) for i in found
                           if (i.extras or {}).get("flip_spread") is not None]
                # An engine that runs flip-test passes may say how far they disagreed: the queue's tie-break.
                here = {**source, "flip_spread": max(spreads)} if spreads else source
                if suggestions_store(image=image, suggestions=suggestions, source=here) is not None and suggestions:
                    suggested += 1
                    stored += len(suggestions)
            if not _alive(job, done=F("done") + len(chunk), suggested=F("suggested") + suggested,
                          instances=F("instances") + stored, skipped=F("skipped") + (len(chunk) - len(todo))):
                return "skipped"  # requeued under a newer attempt meanwhile
