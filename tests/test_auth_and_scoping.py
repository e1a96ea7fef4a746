"""Log-in, tokens, CSRF, the OpenAPI schema, and owner scoping of every endpoint."""
import pytest
from django.test import Client
from rest_framework.test import APIClient

from .conftest import jpeg_bytes, upload


def test_token_endpoint_gives_a_token_that_authenticates(user):
    client = APIClient()
    r = client.post("/api/v1/auth/token/", {"username": "alice", "password": "s3cret-pass-1"}, format="json")
    assert r.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {r.json()['token']}")
    assert client.get("/api/v1/auth/me/").json()["username"] == "alice"
    bad = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    assert bad.status_code == 400 and "error" in bad.json()


def test_anonymous_requests_are_refused(db):
    assert APIClient().get("/api/v1/datasets/").status_code in (401, 403)
    page = Client().get("/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


def test_session_writes_need_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="alice", password="s3cret-pass-1")
    r = client.post("/api/v1/datasets/", {"name": "x"}, content_type="application/json")
    assert r.status_code == 403
    client.get("/")  # the page sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    r = client.post("/api/v1/datasets/", {"name": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 201


def test_signup_page_creates_a_user_and_logs_in(db):
    client = Client()
    r = client.post("/accounts/signup/", {"username": "newbie", "password1": "a-long-pass-42", "password2": "a-long-pass-42"})
    assert r.status_code == 302
    assert client.get("/").status_code == 200


def test_schema_and_swagger_are_served(api):
    r = api.get("/api/schema/")
    assert r.status_code == 200
    text = r.content.decode()
    for path in ("/api/v1/datasets/{id}/images/", "/api/v1/images/{id}/annotations/", "/api/v1/datasets/{id}/classes/",
                 "/api/v1/datasets/{id}/export/", "/api/v1/auth/token/"):
        assert path in text, path
    assert api.get("/api/docs/").status_code == 200


@pytest.fixture
def owned(api, dataset):
    """One of each object, owned by alice."""
    cls = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {"name": "p", "keypoints": [{"name": "a"}]},
                   format="json").json()
    image = upload(api, dataset["id"], [("a.jpg", jpeg_bytes(seed=1))]).json()["created"][0]
    from django.core.files.uploadedfile import SimpleUploadedFile

    job = api.post(f"/api/v1/datasets/{dataset['id']}/imports/", {"file": SimpleUploadedFile("x.zip", b"PK")},
                   format="multipart").json()
    return {"dataset": dataset["id"], "class": cls["id"], "image": image["id"], "job": job["id"]}


OTHER_USER_CALLS = [
    ("get", "/api/v1/datasets/{dataset}/", None),
    ("patch", "/api/v1/datasets/{dataset}/", {"name": "stolen"}),
    ("delete", "/api/v1/datasets/{dataset}/", None),
    ("get", "/api/v1/datasets/{dataset}/progress/", None),
    ("get", "/api/v1/datasets/{dataset}/images/", None),
    ("post", "/api/v1/datasets/{dataset}/images/", "upload"),
    ("get", "/api/v1/datasets/{dataset}/classes/", None),
    ("post", "/api/v1/datasets/{dataset}/classes/", {"name": "q"}),
    ("get", "/api/v1/datasets/{dataset}/export/?format=coco", None),
    ("get", "/api/v1/datasets/{dataset}/export/?format=yolo", None),
    ("post", "/api/v1/datasets/{dataset}/import-coco/", "upload"),
    ("post", "/api/v1/datasets/{dataset}/import-yolo/", "upload"),
    ("post", "/api/v1/datasets/{dataset}/imports/", "upload"),
    ("post", "/api/v1/datasets/{dataset}/exports/", {"format": "coco"}),
    ("get", "/api/v1/datasets/{dataset}/jobs/", None),
    ("get", "/api/v1/jobs/{job}/", None),
    ("post", "/api/v1/jobs/{job}/cancel/", None),
    ("get", "/api/v1/jobs/{job}/download", None),
    ("get", "/api/v1/images/{image}/", None),
    ("patch", "/api/v1/images/{image}/", {"split": "val"}),
    ("delete", "/api/v1/images/{image}/", None),
    ("get", "/api/v1/images/{image}/file", None),
    ("get", "/api/v1/images/{image}/thumbnail", None),
    ("get", "/api/v1/images/{image}/display", None),
    ("get", "/api/v1/images/{image}/annotations/", None),
    ("put", "/api/v1/images/{image}/annotations/", {"version": 0, "instances": []}),
    ("post", "/api/v1/datasets/{dataset}/move/", {"workspace": 1}),
    ("get", "/api/v1/datasets/{dataset}/assignments/", None),
    ("post", "/api/v1/datasets/{dataset}/assignments/split/", {"users": [1]}),
    ("post", "/api/v1/datasets/{dataset}/assignments/reassign/", {"from_user": None, "to_user": None}),
    ("post", "/api/v1/datasets/{dataset}/assignments/clear/", {"users": [1]}),
    ("get", "/api/v1/classes/{class}/", None),
    ("patch", "/api/v1/classes/{class}/", {"name": "stolen"}),
    ("delete", "/api/v1/classes/{class}/", None),
]


@pytest.mark.parametrize("method,url,payload", OTHER_USER_CALLS)
def test_another_user_gets_404_and_changes_nothing(api, other_api, owned, method, url, payload):
    url = url.format(**owned)
    if payload == "upload":
        from django.core.files.uploadedfile import SimpleUploadedFile

        r = getattr(other_api, method)(url, {"files": [SimpleUploadedFile("x.jpg", jpeg_bytes(seed=9))],
                                             "file": SimpleUploadedFile("x.zip", b"PK")}, format="multipart")
    else:
        r = getattr(other_api, method)(url, payload, format="json") if payload else getattr(other_api, method)(url)
    assert r.status_code == 404, (url, r.status_code)
    assert api.get(f"/api/v1/datasets/{owned['dataset']}/").json()["name"] == "people"
    assert api.get(f"/api/v1/classes/{owned['class']}/").json()["name"] == "p"
    assert api.get(f"/api/v1/datasets/{owned['dataset']}/progress/").json()["total"] == 1


def test_every_object_route_of_the_foundation_is_covered_by_the_scoping_test():
    tested = {u.split("?")[0] for _, u, _ in OTHER_USER_CALLS}
    from datasets.urls import urlpatterns as d
    from labeling.urls import urlpatterns as lab

    for p in [*d, *lab]:
        route = "/api/v1/" + str(p.pattern).replace("<int:pk>", "{x}")
        if "{x}" not in route:
            continue
        assert any(t.replace("{dataset}", "{x}").replace("{image}", "{x}").replace("{class}", "{x}")
                   .replace("{job}", "{x}") == route for t in tested), route


def test_other_users_lists_are_empty(api, other_api, owned):
    assert other_api.get("/api/v1/datasets/").json()["count"] == 0
    assert api.get("/api/v1/datasets/").json()["count"] == 1


def test_openapi_schema_is_valid_and_complete_without_warnings(db, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/images/{id}/annotations/" in out.read_text()
