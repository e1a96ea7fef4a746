"""No 500 from input: every error under /api/ is JSON {"error", "message"}; JSON nested 1,000 deep is a 400 on
every JSON endpoint (the login-free token endpoint included); a zip without images is a 400 naming the field;
an empty PATCH body is accepted on every PATCH route."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from core.jsondepth import json_depth
from tests.conftest import jpeg_bytes, upload

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000


def assert_json_error(response, status):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    return body


# ---------------------------------------------------------------- JSON depth
@pytest.mark.parametrize("text, depth", [
    ("1", 0), ('"[[["', 0), ("[]", 1), ('[{"a": [1, "]]]"]}]', 3), ('{"k\\"[": {"x": []}}', 3), (DEEP, 1000),
    ("]]]]", 0),
])
def test_json_depth_counts_open_brackets_outside_strings(text, depth):
    assert json_depth(text) == depth


def test_json_nested_1000_deep_is_a_400_on_the_login_free_token_endpoint():
    body = assert_json_error(APIClient().post("/api/v1/auth/token/", DEEP, content_type="application/json"), 400)
    assert body["error"] == "parse_error" and "1000 levels deep" in body["message"]
    wrapped = '{"username": ' + DEEP + ', "password": "x"}'
    assert_json_error(APIClient().post("/api/v1/auth/token/", wrapped, content_type="application/json"), 400)


def test_json_nested_1000_deep_is_a_400_on_every_json_write(api, dataset, jpeg):
    image = upload(api, dataset["id"], [("a.jpg", jpeg(seed=1))]).json()["created"][0]
    ws = api.get("/api/v1/auth/me/").json()["personal_workspace"]
    for method, url in [("post", "/api/v1/datasets/"), ("patch", f"/api/v1/datasets/{dataset['id']}/"),
                        ("put", f"/api/v1/images/{image['id']}/annotations/"), ("patch", f"/api/v1/workspaces/{ws}/"),
                        ("post", f"/api/v1/datasets/{dataset['id']}/classes/"), ("post", "/api/v1/auth/tokens/"),
                        ("post", "/api/v1/training-sessions/"), ("post", "/api/v1/invitations/accept/")]:
        body = assert_json_error(getattr(api, method)(url, DEEP, content_type="application/json"), 400)
        assert body["error"] == "parse_error", (url, body)
    # A document nested as deeply as real data (an annotation is 4 levels) still goes through.
    ok = api.put(f"/api/v1/images/{image['id']}/annotations/", {"version": 0, "instances": []}, format="json")
    assert ok.status_code == 200, ok.content


def test_bad_json_text_and_encoding_are_parse_errors(api):
    for raw in (b'{"name": ', b"\xff\xfe\x00", b'{"name": NaN}'):
        body = assert_json_error(api.post("/api/v1/datasets/", raw, content_type="application/json"), 400)
        assert body["error"] == "parse_error"


# ---------------------------------------------------------------- every /api/ error is JSON
def test_unknown_api_paths_answer_json_404_and_pages_keep_html(api):
    body = assert_json_error(api.get("/api/v1/no-such-thing/"), 404)
    assert body["error"] == "not_found" and "/api/v1/no-such-thing/" in body["message"]
    assert_json_error(APIClient().get("/api/nothing"), 404)
    assert_json_error(api.get("/api/v1/datasets/999999/"), 404)
    page = APIClient().get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_wrong_method_and_missing_credentials_answer_json(api):
    body = assert_json_error(api.delete("/api/v1/auth/me/"), 405)
    assert body["error"] == "method_not_allowed"
    assert_json_error(APIClient().get("/api/v1/datasets/"), 401)
    assert_json_error(APIClient().get("/api/v1/auth/token/"), 405)


def test_an_uncaught_exception_is_a_json_500_and_is_logged(settings, caplog):
    settings.ROOT_URLCONF = "tests.fault_urls"
    client = APIClient(raise_request_exception=False)
    body = assert_json_error(client.get("/api/v1/test-boom/"), 500)
    assert body == {"error": "server_error", "message": "the server failed on this request; it has been logged"}
    assert "a bug" not in json.dumps(body)  # no internals shown
    assert any("ZeroDivisionError" in (r.exc_text or str(r.exc_info)) for r in caplog.records)
    page = client.get("/test-boom/")  # pages keep Django's own 500 page
    assert page.status_code == 500 and not page["Content-Type"].startswith("application/json")


def test_a_recursion_error_anywhere_under_api_is_a_json_400(settings):
    settings.ROOT_URLCONF = "tests.fault_urls"
    client = APIClient(raise_request_exception=False)
    for url in ("/api/v1/test-deep/", "/api/v1/test-deep-plain/"):  # a DRF view, a plain Django view
        body = assert_json_error(client.get(url), 400)
        assert body == {"error": "too_deep", "message": "the input is nested too deeply"}


# ---------------------------------------------------------------- zips without images
def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("entries, words", [
    ({}, "empty"),
    ({"notes.txt": b"hello " * 100, "labels/a.txt": b"0 0.5 0.5 0.1 0.1"}, "notes.txt"),
    ({"inner.zip": _zip({"a.jpg": jpeg_bytes(seed=5)})}, "zips inside a zip"),
])
def test_an_upload_zip_without_images_is_a_400_naming_the_field(api, dataset, entries, words):
    r = api.post(f"/api/v1/datasets/{dataset['id']}/images/",
                 {"files": [SimpleUploadedFile("batch.zip", _zip(entries))]}, format="multipart")
    body = assert_json_error(r, 400)
    assert body["error"] == "no_images" and body["field"] == "files"
    assert body["message"].startswith("batch.zip: ") and words in body["message"]
    assert api.get(f"/api/v1/datasets/{dataset['id']}/images/").json()["count"] == 0


@pytest.mark.parametrize("kind", ["coco", "yolo"])
@pytest.mark.parametrize("entries", [{}, {"notes.txt": b"hello"}, {"inner.zip": _zip({"a.jpg": jpeg_bytes(seed=6)})}])
def test_an_import_zip_without_images_or_labels_is_a_400(api, dataset, kind, entries):
    r = api.post(f"/api/v1/datasets/{dataset['id']}/import-{kind}/",
                 {"file": SimpleUploadedFile("x.zip", _zip(entries))}, format="multipart")
    assert_json_error(r, 400)
    assert api.get(f"/api/v1/datasets/{dataset['id']}/images/").json()["count"] == 0


# ---------------------------------------------------------------- empty PATCH bodies
def test_an_empty_patch_body_is_accepted_on_every_patch_route(api, dataset, user, jpeg, make_user):
    from accounts.models import Membership
    from training.models import TrainingSession

    image = upload(api, dataset["id"], [("a.jpg", jpeg(seed=2))]).json()["created"][0]
    cls = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {"name": "p", "keypoints": [{"name": "a"}]},
                   format="json").json()
    ws = api.post("/api/v1/workspaces/", {"name": "Lab"}, format="json").json()
    bob = make_user("bob")
    Membership.objects.create(workspace_id=ws["id"], user=bob, role="labeller")
    session = TrainingSession.objects.create(workspace_id=dataset["workspace"], dataset_id=dataset["id"],
                                             algorithm="yolo11n-pose", status="completed", name="run 1")
    routes = [f"/api/v1/workspaces/{ws['id']}/", f"/api/v1/workspaces/{ws['id']}/members/{bob.pk}/",
              f"/api/v1/datasets/{dataset['id']}/", f"/api/v1/images/{image['id']}/",
              f"/api/v1/classes/{cls['id']}/", f"/api/v1/training-sessions/{session.pk}/"]
    from deploy.models import Deployment

    deployment = Deployment.objects.create(workspace_id=dataset["workspace"], name="people", kind="sapiens2",
                                           model_size="0.4b")
    routes.append(f"/api/v1/deployments/{deployment.pk}/")
    from tests.test_authz_matrix import walk

    patchable = {r for r, cb in walk() if "patch" in getattr(getattr(cb, "cls", None), "http_method_names", [])
                 and hasattr(getattr(cb, "cls", None), "patch") and r.startswith("api/")}
    assert len(patchable) == len(routes), patchable  # a new PATCH route must be added here
    for url in routes:
        before = api.get(url).json() if "members" not in url else None
        for empty in ({}, None):
            r = (api.patch(url, {}, format="json") if empty == {} else api.patch(url))
            assert r.status_code == 200, (url, r.status_code, r.content[:300])
        if before is not None:
            after = api.get(url).json()
            assert {k: v for k, v in after.items() if k != "neighbours"} == \
                   {k: v for k, v in before.items() if k != "neighbours"}, url
    assert Membership.objects.get(workspace_id=ws["id"], user=bob).role == "labeller"
