"""End to end through a real `celery worker` process and broker: train yolo11n-pose from its YAML on a
COCO subset on the CPU, watch it in the browser, cancel and resume, and see a failure's reason.

Small on purpose (16 images, imgsz 64-96, 2-6 epochs) so the file stays within a few minutes on 2 cores.
"""
from __future__ import annotations

import io
import os
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.training_fixtures import coco_dataset, not_a_checkpoint_pt, start  # noqa: F401

pytestmark = pytest.mark.worker
WAIT = int(os.environ.get("TRAINING_TEST_WAIT", "420"))  # generous for a loaded 2-core box; not a timing assertion


def _get(api, pk) -> dict:
    return api.get(f"/api/v1/training-sessions/{pk}/").json()


def _live_worker(api, worker) -> dict:
    found = {}

    def ready():
        for w in api.get("/api/v1/training-workers/").json():
            if w["name"].startswith(f"test{os.getpid()}@"):
                found.update(w)
                return True
        return False

    worker(ready, timeout=WAIT)
    return found




@pytest.mark.browser
def test_train_on_picked_worker_and_watch_the_dashboard_live(celery_worker, api, coco_dataset, browser_page):
    page = browser_page
    w = _live_worker(api, celery_worker)
    assert w["device"] == "cpu" and w["device_name"].startswith("CPU")

    r = start(api, coco_dataset["id"], name="e2e", worker=w["name"], epochs=2, imgsz=96)
    assert r.status_code == 201, r.content
    pk = r.json()["id"]

    # The dashboard is open while the session is queued/running and must reach "completed" without a reload.
    page.goto(f"{page.base}/training/{pk}/")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('completed')", timeout=WAIT * 1000)
    page.wait_for_function("document.querySelectorAll('#epochs tbody tr').length === 2", timeout=30000)
    first_row = page.locator("#epochs tbody tr").first.locator("td")
    assert first_row.nth(0).inner_text() == "1"
    assert re.fullmatch(r"\d+\.\d{4}", first_row.nth(1).inner_text())  # pose AP (COCO)
    assert re.fullmatch(r"\d+\.\d{4}", first_row.nth(3).inner_text())  # fitness
    assert re.fullmatch(r"\d+\.\d{4}", first_row.nth(4).inner_text())  # Ultralytics pose mAP50
    assert page.locator("#charts canvas").count() >= 5  # fitness, pose mAP, box mAP, P/R, one per loss
    assert page.locator("#chart-fitness").is_visible() and page.locator("#chart-pose-map").is_visible()
    assert "Epoch 2/2" in page.locator("#epoch-line").inner_text()
    page.wait_for_function("document.getElementById('log').textContent.includes('Epoch 2/2: COCO pose AP')",
                           timeout=30000)
    assert page.locator("#best").is_visible() and page.locator("#final-card").is_visible()
    # The headline is the COCO AP the session stored (issue 12), Ultralytics' figures beside it, labelled as theirs.
    coco = _get(api, pk)["coco"]
    assert page.locator("#coco-ap").inner_text() == f"{coco['ap']:.3f}"
    assert page.locator("#coco-from").inner_text() == "(best.pt)"
    assert "Ultralytics pose mAP50-95" in page.locator("#ultralytics-figures").inner_text()
    assert f"of {coco['instances']} people with keypoints matched" in page.locator("#coco-counts").inner_text()
    assert page.locator("#coco-predictions").is_visible() and page.locator("#coco-ground-truth").is_visible()

    s = _get(api, pk)
    assert s["status"] == "completed" and s["epoch"] == 2 and s["epochs"] == 2 and s["progress"] == 1.0
    assert s["worker"] == w["name"] and s["device"].startswith("cpu")
    assert {"fitness", "metrics/mAP50(P)", "metrics/mAP50-95(P)", "metrics/mAP50(B)"} <= set(s["final_metrics"])
    rows = api.get(f"/api/v1/training-sessions/{pk}/epochs/").json()
    assert [row["epoch"] for row in rows] == [1, 2]
    for row in rows:
        assert row["fitness"] is not None and row["seconds"] > 0
        assert {"metrics/mAP50(P)", "metrics/mAP50-95(P)", "metrics/mAP50-95(B)", "metrics/precision(B)",
                "metrics/recall(P)", "train/box_loss", "train/pose_loss", "val/box_loss", "val/pose_loss",
                "lr/pg0"} <= set(row["metrics"])
    assert api.get(f"/api/v1/training-sessions/{pk}/epochs/?after=1").json()[0]["epoch"] == 2

    best = api.get(f"/api/v1/training-sessions/{pk}/weights/best")
    assert best.status_code == 200 and best["Content-Disposition"].startswith("attachment")
    assert zipfile.is_zipfile(io.BytesIO(b"".join(best.streaming_content)))
    assert api.get(f"/api/v1/training-sessions/{pk}/weights/last").status_code == 200

    celery_worker(lambda: _get(api, pk)["evaluation_status"] in ("done", "failed"), timeout=WAIT)
    ev = api.get(f"/api/v1/training-sessions/{pk}/evaluation/").json()
    assert ev["status"] == "done", ev
    result = ev["result"]
    assert [k["name"] for k in result["keypoints"]][:3] == ["nose", "left_eye", "right_eye"]
    assert result["keypoints"][0]["sigma"] == 0.026 and result["sigmas_source"] == "coco"
    assert result["instances"] > 0 and result["images"] == s["val_images"] or result["val_fallback"]
    assert all(k["pck"] is None or 0 <= k["pck"] <= 1 for k in result["keypoints"])
    assert result["examples"], "a few val images are drawn"
    img = api.get(result["examples"][0]["url"])
    assert img.status_code == 200 and img["Content-Type"] == "image/jpeg"

    page.goto(f"{page.base}/training/{pk}/evaluation/")
    page.wait_for_function("document.querySelectorAll('#keypoints tbody tr').length === 17", timeout=30000)
    assert page.locator("#kp-chart").is_visible()
    assert page.locator("#examples img").count() == len(result["examples"])
    assert page.errors == []


def test_cancel_mid_run_keeps_weights_and_resume_finishes(celery_worker, api, coco_dataset):
    _live_worker(api, celery_worker)
    r = start(api, coco_dataset["id"], name="to cancel", epochs=6, imgsz=64)
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    celery_worker(lambda: _get(api, pk)["epoch"] >= 1, timeout=WAIT)
    assert api.post(f"/api/v1/training-sessions/{pk}/cancel/").status_code == 200
    celery_worker(lambda: _get(api, pk)["status"] == "cancelled", timeout=WAIT)
    s = _get(api, pk)
    stopped_at = s["epoch"]
    assert 1 <= stopped_at < 6, "stopped within the run, not at its end"
    assert s["has_last_weights"] and s["error"] == ""
    assert "weights so far are kept" in "\n".join(api.get(f"/api/v1/training-sessions/{pk}/log/").json()["lines"])

    r = api.post(f"/api/v1/training-sessions/{pk}/resume/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "queued" and r.json()["attempt"] == 2
    celery_worker(lambda: _get(api, pk)["status"] in ("completed", "failed"), timeout=WAIT)
    s = _get(api, pk)
    assert s["status"] == "completed", s["error"]
    assert s["epoch"] == 6
    rows = api.get(f"/api/v1/training-sessions/{pk}/epochs/").json()
    assert [row["epoch"] for row in rows] == [1, 2, 3, 4, 5, 6]
    log = "\n".join(api.get(f"/api/v1/training-sessions/{pk}/log/?lines=2000").json()["lines"])
    assert "Resuming from" in log and f"Epoch {stopped_at + 1}/6" in log


def test_bad_initial_weights_fail_with_the_reason(celery_worker, api, coco_dataset):
    _live_worker(api, celery_worker)
    upload = SimpleUploadedFile("not-yolo.pt", not_a_checkpoint_pt())
    r = api.post("/api/v1/training-sessions/", {"dataset": coco_dataset["id"], "initial_weights": "upload",
                                                "initial_weights_file": upload, "epochs": 1, "imgsz": 64},
                 format="multipart")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    celery_worker(lambda: _get(api, pk)["status"] in ("failed", "completed"), timeout=WAIT)
    s = _get(api, pk)
    assert s["status"] == "failed"
    assert "not an Ultralytics checkpoint" in s["error"]
    assert "not an Ultralytics checkpoint" in "\n".join(api.get(f"/api/v1/training-sessions/{pk}/log/").json()["lines"])
    # Failed with no epoch: resume starts it again (and it fails again for the same reason).
    assert api.post(f"/api/v1/training-sessions/{pk}/resume/", {}, format="json").status_code == 200
    celery_worker(lambda: _get(api, pk)["status"] == "failed", timeout=WAIT)
    assert _get(api, pk)["attempt"] == 2


def test_session_of_a_killed_worker_ends_failed_with_the_reason(celery_worker, api, coco_dataset, settings):
    import signal
    import time

    _live_worker(api, celery_worker)
    r = start(api, coco_dataset["id"], name="worker dies", epochs=50, imgsz=64)
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    celery_worker(lambda: _get(api, pk)["status"] == "running" and _get(api, pk)["epoch"] >= 1, timeout=WAIT)
    os.killpg(celery_worker.proc.pid, signal.SIGKILL)  # no clean shutdown: the process is simply gone
    celery_worker.proc.wait(30)

    settings.TRAINING_STALE_AFTER_S = 3  # instead of minutes, so the test need not wait that long
    deadline = time.time() + 60
    while time.time() < deadline:
        listed = {s["id"]: s for s in api.get("/api/v1/training-sessions/").json()["results"]}
        if listed[pk]["status"] != "running":
            break
        time.sleep(1)
    s = _get(api, pk)
    assert s["status"] == "failed"
    assert "stopped responding" in s["error"]
