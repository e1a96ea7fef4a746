"""Writes of the autolabel app: suggestions in (from a model), and a person accepting or rejecting them. Every
change goes through the one annotation writer (datasets.annotations), under its versioning rule."""
from __future__ import annotations

import uuid

from core.errors import InvalidInput
from datasets.annotations import Labels, annotation_update
from datasets.instances import validate_instances
from datasets.models import Annotation, Image


def suggestions_store(*, image: Image, suggestions: list[dict], source: dict) -> Annotation | None:
    """Store a model's suggestions for an image, replacing older ones (an earlier model version's). An image a
    person has labelled meanwhile is left alone: suggestions only help with unlabelled images. None when
    nothing was written."""
    fresh = [{**s, "id": uuid.uuid4().hex[:12]} for s in suggestions]

    def put(labels: Labels):
        if labels.labelled:
            return None
        return Labels(labels.instances, labels.no_objects, labels.crowd, fresh, source if fresh else None)

    return annotation_update(image=image, transform=put)


def _accepted(suggestion: dict, source: dict | None) -> dict:
    origin = {"suggestion": True, "deployment": (source or {}).get("deployment"),
              "version": (source or {}).get("version"), "edited": False}
    return {"class": suggestion["class"], "bbox": suggestion["bbox"], "keypoints": suggestion["keypoints"],
            "origin": origin}


def _pick(stored: list[dict], ids: list[str] | None) -> list[dict]:
    if ids is None:
        return list(stored)
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise InvalidInput("ids must be a list of suggestion ids (or absent: all)", field="ids")
    known = {s["id"] for s in stored}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InvalidInput(f"no open suggestion with id(s) {unknown[:5]} on this image", field="ids")
    return [s for s in stored if s["id"] in set(ids)]


def suggestions_accept(*, image: Image, version: int, ids: list[str] | None = None, user=None) -> Annotation:
    """A person accepts suggestions (all, or the given ids) as they are: they become instances that record
    where they came from (`origin`), and leave the suggestions."""
    counts = None

    def accept(labels: Labels):
        nonlocal counts
        chosen = _pick(labels.suggestions, ids)
        if not chosen:
            return None
        from datasets.annotations import keypoint_counts

        counts = counts or keypoint_counts(image.dataset_id)
        new = validate_instances([_accepted(s, labels.suggested_by) for s in chosen], width=image.width,
                                 height=image.height, keypoint_counts=counts)
        left = [s for s in labels.suggestions if s not in chosen]
        return Labels(labels.instances + new, False, labels.crowd, left, labels.suggested_by)

    ann = annotation_update(image=image, transform=accept, user=user, version=version)
    return ann or Annotation.objects.get(image=image)


def suggestions_reject(*, image: Image, version: int, ids: list[str] | None = None, user=None) -> Annotation:
    """A person rejects suggestions (all, or the given ids): they are dropped; the labels stay as they are."""
    def reject(labels: Labels):
        chosen = _pick(labels.suggestions, ids)
        if not chosen:
            return None
        left = [s for s in labels.suggestions if s not in chosen]
        return Labels(labels.instances, labels.no_objects, labels.crowd, left, labels.suggested_by)

    ann = annotation_update(image=image, transform=reject, user=user, version=version)
    return ann or Annotation.objects.get(image=image)
