"""Workspaces: personal ones for everybody, team ones with invitations and roles, and what each role may do."""
from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from .conftest import SAMPLES_DIR, _annotate, _client_for, jpeg_bytes, upload


def test_every_new_user_gets_a_personal_workspace_as_admin(api, user):
    spaces = api.get("/api/v1/workspaces/").json()
    assert [(w["personal"], w["my_role"]) for w in spaces] == [(True, "admin")]
    assert "manage_members" in spaces[0]["my_actions"]
    assert api.get("/api/v1/auth/me/").json()["personal_workspace"] == spaces[0]["id"]
    # What worked before workspaces keeps working: no workspace parameter means the personal one.
    ds = api.post("/api/v1/datasets/", {"name": "mine"}, format="json").json()
    assert ds["workspace"] == spaces[0]["id"] and ds["my_role"] == "admin"


def test_roles_decide_what_members_may_do_and_outsiders_see_nothing(team):
    c, ds, image, cls = team["c"], team["dataset"], team["image"], team["class"]
    for name in ("bob", "carol", "tina"):
        listed = c[name].get("/api/v1/datasets/").json()["results"]
        assert [d["id"] for d in listed] == [ds["id"]]
    assert c["mallory"].get("/api/v1/datasets/").json()["results"] == []
    for url in (f"/api/v1/datasets/{ds['id']}/", f"/api/v1/images/{image['id']}/",
                f"/api/v1/images/{image['id']}/annotations/", f"/api/v1/classes/{cls['id']}/",
                f"/api/v1/workspaces/{team['ws']['id']}/"):
        assert c["mallory"].get(url).status_code == 404, url

    # The labeller labels (and the annotation says who saved it), but may not change the data.
    saved = _annotate(c["bob"], image["id"], cls["id"])
    assert saved.status_code == 200
    assert c["alice"].get(f"/api/v1/images/{image['id']}/annotations/").json()["updated_by"] == "bob"
    refused = upload(c["bob"], ds["id"], [("b.jpg", jpeg_bytes(seed=4))])
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden" and "labeller" in refused.json()["message"]
    assert c["bob"].delete(f"/api/v1/datasets/{ds['id']}/").status_code == 403
    # The viewer reads and exports but may not label.
    assert c["carol"].get(f"/api/v1/datasets/{ds['id']}/export/?format=coco").status_code == 200
    assert _annotate(c["carol"], image["id"], cls["id"]).status_code == 403
    # The trainer changes data but may not delete the dataset or manage members.
    assert upload(c["tina"], ds["id"], [("c.jpg", jpeg_bytes(seed=5))]).status_code == 201
    assert c["tina"].delete(f"/api/v1/datasets/{ds['id']}/").status_code == 403
    assert c["tina"].post(f"/api/v1/workspaces/{team['ws']['id']}/invitations/", {"role": "admin"},
                          format="json").status_code == 403
    assert c["alice"].get(f"/api/v1/datasets/{ds['id']}/").json()["image_count"] == 2


def test_list_filters_by_workspace_and_a_foreign_workspace_is_404(team):
    c, ws = team["c"], team["ws"]
    mine = c["alice"].post("/api/v1/datasets/", {"name": "private"}, format="json").json()
    everything = {d["id"] for d in c["alice"].get("/api/v1/datasets/").json()["results"]}
    assert everything == {mine["id"], team["dataset"]["id"]}
    only_team = c["alice"].get(f"/api/v1/datasets/?workspace={ws['id']}").json()["results"]
    assert [d["id"] for d in only_team] == [team["dataset"]["id"]]
    assert c["alice"].get("/api/v1/datasets/", HTTP_X_WORKSPACE=str(ws["id"])).json()["count"] == 1
    assert c["mallory"].get(f"/api/v1/datasets/?workspace={ws['id']}").status_code == 404
    assert c["mallory"].post(f"/api/v1/datasets/?workspace={ws['id']}", {"name": "x"}, format="json").status_code == 404
    assert c["bob"].post(f"/api/v1/datasets/?workspace={ws['id']}", {"name": "x"}, format="json").status_code == 403
    bad = c["alice"].get("/api/v1/datasets/?workspace=lab")
    assert bad.status_code == 400 and bad.json()["field"] == "workspace"


def test_invitations_are_single_use_expire_and_can_be_revoked(api, make_user):
    ws = api.post("/api/v1/workspaces/", {"name": "Lab"}, format="json").json()
    url = f"/api/v1/workspaces/{ws['id']}/invitations/"
    dave, erin = _client_for(make_user("dave")), _client_for(make_user("erin"))
    used = api.post(url, {"role": "viewer"}, format="json").json()
    assert dave.post("/api/v1/invitations/accept/", {"key": used["key"]}, format="json").status_code == 200
    again = erin.post("/api/v1/invitations/accept/", {"key": used["key"]}, format="json")
    assert again.status_code == 409 and "already been used" in again.json()["message"]

    from accounts.models import Invitation

    old = api.post(url, {"role": "viewer"}, format="json").json()
    Invitation.objects.filter(pk=old["id"]).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert erin.post("/api/v1/invitations/accept/", {"key": old["key"]}, format="json").status_code == 409
    revoked = api.post(url, {"role": "viewer"}, format="json").json()
    assert api.delete(f"{url}{revoked['id']}/").status_code == 204
    assert erin.post("/api/v1/invitations/accept/", {"key": revoked["key"]}, format="json").status_code == 400
    assert erin.post("/api/v1/invitations/accept/", {"key": "made-up"}, format="json").status_code == 400
    states = {i["id"]: i["state"] for i in api.get(url).json()}
    assert states == {used["id"]: "accepted", old["id"]: "expired", revoked["id"]: "revoked"}
    # Only the digest is stored.
    assert not Invitation.objects.filter(digest=used["key"]).exists()


def test_invite_link_page_joins_when_accepted(api, make_user, client):
    from accounts.models import Membership

    ws = api.post("/api/v1/workspaces/", {"name": "Lab"}, format="json").json()
    invite = api.post(f"/api/v1/workspaces/{ws['id']}/invitations/", {"role": "labeller"}, format="json").json()
    make_user("frank")
    page = f"/accounts/invite/{invite['key']}/"
    anonymous = client.get(page)  # shows the invitation, with sign-up and log-in that come back here
    assert anonymous.status_code == 200 and b"Lab" in anonymous.content
    assert f'href="/accounts/signup/?next=/accounts/invite/{invite["key"]}/"'.encode() in anonymous.content
    assert client.post(page).status_code == 302  # accepting needs an account
    assert not Membership.objects.filter(workspace_id=ws["id"], user__username="frank").exists()
    client.login(username="frank", password="s3cret-pass-1")
    shown = client.get(page)
    assert shown.status_code == 200 and b"Lab" in shown.content and b"labeller" in shown.content
    assert client.post(page).status_code == 302
    assert Membership.objects.get(workspace_id=ws["id"], user__username="frank").role == "labeller"
    assert client.get(page).status_code == 400  # used


def test_members_keep_one_admin_and_personal_owners_stay(team):
    c, ws = team["c"], team["ws"]
    members = {m["username"]: m for m in c["alice"].get(f"/api/v1/workspaces/{ws['id']}/members/").json()}
    assert {k: v["role"] for k, v in members.items()} == {"alice": "admin", "bob": "labeller", "carol": "viewer",
                                                          "tina": "trainer"}
    alice_id = members["alice"]["user"]
    demote = c["alice"].patch(f"/api/v1/workspaces/{ws['id']}/members/{alice_id}/", {"role": "viewer"}, format="json")
    assert demote.status_code == 409
    promoted = c["alice"].patch(f"/api/v1/workspaces/{ws['id']}/members/{members['tina']['user']}/",
                                {"role": "admin"}, format="json")
    assert promoted.status_code == 200
    assert c["alice"].patch(f"/api/v1/workspaces/{ws['id']}/members/{alice_id}/", {"role": "viewer"},
                            format="json").status_code == 200
    # A member may leave; the workspace with data cannot be deleted.
    assert c["bob"].delete(f"/api/v1/workspaces/{ws['id']}/members/{members['bob']['user']}/").status_code == 204
    assert c["bob"].get(f"/api/v1/datasets/{team['dataset']['id']}/").status_code == 404
    assert c["tina"].delete(f"/api/v1/workspaces/{ws['id']}/").status_code == 409
    personal = c["alice"].get("/api/v1/auth/me/").json()["personal_workspace"]
    assert c["alice"].delete(f"/api/v1/workspaces/{personal}/").status_code == 409
    assert c["alice"].delete(f"/api/v1/workspaces/{personal}/members/{alice_id}/").status_code == 409


def test_commands_take_owner_and_workspace(team, tmp_path):
    src = SAMPLES_DIR / "coco"
    out = io.StringIO()
    call_command("import_coco", str(src / "test_coco.json"), images=str(src), dataset="from cli", owner="alice",
                 workspace=str(team["ws"]["id"]), stdout=out, stderr=io.StringIO())
    created = json.loads(out.getvalue())
    from datasets.models import Dataset

    assert Dataset.objects.get(pk=created["dataset"]).workspace_id == team["ws"]["id"]
    call_command("export_dataset", "from cli", workspace="Lab", format="coco", out=str(tmp_path / "x.json"),
                 stdout=io.StringIO())
    assert len(json.loads((tmp_path / "x.json").read_text())["images"]) == 4
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="mallory belongs to"):
        call_command("export_dataset", "from cli", owner="mallory", workspace="Lab", format="coco",
                     out=str(tmp_path / "y.json"), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_existing_datasets_and_sessions_move_into_their_owners_personal_workspace():
    """An install from before workspaces: migrating keeps every user's data theirs."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("accounts", None), ("datasets", "0001_initial"), ("training", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before[1:]).apps
    User = old.get_model("auth", "User")
    alice = User.objects.create(username="old-alice")
    old.get_model("datasets", "Dataset").objects.create(owner=alice, name="legacy")
    old.get_model("training", "TrainingSession").objects.create(owner=alice, algorithm="yolo11n-pose")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from accounts.models import Membership
    from datasets.models import Dataset
    from training.models import TrainingSession

    ds = Dataset.objects.get(name="legacy")
    assert ds.workspace.personal and ds.workspace.created_by_id == alice.pk and ds.created_by_id == alice.pk
    assert TrainingSession.objects.get().workspace_id == ds.workspace_id
    assert Membership.objects.get(workspace=ds.workspace).role == "admin"
    client = APIClient()
    client.force_authenticate(ds.created_by)
    assert [d["name"] for d in client.get("/api/v1/datasets/").json()["results"]] == ["legacy"]


def test_a_person_without_an_account_signs_up_from_an_invite_link_and_lands_back_on_it(api, client):
    from accounts.models import Membership

    ws = api.post("/api/v1/workspaces/", {"name": "Lab"}, format="json").json()
    invite = api.post(f"/api/v1/workspaces/{ws['id']}/invitations/", {"role": "trainer"}, format="json").json()
    page = f"/accounts/invite/{invite['key']}/"
    signup = client.get(f"/accounts/signup/?next={page}")
    assert f'name="next" value="{page}"'.encode() in signup.content
    done = client.post("/accounts/signup/", {"username": "newbie", "password1": "a-long-pass-42",
                                             "password2": "a-long-pass-42", "next": page})
    assert done.status_code == 302 and done["Location"] == page
    assert client.post(page).status_code == 302
    assert Membership.objects.get(workspace_id=ws["id"], user__username="newbie").role == "trainer"
    evil = client.post("/accounts/signup/", {"username": "other", "password1": "a-long-pass-42",
                                             "password2": "a-long-pass-42", "next": "https://evil.example/"})
    assert evil["Location"] == "/"
