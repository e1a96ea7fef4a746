"""Who labels what: splitting, the next-image rule, progress per person, "saved by", and moving a dataset."""
from __future__ import annotations

from .conftest import _annotate, jpeg_bytes, upload


def _users(team) -> dict[str, int]:
    members = team["c"]["alice"].get(f"/api/v1/workspaces/{team['ws']['id']}/members/").json()
    return {m["username"]: m["user"] for m in members}


def _add_images(team, n: int) -> list[int]:
    created = upload(team["c"]["alice"], team["dataset"]["id"],
                     [(f"f{i:02d}.jpg", jpeg_bytes(seed=100 + i)) for i in range(n)]).json()["created"]
    return [team["image"]["id"]] + [im["id"] for im in created]


def test_admin_splits_unlabelled_images_evenly_in_runs_and_labellers_get_their_own(team):
    c, ds = team["c"], team["dataset"]["id"]
    ids = _add_images(team, 9)  # 10 images, none labelled
    u = _users(team)
    split = c["alice"].post(f"/api/v1/datasets/{ds}/assignments/split/", {"users": [u["bob"], u["tina"], u["alice"]]},
                            format="json")
    assert split.status_code == 200
    assert [(a["username"], a["images"]) for a in split.json()["assigned"]] == [("bob", 4), ("tina", 3), ("alice", 3)]
    owner = {im["id"]: im["assignee_name"] for im in
             c["alice"].get(f"/api/v1/datasets/{ds}/images/?page_size=100").json()["results"]}
    assert [owner[i] for i in ids] == ["bob"] * 4 + ["tina"] * 3 + ["alice"] * 3
    mine = c["bob"].get(f"/api/v1/datasets/{ds}/images/?assignee=me").json()["results"]
    assert [im["id"] for im in mine] == ids[:4]

    # Bob's next image is always his own; tina's images are never offered to him.
    progress = c["bob"].get(f"/api/v1/datasets/{ds}/progress/").json()
    assert progress["next_unlabelled"] == ids[0] and progress["mine"] == {"assigned": 4, "labelled": 0, "unlabelled": 4}
    offered = []
    current = ids[0]
    for _ in range(4):
        assert _annotate(c["bob"], current, team["class"]["id"]).status_code == 200
        offered.append(current)
        current = c["bob"].get(f"/api/v1/images/{current}/").json()["neighbours"]["next_unlabelled"]
    assert offered == ids[:4] and current is None  # nothing open, the rest belongs to others
    assert c["bob"].get(f"/api/v1/datasets/{ds}/progress/").json()["for_you"] == 0
    # A labeller browses only their own and open images; an admin browses all.
    nb = c["bob"].get(f"/api/v1/images/{ids[3]}/").json()["neighbours"]
    assert nb["next"] is None and nb["of"] == 4
    assert c["alice"].get(f"/api/v1/images/{ids[3]}/").json()["neighbours"]["next"] == ids[4]

    people = {p["username"]: p for p in c["carol"].get(f"/api/v1/datasets/{ds}/assignments/").json()["people"]}
    assert set(people) == {"alice", "bob", "tina"}  # carol (viewer) may not label, so she is not listed
    assert (people["bob"]["assigned"], people["bob"]["labelled"], people["bob"]["last_saved"]) == (4, 4, 4)
    assert (people["tina"]["assigned"], people["tina"]["labelled"]) == (3, 0)


def test_unassigned_images_are_open_to_everyone_after_their_own(team):
    c, ds = team["c"], team["dataset"]["id"]
    ids = _add_images(team, 3)
    u = _users(team)
    c["alice"].post(f"/api/v1/datasets/{ds}/assignments/split/", {"users": [u["tina"]]}, format="json")
    # Two new images arrive after the split: they are open.
    more = upload(c["alice"], ds, [("n1.jpg", jpeg_bytes(seed=201)), ("n2.jpg", jpeg_bytes(seed=202))]).json()
    open_ids = [im["id"] for im in more["created"]]
    assert c["bob"].get(f"/api/v1/datasets/{ds}/progress/").json()["next_unlabelled"] == open_ids[0]
    assert c["tina"].get(f"/api/v1/datasets/{ds}/progress/").json()["next_unlabelled"] == ids[0]
    # Split again without replace: only the open images are divided; tina keeps hers.
    again = c["alice"].post(f"/api/v1/datasets/{ds}/assignments/split/", {"users": [u["bob"]]}, format="json").json()
    assert again["images"] == 2
    # With replace, every unlabelled image is divided again.
    redo = c["alice"].post(f"/api/v1/datasets/{ds}/assignments/split/", {"users": [u["bob"], u["tina"]],
                                                                         "replace": True}, format="json").json()
    assert redo["images"] == 6 and [a["images"] for a in redo["assigned"]] == [3, 3]


def test_reassign_and_clear_move_only_unlabelled_images(team):
    c, ds = team["c"], team["dataset"]["id"]
    ids = _add_images(team, 3)
    u = _users(team)
    c["alice"].post(f"/api/v1/datasets/{ds}/assignments/split/", {"users": [u["bob"]]}, format="json")
    _annotate(c["bob"], ids[0], team["class"]["id"])
    moved = c["alice"].post(f"/api/v1/datasets/{ds}/assignments/reassign/", {"from_user": u["bob"],
                                                                             "to_user": u["tina"]}, format="json")
    assert moved.json() == {"moved": 3}
    people = {p["username"]: p for p in c["alice"].get(f"/api/v1/datasets/{ds}/assignments/").json()["people"]}
    assert (people["bob"]["assigned"], people["bob"]["labelled"]) == (1, 1)  # his labelled image keeps his name
    assert people["tina"]["assigned"] == 3
    assert c["alice"].post(f"/api/v1/datasets/{ds}/assignments/clear/", {}, format="json").json() == {"moved": 3}
    body = c["alice"].get(f"/api/v1/datasets/{ds}/assignments/").json()
    assert body["open"] == {"images": 3, "labelled": 0, "unlabelled": 3}


def test_only_admins_assign_and_only_labelling_members_can_be_assigned(team):
    c, ds = team["c"], team["dataset"]["id"]
    u = _users(team)
    url = f"/api/v1/datasets/{ds}/assignments/split/"
    assert c["tina"].post(url, {"users": [u["bob"]]}, format="json").status_code == 403
    assert c["bob"].post(url, {"users": [u["bob"]]}, format="json").status_code == 403
    assert c["mallory"].post(url, {"users": [u["bob"]]}, format="json").status_code == 404
    viewer = c["alice"].post(url, {"users": [u["bob"], u["carol"]]}, format="json")
    assert viewer.status_code == 400 and viewer.json()["field"] == "users[1]"
    assert c["alice"].post(url, {"users": []}, format="json").json()["field"] == "users"


def test_leaving_or_becoming_viewer_opens_that_persons_unlabelled_images(team):
    c, ds = team["c"], team["dataset"]["id"]
    _add_images(team, 3)
    u = _users(team)
    c["alice"].post(f"/api/v1/datasets/{ds}/assignments/split/", {"users": [u["bob"], u["tina"]]}, format="json")
    assert c["bob"].delete(f"/api/v1/workspaces/{team['ws']['id']}/members/{u['bob']}/").status_code == 204
    c["alice"].patch(f"/api/v1/workspaces/{team['ws']['id']}/members/{u['tina']}/", {"role": "viewer"}, format="json")
    assert c["alice"].get(f"/api/v1/datasets/{ds}/assignments/").json()["open"]["unlabelled"] == 4


def test_annotation_says_who_saved_it_and_every_version_is_in_the_history(team):
    from datasets.models import AnnotationRevision

    c, image, cls = team["c"], team["image"]["id"], team["class"]["id"]
    assert _annotate(c["bob"], image, cls).status_code == 200
    assert _annotate(c["tina"], image, cls).status_code == 200
    got = c["carol"].get(f"/api/v1/images/{image}/annotations/").json()
    assert got["updated_by"] == "tina" and got["version"] == 2 and got["updated_at"]
    history = list(AnnotationRevision.objects.filter(image_id=image).values_list("version", "saved_by__username"))
    assert history == [(1, "bob"), (2, "tina")]


def test_admin_of_both_moves_a_dataset_with_its_training_sessions(team, make_user):
    from training.models import TrainingSession
    from accounts.models import Workspace

    c, ds = team["c"], team["dataset"]
    u = _users(team)
    ws2 = c["alice"].post("/api/v1/workspaces/", {"name": "Other lab"}, format="json").json()
    session = TrainingSession.objects.create(workspace_id=team["ws"]["id"], dataset_id=ds["id"],
                                             algorithm="yolo11n-pose", status="completed")
    _add_images(team, 2)
    c["alice"].post(f"/api/v1/datasets/{ds['id']}/assignments/split/", {"users": [u["bob"]]}, format="json")
    url = f"/api/v1/datasets/{ds['id']}/move/"
    assert c["tina"].post(url, {"workspace": ws2["id"]}, format="json").status_code == 403  # trainer
    assert c["mallory"].post(url, {"workspace": ws2["id"]}, format="json").status_code == 404
    # Admin of the source only: the target is not hers.
    mallory_ws = c["mallory"].get("/api/v1/auth/me/").json()["personal_workspace"]
    assert c["alice"].post(url, {"workspace": mallory_ws}, format="json").status_code == 404
    moved = c["alice"].post(url, {"workspace": ws2["id"]}, format="json")
    assert moved.status_code == 200 and moved.json()["workspace"] == ws2["id"]
    assert TrainingSession.objects.get(pk=session.pk).workspace_id == ws2["id"]
    # Bob is not a member of the target: he no longer sees the dataset, and his unlabelled images are open.
    assert c["bob"].get(f"/api/v1/datasets/{ds['id']}/").status_code == 404
    assert c["alice"].get(f"/api/v1/datasets/{ds['id']}/assignments/").json()["open"]["unlabelled"] == 3
    assert c["alice"].get(f"/api/v1/training-sessions/{session.pk}/").json()["id"] == session.pk
    # Same name in the target: 409, nothing moves.
    c["alice"].post(f"/api/v1/datasets/?workspace={team['ws']['id']}", {"name": "shared"}, format="json")
    back = c["alice"].post(url, {"workspace": team["ws"]["id"]}, format="json")
    assert back.status_code == 409 and back.json()["field"] == "workspace"
    assert Workspace.objects.get(datasets__pk=ds["id"]).pk == ws2["id"]
