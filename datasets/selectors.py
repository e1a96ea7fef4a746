"""Reads shared by views, tasks and other apps. Every one that takes a user is scoped to the user's workspaces
and checks their role for the action (accounts.selectors): not a member → 404, role too low → 403."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from accounts.models import Role
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
    except (qs.model.DoesNotExist, TypeError, ValueError, OverflowError):  # OverflowError: an id beyond 64 bits
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



def images_of(dataset: Dataset, *, labelled: bool | None = None, split: str | None = None,
              assignee: int | str | None = None) -> QuerySet[Image]:
    """A dataset's images in id order; `assignee`: a user id, or "none" for the open (unassigned) ones."""
    qs = dataset.images.select_related("assignee").order_by("id")
    if assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee is not None:
        qs = qs.filter(assignee_id=assignee)
    if labelled is not None:
        qs = qs.filter(labelled=labelled)
    if split:
        qs = qs.filter(split=split)
    return qs


# ---------------------------------------------------------------- who is offered which image
# An image assigned to somebody (labeling.assignments) is theirs: "next image" never offers it to anyone else.
# An unassigned image is open to every member who labels. A person's "next unlabelled" is their own assigned
# images first (in id order, after the current one, wrapping), then the open ones, so work handed out is done
# before the shared pool. Labellers also browse (previous/next) only their own and the open images; admins,
# trainers and viewers browse every image. Nothing here forbids saving: it decides what is offered.
def offered(user) -> Q:
    """Images offered to `user`: assigned to them or to nobody."""
    return Q(assignee__isnull=True) | Q(assignee=user)


def _first_after(qs: QuerySet[Image], after_id: int | None) -> int | None:
    ids = qs.order_by("id").values_list("id", flat=True)
    if after_id is not None:
        found = ids.filter(id__gt=after_id).first()
        if found is not None:
            return found
        return ids.exclude(id=after_id).first()
    return ids.first()


def next_unlabelled_for(dataset: Dataset, user=None, after_id: int | None = None) -> int | None:
    """The image `user` should label next (see the rule above); with no user, the first unlabelled one."""
    unlabelled = dataset.images.filter(labelled=False)
    if user is None:
        return _first_after(unlabelled, after_id)
    mine = _first_after(unlabelled.filter(assignee=user), after_id)
    return mine if mine is not None else _first_after(unlabelled.filter(assignee__isnull=True), after_id)


def dataset_progress(dataset: Dataset, user=None) -> dict:
    """Counts for the dataset page and the labeler; `next_unlabelled` and `mine` are about `user` when given."""
    mine = Q(assignee=user) if user is not None else (Q(assignee__isnull=False) & Q(assignee__isnull=True))  # none
    # Aggregate names must differ from field names ("labelled") or Django refuses the filters.
    counts = dataset.images.aggregate(
        n_total=Count("id"), n_labelled=Count("id", filter=Q(labelled=True)),
        n_open=Count("id", filter=Q(labelled=False, assignee__isnull=True)),
        n_mine=Count("id", filter=mine), n_mine_labelled=Count("id", filter=mine & Q(labelled=True)),
        n_instances=Sum("instance_count"),
        **{f"n_{split}{suffix}": agg for split in ("train", "val") for suffix, agg in (
            ("", Count("id", filter=Q(split=split))),
            ("_labelled", Count("id", filter=Q(split=split, labelled=True))),
            ("_instances", Sum("instance_count", filter=Q(split=split))))})
    total, labelled = counts["n_total"], counts["n_labelled"]
    mine_unlabelled = counts["n_mine"] - counts["n_mine_labelled"]
    return {"total": total, "labelled": labelled, "unlabelled": total - labelled,
            "text": f"{labelled} of {total} labelled", "next_unlabelled": next_unlabelled_for(dataset, user),
            "recommended_labelled": RECOMMENDED_LABELLED,
            "mine": {"assigned": counts["n_mine"], "labelled": counts["n_mine_labelled"],
                     "unlabelled": mine_unlabelled},
            "open_unlabelled": counts["n_open"], "for_you": mine_unlabelled + counts["n_open"],
            "instances": counts["n_instances"] or 0,
            "splits": {split: {"images": counts[f"n_{split}"], "labelled": counts[f"n_{split}_labelled"],
                               "instances": counts[f"n_{split}_instances"] or 0} for split in ("train", "val")}}


def image_neighbours(image: Image, user=None, role: str | None = None) -> dict:
    """Previous/next ids (a labeller walks only their own and open images), the next image to label, position."""
    qs = image.dataset.images.all()
    if user is not None and role == Role.LABELLER:
        qs = qs.filter(offered(user))
    ids = qs.order_by("id").values_list("id", flat=True)
    prev_id = ids.filter(id__lt=image.pk).order_by("-id").first()
    next_id = ids.filter(id__gt=image.pk).first()
    position = ids.filter(id__lt=image.pk).count() + 1
    return {"previous": prev_id, "next": next_id, "position": position, "of": ids.count(),
            "next_unlabelled": next_unlabelled_for(image.dataset, user, after_id=image.pk)}
