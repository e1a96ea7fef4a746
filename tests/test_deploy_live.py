"""Deployments over real HTTP: a live server, Python `requests` (multipart, retries with back-off, the fallback
URL as the seed platform's clients do) and `curl`, against a custom model trained in the test (exported to ONNX
by a real Celery worker on the inference queue) and a Sapiens2 deployment on tiny generated weights."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import torch
from PIL import Image

from accounts.selectors import personal_workspace
from accounts.tokens import token_create
from tests.deploy_fixtures import COCO_NAMES, finished_session, photo_bytes
from tests.sapiens2_fixtures import PERSON_BOX, person_root, sample_photo
from tests.yolo_fixtures import tiny_pose_pt

__all__ = ["person_root", "tiny_pose_pt"]

CONTRACT = ["class", "confidence", "x", "y", "width", "height", "keypoints"]
DEAD_URL = "http://127.0.0.1:9/detect"  # the discard port: nothing listens, the connection is refused


def detect(urls, image: bytes, *, key=None, fields=None, retries=3, backoff=0.2, timeout=60):
    """The seed platform's client loop: POST the form to each URL in turn; on a connection error or a 5xx,
    back off (doubling) and try the next. Returns the first non-5xx response."""
    headers = {"X-API-Key": key} if key else {}
    last = None
    for attempt in range(retries):
        for url in urls:
            try:
                answer = requests.post(url, files={"image": ("photo.jpg", image, "image/jpeg")}, data=fields or {},
                                       headers=headers, timeout=timeout)
            except requests.ConnectionError as exc:
                last = exc
                continue
            if answer.status_code < 500:
                return answer
            last = answer
        time.sleep(backoff * 2 ** attempt)
    raise AssertionError(f"no answer from {urls}: {last}")


def check_schema(instances, names):
    assert isinstance(instances, list)
    for inst in instances:
        assert list(inst)[:7] == CONTRACT
        assert isinstance(inst["class"], str) and 0 <= inst["confidence"] <= 1
        assert all(isinstance(inst[k], float | int) for k in ("x", "y", "width", "height"))
        assert inst["width"] >= 0 and inst["height"] >= 0
        assert [k["name"] for k in inst["keypoints"]] == names
        assert all(list(k) == ["name", "x", "y", "confidence"] for k in inst["keypoints"])


@pytest.fixture
def owner(user):
    return {"Authorization": f"Token {token_create(user=user, name='live', days=1)[1]}"}


def wait_ready(base, deployment_id, owner, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        body = requests.get(f"{base}/api/v1/deployments/{deployment_id}/", headers=owner, timeout=30).json()
        if body["status"] == "ready":
            return body
        time.sleep(0.5)
    raise AssertionError(f"deployment {deployment_id} not ready: {body}")


def wait_version(base, deployment_id, number, owner, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        versions = requests.get(f"{base}/api/v1/deployments/{deployment_id}/versions/", headers=owner,
                                timeout=30).json()
        mine = next(v for v in versions if v["number"] == number)
        if mine["status"] == "ready" and mine["active"]:
            return mine
        time.sleep(0.5)
    raise AssertionError(f"version {number} not ready: {versions}")


@pytest.fixture
def walker_pt(tiny_pose_pt, tmp_path):
    ckpt = torch.load(tiny_pose_pt, map_location="cpu", weights_only=False)
    for key in ("model", "ema"):
        if ckpt.get(key) is not None:
            ckpt[key].names = {0: "walker"}
    torch.save(ckpt, tmp_path / "walker.pt")
    return tmp_path / "walker.pt"


def test_a_trained_model_answers_requests_and_curl_with_keys_limits_versions_and_no_lost_counts(
        live_server, celery_worker, user, owner, tiny_pose_pt, walker_pt, tmp_path):
    base = live_server.url
    session = finished_session(personal_workspace(user), tiny_pose_pt)
    made = requests.post(f"{base}/api/v1/deployments/", json={"name": "people", "kind": "custom",
                                                              "training_session": session.pk, "weights": "best"},
                         headers=owner, timeout=60)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["url"] == f"{base}/api/v1/deployments/{body['id']}/detect"
    body = wait_ready(base, body["id"], owner)  # the worker exported the ONNX file
    assert body["active_version"]["engine_used"] == "onnx"
    key = requests.post(f"{base}/api/v1/deployments/{body['id']}/keys/", json={"name": "live"}, headers=owner,
                        timeout=30).json()["key"]
    urls = [DEAD_URL, body["url"], body["public_url"]]  # a dead primary: the client falls back

    photo = photo_bytes(0)
    answer = detect(urls, photo, key=key, fields={"conf_thres": "0.01"})
    assert answer.status_code == 200, answer.text
    assert "engine;dur=" in answer.headers["Server-Timing"]
    instances = answer.json()
    assert instances
    check_schema(instances, COCO_NAMES)
    strict = detect(urls, photo, key=key, fields={"conf_thres": "0.6", "iou_thres": "0.3"}).json()
    assert all(i["confidence"] >= 0.6 for i in strict) and len(strict) <= len(instances)

    # curl, as a user pastes it (the same answer as requests)
    (tmp_path / "photo.jpg").write_bytes(photo)
    curl = shutil.which("curl")
    assert curl, "curl is needed for this test"
    out = subprocess.run([curl, "-sS", "-X", "POST", body["public_url"], "-H", f"Authorization: Bearer {key}",
                          "-F", f"image=@{tmp_path / 'photo.jpg'}", "-F", "conf_thres=0.01"],
                         capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(out.stdout) == instances

    # errors over HTTP: all JSON
    assert detect(urls[1:], photo).status_code == 401
    assert detect(urls[1:], photo, key=key + "x").json()["error"] == "invalid_key"
    assert detect([f"{base}/api/v1/deployments/{body['id'] + 999}/detect"], photo, key=key).status_code == 404
    bad = detect(urls[1:], b"GIF89a broken", key=key)
    assert bad.status_code == 400 and bad.json()["error"] == "not_an_image"
    thres = detect(urls[1:], photo, key=key, fields={"iou_thres": "1.5"})
    assert thres.status_code == 400 and thres.json()["field"] == "iou_thres"
    big = requests.post(body["url"], files={"image": ("big.jpg", b"\xff\xd8" + bytes(26 * 1024 * 1024))},
                        headers={"X-API-Key": key}, timeout=120)
    assert big.status_code == 413 and big.json()["error"] == "image_too_large"
    pre = requests.options(body["url"], headers={"Origin": "https://shop.example",
                                                 "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "x-api-key"}, timeout=30)
    assert pre.status_code == 204 and "Access-Control-Allow-Origin" not in pre.headers  # origin not allowed yet
    requests.patch(f"{base}/api/v1/deployments/{body['id']}/", json={"allowed_origins": ["https://shop.example"]},
                   headers=owner, timeout=30).raise_for_status()
    cors = requests.post(body["url"], files={"image": ("p.jpg", photo)}, headers={"Origin": "https://shop.example"},
                         timeout=60)
    assert cors.status_code == 401 and cors.headers["Access-Control-Allow-Origin"] == "https://shop.example"

    # 8 concurrent clients against a quota: exactly the quota's worth answered, every call counted
    usage_url = f"{base}/api/v1/deployments/{body['id']}/usage/"
    before = requests.get(usage_url, headers=owner, timeout=30).json()
    used = before["quota"]["used"]
    requests.patch(f"{base}/api/v1/deployments/{body['id']}/", json={"monthly_quota": used + 20}, headers=owner,
                   timeout=30).raise_for_status()
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda i: detect(urls[1:], photo, key=key).status_code, range(40)))
    assert sorted(codes) == [200] * 20 + [403] * 20
    after = requests.get(usage_url, headers=owner, timeout=30).json()
    assert after["quota"]["used"] == used + 20
    assert after["requests"] == before["requests"] + 40
    assert after["status_counts"]["403"] == before["status_counts"].get("403", 0) + 20
    over = detect(urls[1:], photo, key=key).json()
    assert over["error"] == "quota_exceeded"
    requests.patch(f"{base}/api/v1/deployments/{body['id']}/", json={"monthly_quota": None, "burst_per_minute": 0},
                   headers=owner, timeout=30).raise_for_status()
    burst = detect(urls[1:], photo, key=key)
    assert burst.status_code == 429 and int(burst.headers["Retry-After"]) >= 1
    requests.patch(f"{base}/api/v1/deployments/{body['id']}/", json={"burst_per_minute": None}, headers=owner,
                   timeout=30).raise_for_status()

    # redeploy (new weights, same URLs) and roll back
    with open(walker_pt, "rb") as fh:
        new = requests.post(f"{base}/api/v1/deployments/{body['id']}/versions/", files={"weights_file": fh},
                            headers=owner, timeout=120)
    assert new.status_code == 201, new.text
    wait_version(base, body["id"], 2, owner)
    assert {i["class"] for i in detect(urls, photo, key=key, fields={"conf_thres": "0.01"}).json()} == {"walker"}
    requests.post(f"{base}/api/v1/deployments/{body['id']}/versions/1/activate/", headers=owner,
                  timeout=30).raise_for_status()
    assert detect(urls, photo, key=key, fields={"conf_thres": "0.01"}).json() == instances

    # revoke the key: 401 from then on
    key_id = requests.get(f"{base}/api/v1/deployments/{body['id']}/keys/", headers=owner, timeout=30).json()[0]["id"]
    requests.delete(f"{base}/api/v1/deployments/{body['id']}/keys/{key_id}/", headers=owner,
                    timeout=30).raise_for_status()
    assert detect(urls[1:], photo, key=key).status_code == 401


def test_a_sapiens2_deployment_answers_its_308_keypoints_over_http(live_server, user, owner, person_root, settings):
    from deploy.engines.sapiens2.keypoints import goliath

    settings.SAPIENS_CHECKPOINT_ROOT = str(person_root)
    base = live_server.url
    made = requests.post(f"{base}/api/v1/deployments/", json={"name": "bodies", "kind": "sapiens2",
                                                              "model_size": "0.4b", "public": True},
                         headers=owner, timeout=60)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "ready" and len(body["classes"][0]["keypoint_colors"]) == 308
    photo = sample_photo().read_bytes()
    answer = detect([DEAD_URL, body["public_url"]], photo, fields={"kpt_thres": "0.3"}, timeout=300)
    assert answer.status_code == 200, answer.text
    people = answer.json()
    check_schema(people, list(goliath().names))
    assert len(people) == 1 and people[0]["class"] == "person"
    width, height = Image.open(io.BytesIO(photo)).size
    cx, cy, w, h = PERSON_BOX
    box = people[0]
    assert abs(box["x"] + box["width"] / 2 - cx * width) < 0.05 * width
    assert abs(box["y"] + box["height"] / 2 - cy * height) < 0.05 * height
