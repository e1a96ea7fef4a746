"""The one writer of `Annotation` rows: every change to an image's labels goes through here.

One versioning rule for every writer (the labeler, imports, class edits and deletes, autolabel):
the new content is stored by ``UPDATE ... SET version = v + 1 WHERE id = ? AND version = v``, where v is the
version the writer read. Two writers can never both pass that check, so no edit is lost:
- a person's save (`annotation_write` with the `version` they loaded) that lost the race gets
  `VersionConflict` (HTTP 409) and nothing changes;
- a system writer (`annotation_update` with a function of the current content) re-reads and re-applies
  its change on top of the winner, a few times, before giving up with `VersionConflict`.
The image's `labelled` / `instance_count` / `class_counts` / `crowd_count` columns are updated, and the new
version is added to the image's history (`AnnotationRevision`: version, content, who saved it), in the same
transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, InvalidInput

from .instances import validate_crowd_regions, validate_instances
from .models import Annotation, AnnotationRevision, Image, SkeletonClass


@dataclass
class Labels:
    """What an annotation holds: instances, the "no objects" mark, crowd regions, and a model's suggestions
    (which are not labels: an image with only suggestions is unlabelled)."""

    instances: list = field(default_factory=list)
    no_objects: bool = False
    crowd: list = field(default_factory=list)
    suggestions: list = field(default_factory=list)
    suggested_by: dict | None = None

    @property
    def labelled(self) -> bool:
        """An image counts as labelled when a person marked it empty or something is labelled in it (a crowd
        region alone counts: COCO labels every object of an image, crowds as regions)."""
        return self.no_objects or bool(self.instances) or bool(self.crowd)


# The current labels -> the new labels, or None to leave the annotation as it is.
Transform = Callable[[Labels], "Labels | None"]


class VersionConflict(Conflict):
    code = "version_conflict"


def annotation_read(image: Image) -> Annotation:
    """The image's annotation; an unsaved empty one (version 0) when nothing was ever saved."""
    ann = Annotation.objects.filter(image=image).first()
    return ann or Annotation(image=image, instances=[], no_objects=False, version=0)


def image_counts(instances: list, crowd: list, no_objects: bool) -> dict:
    """The image's denormalised columns for these labels: `labelled`, `instance_count`, `class_counts`
    ({"<class id>": n}, string keys as JSON stores them) and `crowd_count`."""
    per_class: dict[str, int] = {}
    for inst in instances:
        key = str(inst.get("class"))
        per_class[key] = per_class.get(key, 0) + 1
    return {"labelled": Labels(instances, no_objects, crowd).labelled, "instance_count": len(instances),
            "class_counts": per_class, "crowd_count": len(crowd)}


def keypoint_counts(dataset_id: int) -> dict[int, int]:
    """{class id: number of keypoints} of a dataset's classes, for `validate_instances`."""
    return {pk: len(kps) for pk, kps in SkeletonClass.objects.filter(dataset_id=dataset_id).values_list("id", "keypoints")}


def suggestion_score(suggestions: list[dict]) -> float | None:
    """The review queue's key: the lowest instance or keypoint score of the suggestions (lower: the model was
    less sure, so a person's look is worth more). None when there is nothing to review."""
    values = [s["score"] for s in suggestions if s.get("score") is not None]
    values += [v for s in suggestions for v in s.get("keypoint_scores") or [] if v is not None]
    return min(values) if values else None


def _store(ann: Annotation, version: int, labels: Labels, user) -> bool:
    """The one conditional write. True when `version` was still current and the new content is stored."""
    fields = {"instances": labels.instances, "no_objects": labels.no_objects, "crowd": labels.crowd,
              "suggestions": labels.suggestions, "suggested_by": labels.suggested_by if labels.suggestions else None,
              "suggestion_score": suggestion_score(labels.suggestions), "version": version + 1,
              "updated_at": timezone.now()}  # a queryset update() skips auto_now
    if user is not None:
        fields["updated_by"] = user
    if not Annotation.objects.filter(pk=ann.pk, version=version).update(**fields):
        return False
    Image.objects.filter(pk=ann.image_id).update(**image_counts(labels.instances, labels.crowd, labels.no_objects))
    AnnotationRevision.objects.create(image_id=ann.image_id, version=version + 1, instances=labels.instances,
                                      no_objects=labels.no_objects, crowd=labels.crowd, saved_by=user)
    return True


def _current(ann: Annotation) -> Labels:
    return Labels(list(ann.instances), ann.no_objects, list(ann.crowd), list(ann.suggestions), ann.suggested_by)


def _kept_suggestions(stored: list[dict], keep) -> list[dict]:
    if keep is None:
        return stored
    if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        raise InvalidInput("suggestions must be the ids of the stored suggestions to keep", field="suggestions")
    return [s for s in stored if s.get("id") in set(keep)]


@transaction.atomic
def annotation_write(*, image: Image, version: int, instances: list, no_objects: bool = False,
                     crowd: list | None = None, suggestions: list[str] | None = None, user=None) -> Annotation:
    """Replace all instances of `image` if `version` is still current; else VersionConflict, nothing changed.

    `instances` (and `crowd` regions, when given; None keeps the stored ones) are validated against the
    image size and the dataset's classes (InvalidInput naming the field); an image marked `no_objects`
    cannot have instances or crowd regions. `suggestions`: the ids of the stored suggestions still open (a
    client can only take suggestions away, never add any); None keeps them all.
    """
    counts = keypoint_counts(image.dataset_id)
    clean = validate_instances(instances, width=image.width, height=image.height, keypoint_counts=counts)
    ann, _ = Annotation.objects.get_or_create(image=image)
    regions = list(ann.crowd) if crowd is None else validate_crowd_regions(
        crowd, width=image.width, height=image.height, class_ids=counts)
    if no_objects and (clean or regions):
        raise InvalidInput("an image marked 'no objects' cannot have instances or crowd regions", field="no_objects")
    kept = _kept_suggestions(list(ann.suggestions), suggestions)
    if not _store(ann, version, Labels(clean, no_objects, regions, kept, ann.suggested_by), user):
        current = Annotation.objects.get(pk=ann.pk).version
        raise VersionConflict(
            f"the image was changed elsewhere (your version {version}, current {current}); "
            "reload it and apply your edits again", field="version", current_version=current)
    ann.refresh_from_db()
    return ann


def annotation_update(*, image: Image, transform: Transform, user=None, attempts: int = 5,
                      version: int | None = None) -> Annotation | None:
    """Apply `transform` to the current content and store the result under the one versioning rule.

    For writers that change labels on a person's behalf (imports, class edits, autolabel). The transform
    gets the stored `Labels` and returns new ones, or None for "no change" (then this returns None). Its
    output is stored as given: validate it before (imports do). Raises VersionConflict if other writers win
    `attempts` times in a row. With `version` (a person's action on what they saw, e.g. accepting a
    suggestion), a stale version is a VersionConflict at once, as for `annotation_write`.
    """
    for _ in range(attempts):
        with transaction.atomic():
            ann, _ = Annotation.objects.get_or_create(image=image)
            if version is not None and ann.version != version:
                raise VersionConflict(
                    f"the image was changed elsewhere (your version {version}, current {ann.version}); reload it",
                    field="version", current_version=ann.version)
            change = transform(_current(ann))
            if change is None:
                return None
            if _store(ann, ann.version, change, user):
                ann.refresh_from_db()
                return ann
    raise VersionConflict(f"image {image.pk} kept changing while its labels were updated; try again",
                          field="version")


def annotations_update_dataset(*, dataset_id: int, transform: Transform, user=None) -> int:
    """`annotation_update` on every annotated image of a dataset; returns how many changed."""
    changed = 0
    images = Image.objects.filter(dataset_id=dataset_id, annotation__isnull=False).only("id", "dataset_id")
    for image in images.iterator(chunk_size=500):
        if annotation_update(image=image, transform=transform, user=user) is not None:
            changed += 1
    return changed
