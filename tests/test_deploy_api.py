"""Deployments through the API: create (training session, uploaded .pt, Sapiens2), settings, versions and
rollback, keys, the detect endpoint's answers and errors, CORS, quotas, monitoring, delete. A real tiny pose
model trained here (tests/yolo_fixtures.py); ONNX export by Ultralytics' exporter (the inference task's body,
run in the test process; tests/test_deploy_live.py runs it on a real worker)."""
from __future__ import annotations

import io

import pytest
import torch
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from accounts.selectors import personal_workspace
from deploy import ocr, serving, services
from deploy.engines.cache import default_cache
from deploy.models import Deployment, DeploymentVersion, UsageCount
from tests.deploy_fixtures import COCO_NAMES, finished_session, photo_bytes
from tests.training_fixtures import not_a_checkpoint_pt
from tests.yolo_fixtures import tiny_pose_pt

__all__ = ["tiny_pose_pt"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def renamed_pt(tiny_pose_pt, tmp_path):
    """The same network saved with its class called "walker": a second, distinguishable set of weights."""
    ckpt = torch.load(tiny_pose_pt, map_location="cpu", weights_only=False)
    for key in ("model", "ema"):
        if ckpt.get(key) is not None:
            ckpt[key].names = {0: "walker"}
    out = tmp_path / "walker.pt"
    torch.save(ckpt, out)
    return out


@pytest.fixture
def session(user, tiny_pose_pt):
    return finished_session(personal_workspace(user), tiny_pose_pt)


def _export_all():
    for version in DeploymentVersion.objects.filter(status="exporting"):
        services.version_export(version.pk)


def _create(api, session, **extra):
    answer = api.post("/api/v1/deployments/", {"name": "people", "kind": "custom", "training_session": session.pk,
                                               "weights": "best", **extra}, format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()


def _key(api, deployment_id):
    answer = api.post(f"/api/v1/deployments/{deployment_id}/keys/", {"name": "ci"}, format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()


def _detect(client, url, image=None, origin=None, **fields):
    body = {"image": SimpleUploadedFile("photo.jpg", image if image is not None else photo_bytes(0)), **fields}
    return client.post(url, body, format="multipart", **({"HTTP_ORIGIN": origin} if origin else {}))


# ---------------------------------------------------------------- create and serve
def test_a_session_deployment_exports_onnx_on_the_inference_queue_then_answers_the_contract(api, session):
    body = _create(api, session)
    assert body["url"] == f"http://testserver/api/v1/deployments/{body['id']}/detect"
    assert body["public_url"] == f"http://testserver/d/{body['slug']}/detect" and len(body["slug"]) >= 16
    assert body["status"] == "exporting" and body["engine"] == "onnx"
    client = api.__class__()
    assert _detect(client, body["url"]).status_code == 401
    _export_all()
    version = DeploymentVersion.objects.get(deployment_id=body["id"])
    assert (version.status, version.engine_used, version.active) == ("ready", "onnx", True)
    assert version.onnx.endswith("v1/model.onnx")
    key = _key(api, body["id"])["key"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    answer = _detect(client, body["url"], conf_thres="0.01")
    assert answer.status_code == 200, answer.json()
    assert answer["Server-Timing"].startswith("engine;dur=")
    instances = answer.json()
    assert instances, "the tiny model finds candidates at conf 0.01"
    for inst in instances:
        assert list(inst)[:7] == ["class", "confidence", "x", "y", "width", "height", "keypoints"]
        assert inst["class"] == "person" and 0.01 <= inst["confidence"] <= 1
        assert [k["name"] for k in inst["keypoints"]] == COCO_NAMES
        assert all(set(k) == {"name", "x", "y", "confidence"} for k in inst["keypoints"])
    # Thresholds: a higher conf keeps a subset; kpt_thres never removes keypoints.
    strict = _detect(client, body["url"], conf_thres="0.5", kpt_thres="0.99").json()
    assert len(strict) <= len(instances) and all(i["confidence"] >= 0.5 for i in strict)
    assert all(len(i["keypoints"]) == 17 for i in strict)
    # X-API-Key works as well as Bearer.
    other = api.__class__()
    other.credentials(HTTP_X_API_KEY=key)
    assert _detect(other, body["url"], conf_thres="0.01").json() == instances


def test_an_uploaded_pt_on_torch_serves_at_once_and_public_needs_no_key(api, tiny_pose_pt):
    upload = SimpleUploadedFile("mine.pt", tiny_pose_pt.read_bytes())
    answer = api.post("/api/v1/deployments/", {"name": "upload", "kind": "custom", "weights_file": upload,
                                               "engine": "torch", "public": "true"}, format="multipart")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["status"], body["active_version"]["engine_used"], body["public"]) == ("ready", "torch", True)
    anonymous = api.__class__()
    result = _detect(anonymous, body["public_url"], conf_thres="0.01")
    assert result.status_code == 200 and result.json()
    assert result["Access-Control-Allow-Origin"] == "*"


def test_bad_create_requests_answer_400_naming_the_field_and_leave_nothing(api, session, settings, tmp_path):
    bad = api.post("/api/v1/deployments/", {"name": "x", "kind": "custom",
                                            "weights_file": SimpleUploadedFile("x.pt", not_a_checkpoint_pt())},
                   format="multipart")
    assert bad.status_code == 400 and bad.json()["field"] == "weights_file", bad.json()
    assert api.post("/api/v1/deployments/", {"name": "x", "kind": "custom"}, format="json").json()["field"] == \
        "training_session"
    assert api.post("/api/v1/deployments/", {"name": "x", "kind": "robot"}, format="json").json()["field"] == "kind"
    answer = api.post("/api/v1/deployments/", {"name": "x", "kind": "custom", "training_session": session.pk,
                                               "engine": "tensorrt"}, format="json")
    assert answer.status_code == 400 and answer.json()["field"] == "engine"
    settings.SAPIENS_CHECKPOINT_ROOT = str(tmp_path / "nothing")
    missing = api.post("/api/v1/deployments/", {"name": "s", "kind": "sapiens2", "model_size": "0.4b"}, format="json")
    assert missing.status_code == 400
    error = missing.json()
    assert error["error"] == "checkpoint_missing" and error["field"] == "model_size"
    assert str(tmp_path / "nothing" / "pose" / "sapiens2_0.4b_pose.safetensors") in error["message"]
    assert "hf download" in error["message"]
    assert not Deployment.objects.exists() and not DeploymentVersion.objects.exists()


def test_another_users_session_is_not_deployable_and_their_deployment_is_404(api, other_api, session):
    theirs = other_api.post("/api/v1/deployments/", {"name": "x", "kind": "custom", "training_session": session.pk},
                            format="json")
    assert theirs.status_code == 400 and theirs.json()["field"] == "training_session"
    mine = _create(api, session, engine="torch")
    assert other_api.get(f"/api/v1/deployments/{mine['id']}/").status_code == 404
    assert other_api.patch(f"/api/v1/deployments/{mine['id']}/", {"public": True}, format="json").status_code == 404
    assert _detect(other_api, mine["url"]).status_code == 404  # a logged-in outsider: as if it did not exist
    assert other_api.get("/api/v1/deployments/").json()["results"] == []


# ---------------------------------------------------------------- settings, errors, limits
def test_patch_changes_settings_and_validates(api, session):
    body = _create(api, session, engine="torch")
    url = f"/api/v1/deployments/{body['id']}/"
    answer = api.patch(url, {"monthly_quota": 5, "burst_per_minute": 3, "allowed_origins": ["https://shop.example/"],
                             "name": "renamed"}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["allowed_origins"] == ["https://shop.example"] and answer.json()["monthly_quota"] == 5
    for field, value in (("allowed_origins", ["ftp://x"]), ("monthly_quota", -1), ("engine", "tpu")):
        bad = api.patch(url, {field: value}, format="json")
        assert bad.status_code == 400 and bad.json()["field"].startswith(field), bad.json()


def test_detect_errors_are_json_naming_the_field(api, session):
    body = _create(api, session, engine="torch", public=True)
    client = api.__class__()
    url = body["url"]
    not_image = _detect(client, url, image=b"this is not a picture")
    assert not_image.status_code == 400 and not_image.json()["error"] == "not_an_image"
    for field, value in (("conf_thres", "2"), ("iou_thres", "-0.1"), ("kpt_thres", "x"), ("conf_thres", "nan")):
        answer = _detect(client, url, **{field: value})
        assert answer.status_code == 400 and answer.json()["field"] == field, (field, answer.json())
    missing = client.post(url, {"conf_thres": "0.3"}, format="multipart")
    assert missing.status_code == 400 and missing.json()["field"] == "image"
    big = _detect(client, url, image=b"\xff\xd8" + b"\0" * (25 * 1024 * 1024 + 10))
    assert big.status_code == 413 and big.json()["error"] == "image_too_large"
    assert client.post("/api/v1/deployments/999999/detect", {}).status_code == 404
    assert client.post("/d/not-a-slug/detect", {}).json()["error"] == "not_found"
    lang = _detect(client, url, ocr_model="small", ocr_language="klingon")
    assert lang.status_code == 400 and lang.json()["field"] == "ocr_language"
    model = _detect(client, url, ocr_model="large")
    assert model.status_code == 400 and model.json()["field"] == "ocr_model" and "large" in model.json()["message"]


def test_detect_refusals_name_the_field_without_python_reprs_and_take_the_upload_formats(api, session):
    """Regression: a text file answered "...cannot identify image file <_io.BytesIO object at 0x7fb...>", and
    GIF (refused by dataset uploads) was accepted by detect."""
    from datasets.imaging import ALLOWED_FORMATS, BadImage, check_image

    body = _create(api, session, engine="torch", public=True)
    client = api.__class__()
    text = client.post(body["url"], {"image": SimpleUploadedFile("p.txt", b"hello, I am text\n")},
                       format="multipart").json()
    assert text["error"] == "not_an_image" and text["field"] == "image", text
    assert "p.txt" in text["message"] and "object at 0x" not in text["message"] and "<" not in text["message"]
    truncated = _detect(client, body["url"], image=photo_bytes(0)[:2000]).json()
    assert truncated["error"] == "not_an_image" and "<" not in truncated["message"], truncated

    def encoded(fmt):
        buf = io.BytesIO()
        Image.new("RGB", (32, 24), (200, 20, 20)).save(buf, format=fmt)
        return buf.getvalue()

    for fmt in ("GIF", "ICO", "PPM", "TGA"):
        assert fmt not in ALLOWED_FORMATS
        with pytest.raises(BadImage) as refused:
            check_image(encoded(fmt), 10**7)
        assert refused.value.code == "unsupported_format"
        answer = _detect(client, body["url"], image=encoded(fmt))
        assert answer.status_code == 400, (fmt, answer.json())
        assert answer.json()["error"] == "unsupported_format" and answer.json()["field"] == "image"
        assert fmt in answer.json()["message"] and "JPEG, PNG, WebP, BMP or TIFF" in answer.json()["message"]
    for fmt in ("PNG", "WEBP", "BMP", "TIFF", "JPEG"):
        check_image(encoded(fmt), 10**7)
        answer = _detect(client, body["url"], image=encoded(fmt))
        assert answer.status_code == 200, (fmt, answer.json())


def test_upload_imaging_messages_carry_no_python_reprs():
    from datasets.imaging import BadImage, check_image

    for data in (b"hello, I am text\n", photo_bytes(0)[:2000]):
        with pytest.raises(BadImage) as refused:
            check_image(data, 10**7)
        assert "object at 0x" not in refused.value.message and "<" not in refused.value.message, refused.value.message


def test_keys_are_shown_once_stored_hashed_and_revocable(api, session):
    from deploy.models import ApiKey

    body = _create(api, session, engine="torch")
    made = _key(api, body["id"])
    row = ApiKey.objects.get(pk=made["id"])
    assert made["key"] not in (row.digest, row.prefix) and made["key"].startswith(row.prefix)
    listed = api.get(f"/api/v1/deployments/{body['id']}/keys/").json()
    assert listed[0]["prefix"] == row.prefix and "key" not in listed[0]
    client = api.__class__()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {made['key']}")
    assert _detect(client, body["url"]).status_code == 200
    wrong = api.__class__()
    wrong.credentials(HTTP_AUTHORIZATION=f"Bearer {made['key']}x")
    assert _detect(wrong, body["url"]).json()["error"] == "invalid_key"
    assert api.delete(f"/api/v1/deployments/{body['id']}/keys/{made['id']}/").json()["revoked"] is True
    revoked = _detect(client, body["url"])
    assert revoked.status_code == 401 and revoked.json()["error"] == "invalid_key"


def test_quota_answers_403_and_burst_429_with_retry_after(api, session):
    body = _create(api, session, engine="torch", public=True, monthly_quota=3)
    client = api.__class__()
    codes = [_detect(client, body["url"]).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 403]
    over = _detect(client, body["url"]).json()
    assert over["error"] == "quota_exceeded" and "3" in over["message"]
    api.patch(f"/api/v1/deployments/{body['id']}/", {"monthly_quota": None, "burst_per_minute": 1}, format="json")
    # 3 calls were admitted this minute (unless the minute just turned: then one more passes).
    answers = [_detect(client, body["url"]) for _ in range(2)]
    limited = answers[-1] if answers[0].status_code == 200 else answers[0]
    assert limited.status_code == 429 and limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    admitted = sum(a.status_code == 200 for a in answers)
    usage = api.get(f"/api/v1/deployments/{body['id']}/usage/").json()
    assert usage["quota"]["used"] == 3 + admitted and usage["quota"]["limit"] is None
    assert usage["errors_by_code"]["403"] == 2 and usage["errors_by_code"]["429"] == 2 - admitted
    assert usage["requests"] == 7 and usage["days"][-1]["requests"] == 7
    assert usage["latency_ms"]["p50"] is not None and usage["latency_ms"]["p95"] >= usage["latency_ms"]["p50"]


def test_cors_preflight_and_answers_follow_the_allowed_origins(api, session):
    body = _create(api, session, engine="torch", allowed_origins=["https://shop.example"])
    client = api.__class__()
    pre = client.options(body["url"], HTTP_ORIGIN="https://shop.example",
                         HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-api-key")
    assert pre.status_code == 204
    assert pre["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "X-API-Key" in pre["Access-Control-Allow-Headers"] and "Authorization" in pre["Access-Control-Allow-Headers"]
    denied = _detect(client, body["url"], origin="https://shop.example")
    assert denied.status_code == 401 and denied["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "Server-Timing" in denied["Access-Control-Expose-Headers"]
    stranger = _detect(client, body["url"], origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in stranger


# ---------------------------------------------------------------- versions, rollback, delete
def test_redeploy_keeps_the_url_and_rollback_serves_the_old_version(api, session, renamed_pt):
    body = _create(api, session)
    _export_all()
    key = _key(api, body["id"])["key"]
    client = api.__class__()
    client.credentials(HTTP_X_API_KEY=key)
    assert {i["class"] for i in _detect(client, body["url"], conf_thres="0.01").json()} == {"person"}
    new = api.post(f"/api/v1/deployments/{body['id']}/versions/",
                   {"weights_file": SimpleUploadedFile("walker.pt", renamed_pt.read_bytes())}, format="multipart")
    assert new.status_code == 201 and new.json()["number"] == 2 and new.json()["status"] == "exporting"
    # Until version 2 is exported, version 1 serves.
    assert {i["class"] for i in _detect(client, body["url"], conf_thres="0.01").json()} == {"person"}
    _export_all()
    assert {i["class"] for i in _detect(client, body["public_url"], conf_thres="0.01").json()} == {"walker"}
    versions = api.get(f"/api/v1/deployments/{body['id']}/versions/").json()
    assert [(v["number"], v["active"]) for v in versions] == [(2, True), (1, False)]
    back = api.post(f"/api/v1/deployments/{body['id']}/versions/1/activate/")
    assert back.status_code == 200 and back.json()["active"] is True
    assert {i["class"] for i in _detect(client, body["url"], conf_thres="0.01").json()} == {"person"}
    assert api.post(f"/api/v1/deployments/{body['id']}/versions/7/activate/").status_code == 404


def test_a_failed_export_falls_back_to_torch(api, session, monkeypatch):
    from deploy.engines import yolo
    from deploy.engines.errors import ExportFailed

    def broken(*args, **kwargs):
        raise ExportFailed("onnx exporter unavailable")

    monkeypatch.setattr(yolo, "export_onnx", broken)
    body = _create(api, session)
    _export_all()
    version = DeploymentVersion.objects.get(deployment_id=body["id"])
    assert (version.status, version.engine_used, version.active) == ("ready", "torch", True)
    assert "onnx exporter unavailable" in version.error


def test_delete_frees_the_models_files_and_counters(api, session, django_capture_on_commit_callbacks):
    from config import storage

    body = _create(api, session, engine="torch", public=True)
    assert _detect(api.__class__(), body["url"]).status_code == 200
    deployment = Deployment.objects.get(pk=body["id"])
    key, _ = serving.engine_spec(deployment.active_version)
    assert default_cache().peek(key) is not None
    weights = deployment.active_version.weights
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/v1/deployments/{body['id']}/").status_code == 204
    assert default_cache().peek(key) is None
    assert not storage.exists(weights) and not UsageCount.objects.exists()
    assert _detect(api.__class__(), body["url"]).status_code == 404


def test_serving_interface_for_autolabel(api, session):
    """predict_for on RGB arrays, and the class keypoint names autolabel maps from."""
    import numpy as np

    body = _create(api, session, engine="torch")
    deployment = Deployment.objects.get(pk=body["id"])
    assert deployment.keypoint_names_by_class() == {"person": COCO_NAMES}
    rgb = np.array(Image.open(io.BytesIO(photo_bytes(1))).convert("RGB"))
    result = serving.predict_for(deployment, [rgb, rgb], conf=0.01, load=True)
    assert len(result) == 2 and [i.as_json() for i in result[0]] == [i.as_json() for i in result[1]]


# ---------------------------------------------------------------- OCR
def _text_image(text="HELLO 42", size=(360, 120)) -> tuple[bytes, tuple]:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=40)
    draw.text((20, 35), text, fill="black", font=font)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue(), image


def test_tesseract_reads_text_in_a_box():
    if ocr.tesseract_path() is None:
        with pytest.raises(ocr.OcrUnavailable) as err:
            ocr.check("small", "eng")
        assert err.value.field == "ocr_model"
        pytest.fail("tesseract-ocr is not installed here (make install installs it)")
    import numpy as np

    _, image = _text_image()
    assert "eng" in ocr.installed_languages()
    assert ocr.read_text(np.array(image), (10, 20, 340, 80), "eng") == "HELLO 42"
    assert ocr.read_text(np.array(image), (300, 0, 50, 10), "eng") == ""  # white margin: no text


def test_detect_adds_text_to_the_ocr_classes_only(api, session):
    body = _create(api, session, engine="torch", public=True)
    data, _ = _text_image()
    client = api.__class__()
    plain = _detect(client, body["url"], image=data, conf_thres="0.01").json()
    read = _detect(client, body["url"], image=data, conf_thres="0.01", ocr_model="small", ocr_classes="person",
                   ocr_language="eng")
    assert read.status_code == 200 and "ocr;dur=" in read["Server-Timing"]
    assert plain and all("text" not in i for i in plain)
    assert all(isinstance(i["text"], str) for i in read.json())
    assert [{k: v for k, v in i.items() if k != "text"} for i in read.json()] == plain
    other = _detect(client, body["url"], image=data, conf_thres="0.01", ocr_model="small", ocr_classes="car").json()
    assert all("text" not in i for i in other)


def test_onnx_and_torch_engines_of_one_deployment_answer_the_same(api, session):
    """Switching a deployment's engine (PATCH engine) serves the same model on torch: every instance's box and
    keypoints within 0.5 px and confidences within 2e-3 on four real photos (measured: <= 0.02 px, <= 3e-4;
    tests/test_yolo_engine.py compares the raw outputs)."""
    from tests.yolo_fixtures import COCO_PHOTOS

    body = _create(api, session, public=True)
    _export_all()
    client = api.__class__()
    onnx = [_detect(client, body["url"], image=p.read_bytes(), conf_thres="0.3").json() for p in COCO_PHOTOS]
    assert api.patch(f"/api/v1/deployments/{body['id']}/", {"engine": "torch"}, format="json").status_code == 200
    assert DeploymentVersion.objects.get(deployment_id=body["id"]).engine_used == "torch"
    torch_ = [_detect(client, body["url"], image=p.read_bytes(), conf_thres="0.3").json() for p in COCO_PHOTOS]
    assert sum(map(len, onnx)) > 0
    for a_list, b_list in zip(onnx, torch_):
        assert len(a_list) == len(b_list)
        for a, b in zip(a_list, b_list):
            assert a["class"] == b["class"] and abs(a["confidence"] - b["confidence"]) <= 2e-3
            for k in ("x", "y", "width", "height"):
                assert abs(a[k] - b[k]) <= 0.5
            for ka, kb in zip(a["keypoints"], b["keypoints"]):
                assert abs(ka["x"] - kb["x"]) <= 0.5 and abs(ka["y"] - kb["y"]) <= 0.5
                assert abs(ka["confidence"] - kb["confidence"]) <= 2e-3
    api.patch(f"/api/v1/deployments/{body['id']}/", {"engine": "onnx"}, format="json")
    assert DeploymentVersion.objects.get(deployment_id=body["id"]).engine_used == "onnx"  # its export is kept


def test_the_playground_calls_with_its_session_and_csrf_token(user, session, api):
    from django.test import Client

    body = _create(api, session, engine="torch")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    image = {"image": SimpleUploadedFile("p.jpg", photo_bytes(0))}
    assert browser.post(body["url"], image).status_code == 403  # no CSRF token: a cross-site form cannot call
    browser.get("/accounts/login/")
    token = browser.cookies["csrftoken"].value
    answer = browser.post(body["url"], {"image": SimpleUploadedFile("p.jpg", photo_bytes(0))},
                          HTTP_X_CSRFTOKEN=token)
    assert answer.status_code == 200, answer.json()


def test_backup_restores_deployments_settings_versions_and_files_under_new_ids(api, session, user, tmp_path):
    from config import storage
    from config.backup import backup_workspace, restore_workspace

    body = _create(api, session, engine="torch", monthly_quota=9, burst_per_minute=2,
                   allowed_origins=["https://shop.example"])
    _key(api, body["id"])
    archive = tmp_path / "ws.zip"
    backup_workspace(personal_workspace(user), str(archive))
    workspace, report = restore_workspace(str(archive), owner=user, name="restored")
    restored = Deployment.objects.get(workspace=workspace)
    assert restored.pk != body["id"] and restored.slug != body["slug"]
    assert (restored.name, restored.monthly_quota, restored.burst_per_minute, restored.allowed_origins) == \
        ("people", 9, 2, ["https://shop.example"])
    version = restored.versions.get()
    assert version.active and version.weights == f"deployments/{restored.pk}/v1/model.pt"
    assert storage.exists(version.weights) and version.training_session.workspace_id == workspace.pk
    assert not restored.keys.exists()  # keys are secrets of the old install
    assert restored.keypoint_names_by_class() == {"person": COCO_NAMES}


def test_server_side_failures_answer_json_500(api, session, settings):
    """A stored model that was damaged, and one that is gone, answer JSON 500s (the seed platform's clients
    parse the body of a 500)."""
    import shutil

    from config import storage

    body = _create(api, session, engine="torch", public=True)
    deployment = Deployment.objects.get(pk=body["id"])
    version = deployment.active_version
    default_cache().clear()
    local = serving.version_dir(version) / "model.pt"
    storage.materialize(version.weights, local)
    local.unlink()
    local.write_bytes(b"damaged")  # a broken file where the model was
    damaged = _detect(api.__class__(), body["url"])
    assert damaged.status_code == 500 and damaged.json()["error"] == "model_unusable", damaged.json()
    assert damaged["Access-Control-Allow-Origin"] == "*"
    shutil.rmtree(serving.version_dir(version))
    storage.delete(version.weights)  # the storage lost the file
    gone = _detect(api.__class__(), body["url"])
    assert gone.status_code == 500 and gone["Content-Type"] == "application/json"
    assert gone.json()["error"] == "server_error" and gone.json()["message"]
