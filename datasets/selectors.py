"""Reads shared by views, tasks and other apps; every one is scoped to an owner."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import Dataset, Image, SkeletonClass

# Below this many labelled images a pose model rarely generalises: the UI and training warn.
RECOMMENDED_LABELLED = 250


def datasets_for(user) -> QuerySet[Dataset]:
    return Dataset.objects.filter(owner=user).annotate(
        image_count=Count("images", distinct=True),
        labelled_count=Count("images", filter=Q(images__labelled=True), distinct=True),
    ).order_by("-created_at", "-id")


def dataset_get(user, pk) -> Dataset:
    return get_object_or_404(Dataset.objects.filter(owner=user), pk=pk)


def image_get(user, pk) -> Image:
    return get_object_or_404(Image.objects.select_related("dataset").filter(dataset__owner=user), pk=pk)


def class_get(user, pk) -> SkeletonClass:
    return get_object_or_404(SkeletonClass.objects.select_related("dataset").filter(dataset__owner=user), pk=pk)


def images_of(dataset: Dataset, *, labelled: bool | None = None, split: str | None = None) -> QuerySet[Image]:
    qs = dataset.images.all().order_by("id")
    if labelled is not None:
        qs = qs.filter(labelled=labelled)
    if split:
        qs = qs.filter(split=split)
    return qs


def dataset_progress(dataset: Dataset) -> dict:
    counts = dataset.images.aggregate(total=Count("id"), labelled=Count("id", filter=Q(labelled=True)))
    next_id = dataset.images.filter(labelled=False).order_by("id").values_list("id", flat=True).first()
    total, labelled = counts["total"], counts["labelled"]
    return {"total": total, "labelled": labelled, "unlabelled": total - labelled,
            "text": f"{labelled} of {total} labelled", "next_unlabelled": next_id,
            "recommended_labelled": RECOMMENDED_LABELLED}


def image_neighbours(image: Image) -> dict:
    qs = image.dataset.images.order_by("id").values_list("id", flat=True)
    prev_id = qs.filter(id__lt=image.pk).order_by("-id").first()
    next_id = qs.filter(id__gt=image.pk).first()
    next_unlabelled = qs.filter(id__gt=image.pk, labelled=False).first() or qs.filter(labelled=False).exclude(pk=image.pk).first()
    position = qs.filter(id__lt=image.pk).count() + 1
    return {"previous": prev_id, "next": next_id, "next_unlabelled": next_unlabelled, "position": position}
