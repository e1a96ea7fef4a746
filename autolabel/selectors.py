"""Reads of the autolabel app: the review queue (images whose open suggestions the model was least sure of).

Order: the lowest instance or keypoint score of an image's open suggestions first (`Annotation.suggestion_score`,
kept by the one writer), then, among equal scores, the larger spread between the engine's flip-test passes
(`suggested_by.flip_spread`, px, when the engine stored one; images without it after those with it), then id.
Who sees what follows labeling's assignment rule (datasets.selectors.offered): a labeller's queue holds only
their own and the open images; "next" offers a person's own images first, then the open ones, never
somebody else's.
"""
from __future__ import annotations

from django.db.models import F, QuerySet

from accounts.models import Role
from datasets.models import Dataset, Image
from datasets.selectors import offered


def _ordered(qs: QuerySet[Image]) -> QuerySet[Image]:
    return qs.filter(annotation__suggestion_score__isnull=False).order_by(
        "annotation__suggestion_score", F("annotation__suggested_by__flip_spread").desc(nulls_last=True), "id")


def review_queue(dataset: Dataset, user=None, role: str | None = None) -> QuerySet[Image]:
    """Images of `dataset` with open suggestions, least sure first (see the module docstring). A labeller
    (`role`) sees only the images offered to them."""
    qs = dataset.images.all()
    if user is not None and role == Role.LABELLER:
        qs = qs.filter(offered(user))
    return _ordered(qs).select_related("annotation")


def _after(ids: list[int], after_id: int | None) -> int | None:
    """The id following `after_id` in `ids` (wrapping to the first that is not `after_id`); the first with None
    or an id not in the queue (it left the queue when it was reviewed: the head is then next)."""
    if not ids:
        return None
    if after_id is None or after_id not in ids:
        return ids[0]
    i = ids.index(after_id)
    rest = ids[i + 1:] + ids[:i]
    return rest[0] if rest else None


def review_next(dataset: Dataset, user=None, after_id: int | None = None) -> int | None:
    """The image `user` should review next: their own assigned images with open suggestions first, then the
    open ones, each in queue order, after `after_id` (the image they are on). None: nothing left to review."""
    base = dataset.images.all()
    if user is None:
        return _after(list(_ordered(base).values_list("id", flat=True)), after_id)
    mine = list(_ordered(base.filter(assignee=user)).values_list("id", flat=True))
    found = _after(mine, after_id)
    if found is not None:
        return found
    return _after(list(_ordered(base.filter(assignee__isnull=True)).values_list("id", flat=True)), after_id)


def review_count(dataset: Dataset, user=None, role: str | None = None) -> int:
    return review_queue(dataset, user, role).count()


# ---------------------------------------------------------------- jobs
def job_get(user, pk, action: str = "view"):
    """An autolabel job of one of the user's workspaces (404 otherwise), role checked for `action`."""
    from django.http import Http404

    from accounts.selectors import check_role, scoped

    from .models import AutolabelJob

    try:
        job = scoped(AutolabelJob.objects.select_related("workspace", "deployment"), user).get(pk=int(pk))
    except (AutolabelJob.DoesNotExist, TypeError, ValueError, OverflowError):  # OverflowError: an id beyond 64 bits
        raise Http404("no such job") from None
    check_role(job.my_role, action, job.workspace.name)
    return job


def jobs_of(dataset: Dataset):
    from .models import AutolabelJob

    return AutolabelJob.objects.filter(dataset=dataset).select_related("deployment").order_by("-created_at", "-id")


def deployments_for(dataset: Dataset):
    """The deployments a dataset may autolabel with: its workspace's."""
    from deploy.models import Deployment

    return Deployment.objects.filter(workspace_id=dataset.workspace_id).order_by("name", "id")
