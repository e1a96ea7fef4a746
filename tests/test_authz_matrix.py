"""The authorisation matrix, generated from the URL conf: every route and method × every principal
(anonymous, a wrong deployment key, a member of another workspace, viewer, labeller, trainer, admin) on real
objects of a team workspace, each cell checked against the one table in tests/authz_table.py."""
from __future__ import annotations

import re
from itertools import count

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from config import storage

from . import authz_table as table
from .conftest import jpeg_bytes

METHODS = ("get", "post", "put", "patch", "delete")
seq = count(1)


def walk(patterns=None, prefix=""):
    """(route, callback) for every URL pattern, includes followed."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def api_methods(callback) -> list[str] | None:
    """The methods a DRF/class-based view answers, or None for a function view (the table lists its methods)."""
    cls = getattr(callback, "cls", None)
    if cls is None:
        return None
    return [m.upper() for m in METHODS if m in cls.http_method_names and hasattr(cls, m)]


def rules_for(route: str) -> dict[str, table.Rule] | None:
    if route.startswith(table.ADMIN_PREFIX):
        rule = table.ADMIN_EXCEPTIONS.get(route, table.ADMIN)
        return {"GET": rule}
    return table.ROWS.get(route)


def fill(route: str, values: dict) -> str:
    if route.startswith(table.ADMIN_PREFIX):
        for marker, path in table.ADMIN_PATHS.items():
            if marker in route:
                return "/" + path
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


# ---------------------------------------------------------------- the world
def build_world(make_user):
    """A team workspace (alice admin, tina trainer, bob labeller, carol viewer) with a dataset of two images
    (one labelled), a class, a completed training session with weights and an evaluation picture, and an
    open invitation; mallory is admin of her own workspace only."""
    from accounts import services as accounts
    from accounts.models import Membership
    from datasets import services as data
    from datasets.annotations import annotation_write
    from training.models import EpochMetric, LogLine, TrainingSession

    users = {role: make_user(name) for role, name in (("admin", "alice"), ("trainer", "tina"), ("labeller", "bob"),
                                                      ("viewer", "carol"), ("outsider", "mallory"))}
    ws = accounts.workspace_create(user=users["admin"], name="Lab")
    for role in ("trainer", "labeller", "viewer"):
        Membership.objects.create(workspace=ws, user=users[role], role=role)
    other = accounts.workspace_create(user=users["admin"], name="Elsewhere")  # a target for moves
    ds = data.dataset_create(workspace=ws, user=users["admin"], name="people")
    images = [data.image_add(dataset=ds, name=f"{i}.jpg", data=jpeg_bytes(seed=i))[0] for i in (1, 2)]
    cls = data.class_create(dataset=ds, name="p", keypoints=[{"name": "a"}])
    annotation_write(image=images[0], version=0, user=users["admin"],
                     instances=[{"class": cls.pk, "bbox": [1, 1, 10, 10], "keypoints": [[2, 2, 2]]}])
    session = TrainingSession.objects.create(
        workspace=ws, dataset=ds, algorithm="yolo11n-pose", status="completed", evaluation_status="running",
        best_weights="training/0/weights/best.pt",
        evaluation={"examples": [{"file": "example_0.jpg", "source": "1.jpg", "ground_truth": 1, "predicted": 1,
                                  "matched": 1}]})
    storage.save_replace(f"training/{session.pk}/weights/best.pt", b"weights")
    storage.save_replace(f"training/{session.pk}/evaluation/example_0.jpg", jpeg_bytes(seed=9))
    storage.save_replace(f"training/{session.pk}/coco/predictions.json", b"[]")  # issue 12: COCO downloads
    EpochMetric.objects.create(session=session, epoch=1, metrics={})
    LogLine.objects.create(session=session, text="epoch 1")
    invitation, key = accounts.invitation_create(workspace=ws, role="viewer", created_by=users["admin"])
    from datasets.models import Job

    job = Job.objects.create(workspace=ws, dataset=ds, created_by=users["admin"], kind="export", format="coco",
                             status="done", output_file=storage.save_replace("jobs/0/people_coco.json", b"{}"))
    # issue 11: a private deployment serving one ready version (its files are never read: no call gets that far)
    from deploy.models import Deployment, DeploymentVersion

    deployment = Deployment.objects.create(workspace=ws, name="served", kind="custom", engine="torch",
                                           created_by=users["admin"])
    DeploymentVersion.objects.create(deployment=deployment, number=1, weights="deployments/0/v1/model.pt",
                                     status="ready", engine_used="torch", active=True,
                                     classes=[{"name": "p", "keypoints": ["a"]}])
    return {"users": users, "ws": ws, "other": other, "dataset": ds, "image": images[0], "class": cls,
            "session": session, "invitation": invitation, "key": key, "job": job, "deployment": deployment}


def fresh(world, name: str, principal: str) -> dict:
    """A new object for one call of a destructive method; returns the route values it fills."""
    from accounts import services as accounts
    from accounts.models import Membership
    from accounts.tokens import token_create
    from datasets import services as data
    from training.models import TrainingSession

    users, ws, n = world["users"], world["ws"], next(seq)
    if name == "dataset":
        return {"pk": data.dataset_create(workspace=ws, user=users["admin"], name=f"scratch {n}").pk}
    if name == "image":
        return {"pk": data.image_add(dataset=world["dataset"], name=f"x{n}.jpg", data=jpeg_bytes(seed=1000 + n))[0].pk}
    if name == "class":
        return {"pk": data.class_create(dataset=world["dataset"], name=f"c{n}").pk}
    if name == "session":
        return {"pk": TrainingSession.objects.create(workspace=ws, algorithm="yolo11n-pose", status="failed").pk}
    if name == "job":  # a queued import, to cancel
        from datasets.models import Job

        return {"pk": Job.objects.create(workspace=ws, dataset=world["dataset"], created_by=users["admin"],
                                         kind="import", format="coco").pk}
    if name == "empty_team":  # the same people with the same roles, and nothing in it
        team = accounts.workspace_create(user=users["admin"], name=f"empty {n}")
        for role in ("trainer", "labeller", "viewer"):
            Membership.objects.create(workspace=team, user=users[role], role=role)
        return {"pk": team.pk}
    if name == "extra_member":
        from django.contrib.auth import get_user_model

        extra = get_user_model().objects.create_user(f"extra{n}", password="x-long-pass-1")
        Membership.objects.create(workspace=ws, user=extra, role="viewer")
        return {"user_id": extra.pk}
    if name == "own_token":
        user = users.get(principal)
        return {"token_id": token_create(user=user, name="doomed", days=1)[0].pk if user else 1}
    if name == "foreign_invitation":  # joining a workspace that is not the team's leaves every role as it is
        host = accounts.workspace_create(user=users["admin"], name=f"host {n}")
        return {"key": accounts.invitation_create(workspace=host, role="viewer", created_by=users["admin"])[1]}
    if name == "deployment":  # issue 11
        from deploy.models import Deployment

        return {"pk": Deployment.objects.create(workspace=ws, name=f"doomed {n}", kind="custom").pk}
    if name == "deployment_key":  # issue 11
        from deploy.services import api_key_create

        return {"pk": world["deployment"].pk,
                "key_id": api_key_create(deployment=world["deployment"], user=users["admin"])[0].pk}
    raise KeyError(name)


def body_for(world, name, values: dict):
    """(data, format) of a request body named in the table."""
    n = next(seq)
    users = world["users"]
    if not isinstance(name, str):
        return name, "json"
    if name == "upload":
        return {"files": [SimpleUploadedFile(f"u{n}.jpg", jpeg_bytes(seed=5000 + n))]}, "multipart"
    if name == "bad_zip":
        return {"file": SimpleUploadedFile("x.zip", b"not a zip")}, "multipart"
    if name == "new_dataset":
        return {"name": f"made {n}"}, "json"
    if name == "new_class":
        return {"name": f"class {n}"}, "json"
    if name == "move":
        return {"workspace": world["other"].pk}, "json"
    if name == "split":
        return {"users": [users["labeller"].pk]}, "json"
    if name == "reassign":
        return {"from_user": users["labeller"].pk, "to_user": None}, "json"
    if name == "train":
        return {"dataset": world["dataset"].pk, "algorithm": "yolo11n-pose", "class_ids": [world["class"].pk]}, "json"
    if name == "switch":
        return {"workspace": world["ws"].pk, "next": "/"}, "form"
    if name == "deploy":  # issue 11
        return {"name": f"d{n}", "kind": "custom", "training_session": world["session"].pk}, "json"
    if name == "redeploy":  # issue 11
        return {"training_session": world["session"].pk}, "json"
    if name == "accept_foreign":
        return {"key": fresh(world, "foreign_invitation", "")["key"]}, "json"
    raise KeyError(name)


def client_for(world, principal: str, api: bool, tokens: dict):
    from accounts.tokens import token_create

    if principal in ("anonymous", "wrong_key"):
        client = APIClient() if api else Client()
        if principal == "wrong_key":  # a deployment key sent where none is valid
            client.defaults["HTTP_AUTHORIZATION"] = "Bearer pdk_wrong-deployment-key"
        return client
    user = world["users"][principal]
    if api:
        if principal not in tokens:
            tokens[principal] = token_create(user=user, name="matrix", days=1)[1]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[principal]}")
        return client
    client = Client()
    client.force_login(user)
    return client


def call(client, method: str, url: str, data, fmt: str):
    fn = getattr(client, method.lower())
    if data is None:
        return fn(url)
    if isinstance(client, APIClient):
        return fn(url, data, format=fmt)
    if fmt == "json":
        return fn(url, data, content_type="application/json")
    return fn(url, data)


@pytest.mark.django_db
def test_every_route_and_method_answers_each_principal_as_the_table_says(make_user, capsys, settings):
    settings.API_TOKEN_LOGIN_LIMIT = 1000  # the token route is called by every principal
    world = build_world(make_user)
    base = {"pk": None, "image_id": world["image"].pk, "class_id": world["class"].pk, "key": world["key"],
            "user_id": world["users"]["viewer"].pk, "invitation_id": world["invitation"].pk, "token_id": 0,
            "kind": "best", "file": "predictions", "index": 0, "content_type_id": 1, "object_id": 1, "id": 1,
            "number": 1, "slug": world["deployment"].slug}  # issue 11
    pks = {"ws": world["ws"].pk, "dataset": world["dataset"].pk, "image": world["image"].pk,
           "class": world["class"].pk, "session": world["session"].pk, "job": world["job"].pk,
           "deployment": world["deployment"].pk}  # issue 11
    missing, wrong, tokens = [], [], {}
    routes = cells = admin_routes = admin_cells = 0
    for route, callback in walk():
        rules = rules_for(route)
        if rules is None:
            missing.append(f"{route}: no row")
            continue
        methods = api_methods(callback)
        if methods is not None and not route.startswith(table.ADMIN_PREFIX):
            missing += [f"{route} {m}: no rule" for m in methods if m not in rules]
        routes += 1
        admin_routes += route.startswith(table.ADMIN_PREFIX)
        api = route.startswith("api/v1/")
        for method, rule in rules.items():
            for principal in table.PRINCIPALS:
                values = {**base, "pk": pks.get(rule.pk)}
                if rule.fresh:
                    values.update(fresh(world, rule.fresh, principal))
                url = fill(route, values) + rule.query
                if rule.kind == "list":
                    url += ("&" if "?" in url else "?") + f"workspace={world['ws'].pk}"
                data, fmt = body_for(world, rule.body, values) if rule.body is not None else (None, "json")
                got = call(client_for(world, principal, api, tokens), method, url, data, fmt).status_code
                want = table.expected(rule, principal, api)
                cells += 1
                admin_cells += route.startswith(table.ADMIN_PREFIX)
                if got != want:
                    wrong.append(f"{method} {url} as {principal}: {got}, expected {want}")
    with capsys.disabled():
        print(f"\nauthorisation matrix: {routes} routes ({routes - admin_routes} API and pages, {admin_routes} Django "
              f"admin), {cells} cells = route x method x {len(table.PRINCIPALS)} principals "
              f"({cells - admin_cells} outside the admin), {len(wrong)} wrong, {len(missing)} without a row")
    assert not missing, "routes without a decision in tests/authz_table.py:\n" + "\n".join(missing)
    assert not wrong, "\n".join(wrong)


def test_a_route_without_a_row_fails_the_matrix(monkeypatch):
    """The guard itself: a route the table does not know is reported, not skipped."""
    monkeypatch.delitem(table.ROWS, "api/v1/auth/me/")
    assert rules_for("api/v1/auth/me/") is None
    unknown = [route for route, _ in walk() if rules_for(route) is None]
    assert unknown == ["api/v1/auth/me/"]
