"""Measure a deployment on a dataset's labels: the model's predictions on the labelled images, mapped onto the
dataset's classes (the stored keypoint mappings), scored by training.metrics.coco_eval (pycocotools' COCOeval,
the same path as a training session's evaluation) against the dataset's COCO export.

Figures: COCO keypoint AP/AR, per-keypoint PCK@0.05 and OKS share, and `accept_share`: the share of labelled
keypoints that a suggestion puts within 0.05 x the person's box diagonal (PCK@0.05 over all keypoints, people
the model missed counting as misses), i.e. the points a person would accept untouched.
"""
from __future__ import annotations

import io
import json

from django.db.models import F

from datasets import exports
from datasets.models import Image
from training.metrics.coco_eval import evaluate_keypoints

from .mappings import plan_for
from .models import AutolabelJob

PCK_ALPHA = 0.05


def coco_result(inst, image_id: int, class_id: int, mapping: list) -> dict:
    """One engine Instance as a COCO keypoint result of `class_id` (unmapped points 0, 0, 0)."""
    by_name = {k.name: k for k in inst.keypoints}
    flat = []
    for name in mapping:
        k = by_name.get(name) if name is not None else None
        flat += [float(k.x), float(k.y), float(k.confidence)] if k is not None else [0.0, 0.0, 0.0]
    return {"image_id": image_id, "category_id": class_id, "keypoints": flat, "score": float(inst.confidence),
            "bbox": [float(inst.x), float(inst.y), float(inst.width), float(inst.height)]}


def ground_truth(dataset) -> dict:
    out = io.StringIO()
    exports.write_coco(exports.plan(dataset), out)
    return json.loads(out.getvalue())


def summary(figures: dict) -> dict:
    """The parts of evaluate_keypoints' answer the dataset page shows, plus accept_share."""
    keep = ("ap", "ap50", "ap75", "ar", "pck", "mean_oks", "images", "instances", "matched", "predictions", "method")
    out = {k: figures.get(k) for k in keep}
    out["accept_share"] = figures.get("pck")
    out["per_keypoint"] = [{k: row[k] for k in ("class", "name", "pck", "oks_share", "visible")}
                           for row in figures["per_keypoint"]]
    return out


def evaluate_run(job: AutolabelJob, *, alive, finish, rgb, batch: int) -> str:
    from deploy.serving import predict_for

    deployment = job.deployment
    plan = plan_for(deployment, job.dataset)
    results: list[dict] = []
    ids = list(job.image_ids)
    for start in range(0, len(ids), batch):
        job.refresh_from_db(fields=["cancel_requested"])
        if job.cancel_requested:
            finish(job, AutolabelJob.Status.CANCELLED)
            return AutolabelJob.Status.CANCELLED
        chunk = ids[start:start + batch]
        images = {im.pk: im for im in Image.objects.filter(pk__in=chunk, dataset_id=job.dataset_id)}
        todo = [images[i] for i in chunk if i in images]
        found = predict_for(deployment, [rgb(im) for im in todo], conf=min(job.conf, 0.05), iou=0.45,
                            kpt_thres=0.0, load=True) if todo else []
        for image, instances in zip(todo, found):
            for inst in instances:
                target = plan.get(inst.class_name)
                if target is not None:
                    results.append(coco_result(inst, image.pk, target[0], target[1]))
        if not alive(job, done=F("done") + len(chunk), instances=F("instances") + sum(len(f) for f in found)):
            return "skipped"
    figures = evaluate_keypoints(ground_truth(job.dataset), results, pck_alpha=PCK_ALPHA)
    result = summary(figures)
    result.update({"deployment": deployment.pk, "deployment_name": deployment.name, "version": job.version})
    finish(job, AutolabelJob.Status.DONE, result=result)
    return AutolabelJob.Status.DONE
