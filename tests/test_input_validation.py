"""Input a hostile new user sends gets a 400 naming the field, never a 500 or a silently ignored value:
whole numbers beyond 64 bits (bodies and query strings), paths without the trailing slash under /api/, empty
numbers in detect forms, booleans in numeric lists, ignored filters, out-of-range paging, unknown users,
oversized keypoint templates. Fast API tests; no model is trained."""
from __future__ import annotations

import pytest
from django.test import RequestFactory
from rest_framework.request import Request

from accounts.selectors import personal_workspace
from config.params import MAX_ID, parse_int, query_int
from core.errors import InvalidInput
from deploy.models import Deployment
from tests.conftest import upload

pytestmark = pytest.mark.django_db

HUGE = 2**63  # one past the largest 64-bit signed integer: SQLite raised OverflowError on it


def assert_invalid(response, field, status=400):
    assert response.status_code == status, (response.status_code, response.content[:400])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["error"] in ("invalid", "not_found"), body
    assert body.get("field") == field, body
    assert body["message"], body
    return body


# ---------------------------------------------------------------- 1. integers beyond 64 bits
@pytest.mark.parametrize("raw", ["9223372036854775808", "-9223372036854775809", "1" * 40, "²", "1.5", "1e3", " ", "0x10"])
def test_parse_int_refuses_what_is_not_a_64_bit_whole_number(raw):
    with pytest.raises(InvalidInput) as caught:
        parse_int(raw, "n")
    assert caught.value.field == "n"


def test_parse_int_bounds_and_clamp():
    assert parse_int(str(MAX_ID), "n") == MAX_ID and parse_int("-7", "n") == -7 and parse_int(" 12 ", "n") == 12
    assert parse_int("5000", "n", low=1, high=2000, clamp=True) == 2000
    with pytest.raises(InvalidInput):
        parse_int("0", "n", low=1)
    request = Request(RequestFactory().get("/x", {"a": "", "b": "3"}))
    assert query_int(request, "a", 7) == 7 and query_int(request, "b") == 3 and query_int(request, "c") is None


@pytest.fixture
def deployment(user):
    return Deployment.objects.create(workspace=personal_workspace(user), name="people", kind="sapiens2",
                                     model_size="0.4b")


@pytest.mark.parametrize("field, value", [("monthly_quota", HUGE), ("burst_per_minute", HUGE),
                                          ("monthly_quota", 2**31), ("burst_per_minute", 1_000_001),
                                          ("monthly_quota", -1)])
def test_deployment_integer_settings_are_bounded(api, deployment, field, value):
    assert_invalid(api.patch(f"/api/v1/deployments/{deployment.pk}/", {field: value}, format="json"), field)
    assert_invalid(api.post("/api/v1/deployments/", {"name": "x", "kind": "sapiens2", "model_size": "0.4b",
                                                     field: value}, format="json"), field)
    deployment.refresh_from_db()
    assert deployment.monthly_quota is None and deployment.burst_per_minute is None
    ok = api.patch(f"/api/v1/deployments/{deployment.pk}/", {"monthly_quota": 2**31 - 1,
                                                             "burst_per_minute": 1_000_000}, format="json")
    assert ok.status_code == 200, ok.content


def test_huge_integers_in_query_strings_are_a_400_naming_the_parameter(api, dataset, deployment):
    ds = dataset["id"]
    for url, field in [(f"/api/v1/datasets/{ds}/images/?assignee={HUGE}", "assignee"),
                       (f"/api/v1/datasets/{ds}/review/next/?after={HUGE}", "after"),
                       (f"/api/v1/datasets/{ds}/review/next/?after=abc", "after"),
                       (f"/api/v1/datasets/?workspace={HUGE}", "workspace"),
                       ("/api/v1/datasets/?workspace=%C2%B2", "workspace"),
                       (f"/api/v1/training-sessions/?dataset={HUGE}", "dataset"),
                       (f"/api/v1/datasets/{ds}/training-check/?class_ids=1,{HUGE}", "class_ids"),
                       (f"/api/v1/datasets/{ds}/export/?format=coco&classes={HUGE}", "classes"),
                       (f"/api/v1/deployments/{deployment.pk}/usage/?days={HUGE}", "days")]:
        assert_invalid(api.get(url), field)


def test_an_overflow_anywhere_else_is_a_400_not_a_500(api):
    # The safety net in config.errors: any OverflowError reaching the handler is the client's number.
    from config.errors import exception_handler

    answer = exception_handler(OverflowError("Python int too large to convert to SQLite INTEGER"), {})
    assert answer.status_code == 400 and answer.data["error"] == "invalid"


def test_huge_ids_in_paths_are_not_found(api, user):
    for url in (f"/api/v1/datasets/{HUGE}/", f"/api/v1/deployments/{HUGE}/", f"/api/v1/images/{HUGE}/annotations/",
                f"/api/v1/training-sessions/{HUGE}/", f"/api/v1/workspaces/{HUGE}/",
                f"/api/v1/autolabel-jobs/{HUGE}/"):
        answer = api.get(url)
        assert answer.status_code == 404, (url, answer.status_code, answer.content[:200])
        assert answer.json()["error"] == "not_found"
    from django.test import Client

    pages = Client()
    pages.force_login(user)
    for url in (f"/datasets/{HUGE}/", f"/datasets/?workspace={HUGE}"):
        assert pages.get(url).status_code == 404, url


# ---------------------------------------------------------------- 2. trailing slashes under /api/
def test_an_api_path_without_its_slash_is_a_json_404_not_a_redirect(api, dataset, jpeg):
    image = upload(api, dataset["id"], [("a.jpg", jpeg(seed=1))]).json()["created"][0]
    before = api.get("/api/v1/datasets/").json()["count"]
    for method, path in [("get", "/api/v1/datasets"), ("post", "/api/v1/datasets"),
                         ("post", f"/api/v1/images/{image['id']}/annotations"),
                         ("patch", f"/api/v1/datasets/{dataset['id']}")]:
        answer = getattr(api, method)(path, {"name": "x"}, format="json")
        assert answer.status_code == 404, (path, answer.status_code)
        body = answer.json()
        assert body["error"] == "not_found" and body["message"].endswith(f"API routes end with a slash: {path}/"), body
    assert api.get("/api/v1/datasets/").json()["count"] == before  # the POST created nothing
    # An unknown path keeps the plain message; pages keep Django's redirect.
    assert "end with a slash" not in api.get("/api/v1/no-such-thing").json()["message"]
    assert api.get("/accounts/login").status_code == 301


def test_detect_answers_with_and_without_the_trailing_slash(api, deployment):
    deployment.public = True
    deployment.save()
    for path in (f"/d/{deployment.slug}/detect", f"/d/{deployment.slug}/detect/",
                 f"/api/v1/deployments/{deployment.pk}/detect", f"/api/v1/deployments/{deployment.pk}/detect/"):
        answer = api.post(path, {}, format="multipart")  # no image: the endpoint's own 400, not a 404
        assert answer.status_code == 400, (path, answer.status_code, answer.content[:200])
        assert answer.json()["field"] == "image", answer.json()


# ---------------------------------------------------------------- 3. empty numbers in the detect form
@pytest.mark.parametrize("field", ["conf_thres", "iou_thres", "kpt_thres"])
@pytest.mark.parametrize("value", ["", " ", "nan", "inf", "abc"])
def test_detect_thresholds_sent_empty_or_not_a_number_are_a_400(api, deployment, jpeg, field, value):
    from django.core.files.uploadedfile import SimpleUploadedFile

    image = SimpleUploadedFile("a.jpg", jpeg(seed=1), content_type="image/jpeg")
    answer = api.post(f"/api/v1/deployments/{deployment.pk}/detect/", {"image": image, field: value},
                      format="multipart")
    assert_invalid(answer, field)


# ---------------------------------------------------------------- 4. booleans are not numbers
def _class(name="p", **extra):
    return {"name": name, "keypoints": [{"name": "a"}, {"name": "b"}, {"name": "c"}], **extra}


@pytest.mark.parametrize("body, field", [
    (_class(sigmas=[0.1, 0.1, True]), "sigmas[2]"),
    (_class(sigmas=[0.1, "nan", 0.1]), "sigmas[1]"),
    ({"name": "p", "keypoints": [{"name": "a", "x": True}]}, "keypoints[0].x"),
    ({"name": "p", "keypoints": [{"name": "a"}, {"name": "b", "y": False}]}, "keypoints[1].y"),
    (_class(flip_pairs=[[0, True]]), "flip_pairs[0][1]"),
    (_class(connections=[{"a": 0, "b": True}]), "connections[0].b"),
    (_class(color=True), "color"),
])
def test_booleans_in_template_numbers_are_refused_naming_the_item(api, dataset, body, field):
    url = f"/api/v1/datasets/{dataset['id']}/classes/"
    assert_invalid(api.post(url, body, format="json"), field)
    from datasets.models import SkeletonClass

    assert not SkeletonClass.objects.filter(dataset_id=dataset["id"]).exists()
    good = api.post(url, _class(sigmas=[0.1, 0.2, 1]), format="json")
    assert good.status_code == 201 and good.json()["sigmas"] == [0.1, 0.2, 1.0], good.content
    assert_invalid(api.patch(f"/api/v1/classes/{good.json()['id']}/", {"sigmas": [True, 0.1, 0.1]}, format="json"),
                   "sigmas[0]")


def test_a_boolean_val_fraction_is_refused(api, dataset):
    assert_invalid(api.patch(f"/api/v1/datasets/{dataset['id']}/", {"val_fraction": True}, format="json"),
                   "val_fraction")


# ---------------------------------------------------------------- 5. filters and paging never ignored
@pytest.fixture
def session(dataset):
    from training.models import TrainingSession

    return TrainingSession.objects.create(workspace_id=dataset["workspace"], dataset_id=dataset["id"],
                                          algorithm="yolo11n-pose", status="completed", name="run 1")


def test_training_session_filters_and_log_lines_are_checked(api, session):
    for bad in ("zzz", "0", "-3", "1.5", str(HUGE)):
        assert_invalid(api.get(f"/api/v1/training-sessions/?dataset={bad}"), "dataset")
    assert api.get(f"/api/v1/training-sessions/?dataset={session.dataset_id}").json()["count"] == 1
    assert api.get(f"/api/v1/training-sessions/?dataset={session.dataset_id + 1}").json()["count"] == 0
    for bad in ("-1", "0", "abc", str(HUGE)):
        assert_invalid(api.get(f"/api/v1/training-sessions/{session.pk}/log/?lines={bad}"), "lines")
    assert api.get(f"/api/v1/training-sessions/{session.pk}/log/?lines=999999").status_code == 200  # read as 2000
    for bad in ("-1", "x"):
        assert_invalid(api.get(f"/api/v1/training-sessions/{session.pk}/epochs/?after={bad}"), "after")


def test_page_and_page_size_errors_name_the_parameter(api, dataset, jpeg):
    upload(api, dataset["id"], [("a.jpg", jpeg(seed=1))])
    url = f"/api/v1/datasets/{dataset['id']}/images/"
    for bad in ("abc", "0", "-1", "1.5", str(HUGE)):
        assert_invalid(api.get(f"{url}?page={bad}"), "page")
    assert_invalid(api.get(f"{url}?page=9"), "page", status=404)
    for bad in ("abc", "0", str(HUGE)):
        assert_invalid(api.get(f"{url}?page_size={bad}"), "page_size")
    assert api.get(f"{url}?page=last").json()["count"] == 1
    assert api.get(f"{url}?page=1&page_size=100000").status_code == 200


# ---------------------------------------------------------------- 6. unknown users in assignments
def test_clearing_or_moving_assignments_of_unknown_users_is_a_400(api, team):
    ds, c = team["dataset"]["id"], team["c"]
    bob = c["bob"].get("/api/v1/auth/me/").json()["id"]
    mallory = c["mallory"].get("/api/v1/auth/me/").json()["id"]
    url = f"/api/v1/datasets/{ds}/assignments/"
    assert api.post(url + "split/", {"users": [bob]}, format="json").status_code == 200
    assert_invalid(api.post(url + "clear/", {"users": [bob, mallory]}, format="json"), "users[1]")
    assert_invalid(api.post(url + "clear/", {"users": [99999]}, format="json"), "users[0]")
    assert_invalid(api.post(url + "clear/", {"users": [HUGE]}, format="json"), "users[0]")
    assert_invalid(api.post(url + "reassign/", {"from_user": mallory, "to_user": None}, format="json"), "from_user")
    from datasets.models import Image

    assert Image.objects.filter(dataset_id=ds, assignee_id=bob).count() == 1  # nothing was cleared
    # bob loses the labeller role: his images stay his until cleared, and clearing them by name works.
    from accounts.models import Membership

    Membership.objects.filter(workspace_id=team["ws"]["id"], user_id=bob).update(role="viewer")
    cleared = api.post(url + "clear/", {"users": [bob]}, format="json")
    assert cleared.status_code == 200 and cleared.json() == {"moved": 1}, cleared.content


# ---------------------------------------------------------------- 7. keypoints per class are capped
def test_a_class_may_have_at_most_1000_keypoints(api, dataset):
    from datasets.models import SkeletonClass
    from datasets.services import MAX_KEYPOINTS

    url = f"/api/v1/datasets/{dataset['id']}/classes/"
    many = [{"name": f"k{i}"} for i in range(5000)]
    assert_invalid(api.post(url, {"name": "p", "keypoints": many}, format="json"), "keypoints")
    body = assert_invalid(api.post(url, {"name": "p", "keypoints": many[:MAX_KEYPOINTS + 1]}, format="json"),
                          "keypoints")
    assert "1000" in body["message"], body
    assert not SkeletonClass.objects.filter(dataset_id=dataset["id"]).exists()
    ok = api.post(url, {"name": "p", "keypoints": many[:MAX_KEYPOINTS]}, format="json")
    assert ok.status_code == 201 and len(ok.json()["keypoints"]) == MAX_KEYPOINTS
    assert_invalid(api.patch(f"/api/v1/classes/{ok.json()['id']}/", {"keypoints": many[:MAX_KEYPOINTS + 1]},
                             format="json"), "keypoints")


def test_an_import_with_too_many_keypoints_is_refused_by_the_service(api, dataset):
    from core.errors import InvalidInput as Invalid
    from datasets import services
    from datasets.models import Dataset

    with pytest.raises(Invalid) as caught:
        services.class_create(dataset=Dataset.objects.get(pk=dataset["id"]), name="p",
                              keypoints=[{"name": f"k{i}"} for i in range(services.MAX_KEYPOINTS + 1)])
    assert caught.value.field == "keypoints"
