"""Reads shared by views, tasks and other apps (deploy picks weights here); every one that takes a user is
scoped to the user's workspaces and checks their role (accounts.selectors): not a member → 404."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.roles import Action
from config import storage
from config.errors import InvalidInput
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
    except (TrainingSession.DoesNotExist, TypeError, ValueError, OverflowError):  # OverflowError: an id beyond 64 bits
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


# ---------------------------------------------------------------- issue 12: COCO files, checks, scoring
def coco_file(user, pk, kind: str) -> str:
    """The storage name of a session's COCO file ("predictions" or "ground_truth"); 404 when absent."""
    session = session_get(user, pk)
    if kind not in files.COCO_FILES:
        raise Http404(f"no COCO file {kind!r}; there are {', '.join(files.COCO_FILES)}")
    name = files.coco_name(session.pk, kind)
    if not storage.exists(name):
        raise Http404(f"session {session.pk} has no COCO {kind} file"
                      + (" yet: it is written when training completes" if kind == "predictions" else ""))
    return name


def _split_images(export) -> list[dict]:
    return [{"source_id": rec.source_id, "split": rec.split,
             "instances": [{"keypoints": i.keypoints} for i in rec.instances], "crowd": list(rec.crowd)}
            for rec, _ in export.records()]


def training_check(dataset, class_ids: list[int] | None = None) -> dict:
    """What starting a training on `dataset` would find (nothing is changed): labelled images, people with and
    without keypoints per split, images the snapshot would move between splits, and the refusal it would answer.

    {"ok", "error": null | {"error": "dataset_not_labelled" | "nothing_labelled" | "not_enough_people", "message"},
     "images": {"total", "labelled", "unlabelled"}, "train": {...counts}, "val": {...counts},
     "moves": [{"image", "split"}], "message", "warnings"}"""
    from datasets import exports

    from .engine import split_check

    totals = dataset.images.aggregate(total=Count("id"), labelled=Count("id", filter=Q(labelled=True)))
    images = {"total": totals["total"], "labelled": totals["labelled"],
              "unlabelled": totals["total"] - totals["labelled"]}
    try:
        export = exports.plan(dataset, class_ids)
    except InvalidInput as exc:
        empty = vars(split_check.SplitCounts())
        return {"ok": False, "error": {"error": exc.code, "message": exc.message}, "images": images,
                "train": empty, "val": dict(empty), "moves": [], "message": exc.message, "warnings": []}
    plan = split_check.check_split(_split_images(export)).as_dict()
    error = None
    if not plan["ok"]:
        error = {"error": "not_enough_people", "message": plan["message"]}
    elif images["unlabelled"]:
        error = {"error": "dataset_not_labelled", "message": f"{images['unlabelled']} of {images['total']} images "
                 "are not labelled yet; label them (or delete them) before training"}
    return {**plan, "ok": error is None, "error": error, "images": images}


def dataset_ground_truth(dataset, class_ids: list[int] | None = None) -> tuple[dict, dict[int, str]]:
    """The dataset's labelled images as the prepared COCO ground truth (ids of its COCO export, each class's sigmas)
    and each image id's split."""
    from datasets import exports

    from .engine.ground_truth import coco_ground_truth
    from .metrics.coco_ground_truth import prepare_ground_truth

    export = exports.plan(dataset, class_ids)
    records = [rec for rec, _ in export.records()]
    truth = prepare_ground_truth(coco_ground_truth(export.specs, records, description=dataset.name))
    return truth, {rec.source_id: rec.split for rec in records}


def dataset_evaluate(dataset, predictions, *, split: str | None = None) -> dict:
    """Score a COCO results file (bytes, text or list) against the dataset's labelled images (one split, or all)
    with pycocotools' COCOeval; the figures of training.metrics.coco_eval.evaluate_keypoints."""
    from .metrics.coco_eval import evaluate_keypoints

    if split not in (None, "", "train", "val"):
        raise InvalidInput("split must be train or val (or left out: every labelled image)", field="split")
    truth, split_of = dataset_ground_truth(dataset)
    image_ids = [i for i, s in split_of.items() if s == split] if split else None
    if image_ids is not None and not image_ids:
        raise InvalidInput(f"no labelled image is in the {split} split", field="split")
    result = evaluate_keypoints(truth, predictions, image_ids=image_ids, prepared=True)
    result["split"] = split or "all"
    return result


def pretrained_list() -> list[dict]:
    """Ultralytics' COCO-pretrained pose checkpoints present in settings.WEIGHTS_DIR (what the form offers)."""
    from django.conf import settings

    from .engine import pretrained

    return [{**{k: v for k, v in c.as_dict().items() if k != "path"}, "choice": f"pretrained:{c.name}"}
            for c in pretrained.available(settings.WEIGHTS_DIR)]
