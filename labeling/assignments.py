"""Who labels what: an admin splits a dataset's unlabelled images among members who label, and moves or clears
those assignments; the dataset page shows progress per person.

An assignment is `Image.assignee` (datasets.models). What it changes is what each person is *offered* (see
datasets.selectors.offered / next_unlabelled_for): a person's own images first, then the open (unassigned)
ones, never somebody else's. Labelled images keep their assignee, so progress per person stays readable;
every change here touches unlabelled images only.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Membership, Role
from accounts.roles import Action, can
from core.errors import InvalidInput
from datasets.models import Annotation, Dataset, Image

# Roles whose members may be handed images: those that may label.
LABELLING_ROLES = [role for role in Role.values if can(role, Action.LABEL)]


def labellers_of(dataset: Dataset) -> QuerySet[Membership]:
    """Members of the dataset's workspace who may label (and so may be assigned images), by username."""
    return (Membership.objects.filter(workspace_id=dataset.workspace_id, role__in=LABELLING_ROLES)
            .select_related("user").order_by("user__username"))


def _check_users(dataset: Dataset, user_ids, field: str = "users") -> list[int]:
    ids = [int(u) for u in user_ids]
    if not ids:
        raise InvalidInput("pick at least one member", field=field)
    if len(set(ids)) != len(ids):
        raise InvalidInput("a member is listed twice", field=field)
    allowed = set(labellers_of(dataset).values_list("user_id", flat=True))
    for i, uid in enumerate(ids):
        if uid not in allowed:
            raise InvalidInput(f"user {uid} is not a member of this workspace who may label", field=f"{field}[{i}]")
    return ids


@transaction.atomic
def assignments_split(*, dataset: Dataset, user_ids: list[int], replace: bool = False) -> dict:
    """Split the unlabelled images evenly among `user_ids`, in id order, in contiguous runs (frames of one video
    stay with one person, so "copy previous" helps). Without `replace` only open (unassigned) images are
    split and existing assignments stay; with it, every unlabelled image is split again.

    Returns {"images": n split, "assigned": [{"user", "username", "images"}]}; run sizes differ by at most 1.
    """
    ids = _check_users(dataset, user_ids)
    pool = Q(labelled=False) if replace else Q(labelled=False, assignee__isnull=True)
    image_ids = list(dataset.images.filter(pool).order_by("id").values_list("id", flat=True))
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    now, start, out = timezone.now(), 0, []
    base, extra = divmod(len(image_ids), len(ids))
    for i, uid in enumerate(ids):
        size = base + (1 if i < extra else 0)
        run = image_ids[start:start + size]
        start += size
        if run:  # one UPDATE per person: the run is every pool image between its first and last id
            dataset.images.filter(pool, id__gte=run[0], id__lte=run[-1]).update(assignee_id=uid, assigned_at=now)
        out.append({"user": uid, "username": names[uid], "images": len(run)})
    return {"images": len(image_ids), "assigned": out}


@transaction.atomic
def assignments_reassign(*, dataset: Dataset, from_user: int | None, to_user: int | None) -> int:
    """Hand `from_user`'s unlabelled images (None: the open ones) to `to_user` (None: open them to everyone).
    Returns how many images moved."""
    if to_user is not None:
        to_user = _check_users(dataset, [to_user], field="to_user")[0]
    qs = dataset.images.filter(labelled=False)
    if from_user is not None:
        from_user = _check_holders(dataset, [from_user], "from_user")[0]
    qs = qs.filter(assignee__isnull=True) if from_user is None else qs.filter(assignee_id=from_user)
    return qs.update(assignee_id=to_user, assigned_at=timezone.now() if to_user is not None else None)


def _check_holders(dataset: Dataset, user_ids, field: str) -> list[int]:
    """`user_ids` as ints, each a member who may label or someone holding images of the dataset (a member who
    left or lost the labeller role keeps their assignments until cleared); else InvalidInput naming the item."""
    ids = [int(u) for u in user_ids]
    allowed = set(labellers_of(dataset).values_list("user_id", flat=True)) | set(
        dataset.images.filter(assignee_id__in=ids).values_list("assignee_id", flat=True))
    for i, uid in enumerate(ids):
        if uid not in allowed:
            raise InvalidInput(f"user {uid} is not a member of this workspace who may label, nor holds images here",
                               field=f"{field}[{i}]" if field == "users" else field)
    return ids


@transaction.atomic
def assignments_clear(*, dataset: Dataset, user_ids: list[int] | None = None) -> int:
    """Open the unlabelled images of `user_ids` (every assignee when None) to everyone; returns how many.
    A user who is neither a labelling member nor holds images of the dataset is InvalidInput (`users[i]`)."""
    qs = dataset.images.filter(labelled=False, assignee__isnull=False)
    if user_ids is not None:
        qs = qs.filter(assignee_id__in=_check_holders(dataset, user_ids, "users"))
    return qs.update(assignee=None, assigned_at=None)


def assignments_drop_for(*, workspace_id: int, user_id: int) -> int:
    """Open the unlabelled images assigned to `user_id` in the workspace's datasets (they left, or may no longer
    label); returns how many."""
    return Image.objects.filter(dataset__workspace_id=workspace_id, assignee_id=user_id,
                                labelled=False).update(assignee=None, assigned_at=None)


def progress_per_person(dataset: Dataset) -> dict:
    """{"people": [{user, username, role, assigned, labelled, unlabelled, last_saved}], "open": {...}}.

    `role` is null for an assignee who is no longer a member (their labelled images keep their name);
    `last_saved` counts the images whose current labels that person saved (Annotation.updated_by)."""
    rows = {r["assignee"]: r for r in dataset.images.values("assignee").annotate(
        assigned=Count("id"), labelled=Count("id", filter=Q(labelled=True)))}
    saved = dict(Annotation.objects.filter(image__dataset=dataset, updated_by__isnull=False)
                 .values("updated_by").annotate(n=Count("id")).values_list("updated_by", "n"))
    people, seen = [], set()
    for m in labellers_of(dataset):
        seen.add(m.user_id)
        people.append(_person(m.user_id, m.user.username, m.role, rows.get(m.user_id), saved))
    others = [uid for uid in set(rows) | set(saved) if uid is not None and uid not in seen]
    if others:
        for uid, username in get_user_model().objects.filter(pk__in=others).values_list("pk", "username"):
            role = Membership.objects.filter(workspace_id=dataset.workspace_id, user_id=uid).values_list(
                "role", flat=True).first()
            people.append(_person(uid, username, role, rows.get(uid), saved))
    open_row = rows.get(None) or {"assigned": 0, "labelled": 0}
    return {"people": people, "open": {"images": open_row["assigned"], "labelled": open_row["labelled"],
                                       "unlabelled": open_row["assigned"] - open_row["labelled"]}}


def on_dataset_moved(*, dataset: Dataset, target) -> int:
    """A dataset moved to another workspace: assignees who are not members there (or may not label there) lose
    their unlabelled images, which become open. Returns how many."""
    keep = Membership.objects.filter(workspace=target, role__in=LABELLING_ROLES).values_list("user_id", flat=True)
    return (dataset.images.filter(labelled=False, assignee__isnull=False).exclude(assignee_id__in=list(keep))
            .update(assignee=None, assigned_at=None))


def _person(uid: int, username: str, role: str | None, row: dict | None, saved: dict) -> dict:
    assigned, labelled = (row["assigned"], row["labelled"]) if row else (0, 0)
    return {"user": uid, "username": username, "role": role, "assigned": assigned, "labelled": labelled,
            "unlabelled": assigned - labelled, "last_saved": saved.get(uid, 0)}
