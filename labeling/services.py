"""Reading and writing one image's annotation with optimistic locking."""
from __future__ import annotations

from django.db import transaction

from config.errors import Conflict, InvalidInput
from datasets.instances import validate_instances
from datasets.models import Annotation, Image
from datasets.services import sync_label_state


class VersionConflict(Conflict):
    code = "version_conflict"


def annotation_get(image: Image) -> Annotation:
    ann = getattr(image, "_prefetched_annotation", None)
    if ann is None:
        ann = Annotation.objects.filter(image=image).first()
    return ann or Annotation(image=image, instances=[], no_objects=False, version=0)


def keypoint_counts(dataset_id: int) -> dict[int, int]:
    from datasets.models import SkeletonClass

    return {pk: len(kps) for pk, kps in SkeletonClass.objects.filter(dataset_id=dataset_id).values_list("id", "keypoints")}


@transaction.atomic
def annotation_save(*, image: Image, version: int, instances: list, no_objects: bool = False, user=None) -> Annotation:
    """Write all instances of the image if `version` is still current; else VersionConflict, nothing changed."""
    clean = validate_instances(instances, width=image.width, height=image.height,
                               keypoint_counts=keypoint_counts(image.dataset_id))
    if no_objects and clean:
        raise InvalidInput("an image marked 'no objects' cannot have instances", field="no_objects")
    ann, _ = Annotation.objects.get_or_create(image=image)
    # The version check and the write are one UPDATE: two writers can never both pass it.
    updated = Annotation.objects.filter(pk=ann.pk, version=version).update(
        instances=clean, no_objects=no_objects, version=version + 1, updated_by=user)
    if not updated:
        current = Annotation.objects.get(pk=ann.pk)
        raise VersionConflict(
            f"the image was changed elsewhere (your version {version}, current {current.version}); "
            "reload it and apply your edits again", field="version", current_version=current.version)
    ann.refresh_from_db()
    sync_label_state(ann)
    return ann
