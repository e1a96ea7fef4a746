"""Reads shared by views, tasks and other apps. Every one that takes a user is scoped to the user's workspaces
and checks their role for the action (accounts.selectors): not a member → 404, role too low → 403."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.roles import Action
from accounts.selectors import check_role, scoped

from .models import Dataset, Image, Job, SkeletonClass

# Below this many labelled images a pose model rarely generalises: the UI and training warn.
RECOMMENDED_LABELLED = 250


def _counted(qs: QuerySet[Dataset]) -> QuerySet[Dataset]:
    return qs.annotate(
        image_count=Count("images", distinct=True),
        labelled_count=Count("images", filter=Q(images__labelled=True), distinct=True),
    ).order_by("-created_at", "-id")


def datasets_for(user, workspace=None) -> QuerySet[Dataset]:
    """The datasets the user can see (in one workspace when given), with counts and `my_role`."""
    qs = scoped(Dataset.objects.all(), user)
    if workspace is not None:
        qs = qs.filter(workspace=workspace)
    return _counted(qs)


def _get(qs: QuerySet, pk, what: str):
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, TypeError, ValueError):
        raise Http404(f"no such {what}") from None


def dataset_get(user, pk, action: str = Action.VIEW) -> Dataset:
    dataset = _get(scoped(Dataset.objects.select_related("workspace"), user), pk, "dataset")
    check_role(dataset.my_role, action, dataset.workspace.name)
    return dataset


def image_get(user, pk, action: str = Action.VIEW) -> Image:
    image = _get(scoped(Image.objects.select_related("dataset", "dataset__workspace"), user, "dataset__workspace"),
                 pk, "image")
    check_role(image.my_role, action, image.dataset.workspace.name)
    return image


def class_get(user, pk, action: str = Action.VIEW) -> SkeletonClass:
    cls = _get(scoped(SkeletonClass.objects.select_related("dataset", "dataset__workspace"), user,
                      "dataset__workspace"), pk, "class")
    check_role(cls.my_role, action, cls.dataset.workspace.name)
    return cls


def job_get(user, pk, action: str = Action.VIEW) -> Job:
    job = _get(scoped(Job.objects.select_related("workspace"), user), pk, "job")
    check_role(job.my_role, action, job.workspace.name)
    return job


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
