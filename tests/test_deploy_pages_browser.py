"""The deployment pages in Chromium, under the Content-Security-Policy the server sends (`script-src 'self';
style-src 'self'`, enforced, every violation a failure): a finished training session's "Deploy" button deploys its best.pt (a real tiny Ultralytics checkpoint,
exported to ONNX by a real Celery worker) and opens the playground; there an image is picked and another one
dropped, "Detect" draws the answer over it and shows the JSON; the client code shown is then run as it is
copied (Python requests against the live server with a key made on the deployment's page, and curl), and the
deployment's page shows the calls in its monitoring panel, makes and revokes a key, redeploys and rolls back.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import SAMPLES_DIR
from tests.test_pages_csp_browser import assert_policy_sent, strict_page, violations, wait_true  # noqa: F401
from tests.yolo_fixtures import tiny_pose_pt  # noqa: F401  (session fixture)

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
PHOTOS = sorted((SAMPLES_DIR / "coco").glob("*.jpg"))
WAIT = int(os.environ.get("DEPLOY_TEST_WAIT", "240"))  # generous for a loaded 2-core box; not a timing assertion
COCO17 = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
          "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee",
          "left_ankle", "right_ankle"]
LINKS = [[15, 13], [13, 11], [16, 14], [14, 12], [11, 12], [5, 11], [6, 12], [5, 6], [5, 7], [6, 8], [7, 9], [8, 10]]
COLOUR = "#16a34a"


def finished_session(user, pt_bytes: bytes):
    """A completed training session of alice's personal workspace whose best.pt is the tiny checkpoint, with the
    skeleton snapshot a real run freezes (class "person", its colour and links)."""
    from accounts.selectors import personal_workspace
    from config import storage
    from training.models import TrainingSession

    ws = personal_workspace(user)
    session = TrainingSession.objects.create(
        workspace=ws, created_by=user, name="tiny people", algorithm="yolo11n-pose", status="completed", epoch=1,
        epochs=1, progress=1.0, skeleton={"keypoint_count": 17, "keypoint_names": COCO17, "classes": [
            {"id": 1, "name": "person", "color": COLOUR, "keypoints": COCO17, "connections": LINKS, "flip_pairs": []}]})
    session.best_weights = storage.save_replace(f"training/{session.pk}/weights/best.pt", pt_bytes)
    session.save(update_fields=["best_weights"])
    return session


def drop_file(page, selector: str, path, mime="image/jpeg"):
    """Drop a file on an element as a person dragging it from the desktop would (a DataTransfer with a File)."""
    data = list(path.read_bytes())
    page.evaluate("""([selector, bytes, name, mime]) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], name, { type: mime }));
        const target = document.querySelector(selector);
        for (const type of ["dragenter", "dragover", "drop"]) {
          target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
        }
    }""", [selector, data, path.name, mime])


def set_slider(page, selector: str, value: float):
    """Move a range input as a drag does: its value, then `input` and `change` (Playwright cannot fill a range)."""
    page.evaluate("""([selector, value]) => {
        const el = document.querySelector(selector);
        el.value = String(value);
        el.dispatchEvent(new Event("input", { bubbles: true }));
        el.dispatchEvent(new Event("change", { bubbles: true }));
    }""", [selector, value])


def overlay_colours(page) -> set[str]:
    """The opaque colours painted on the overlay canvas (its pixels, not the shapes the page meant to draw)."""
    return set(page.evaluate("""() => {
        const c = document.getElementById("overlay");
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        const seen = new Set();
        for (let i = 0; i < d.length; i += 4) {
          if (d[i + 3] === 255) seen.add("#" + [d[i], d[i + 1], d[i + 2]].map((v) => v.toString(16).padStart(2, "0")).join(""));
        }
        return [...seen];
    }"""))


def test_deploy_a_finished_session_detect_in_the_playground_and_run_the_copied_code(
        strict_page, api, user, celery_worker, tiny_pose_pt, screenshot_dir, live_server, tmp_path):
    page = strict_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    session = finished_session(user, tiny_pose_pt.read_bytes())

    # 1. The finished session's dashboard: one click on "Deploy".
    page.goto(f"{page.base}/training/{session.pk}/")
    page.wait_for_selector("#deploy:visible")
    page.click("#deploy")
    page.wait_for_url("**/deployments/*/playground/", timeout=30000)
    deployment_id = int(page.url.rstrip("/").split("/")[-2])
    d = api.get(f"/api/v1/deployments/{deployment_id}/").json()
    assert d["name"].startswith("tiny people") and d["kind"] == "custom" and not d["public"]
    versions = api.get(f"/api/v1/deployments/{deployment_id}/versions/").json()
    assert [(v["number"], v["source"], v["training_session"]) for v in versions] == [(1, "session_best", session.pk)]
    celery_worker(lambda: api.get(f"/api/v1/deployments/{deployment_id}/").json()["status"] == "ready", timeout=WAIT)

    # 2. The playground: pick a photo, lower the confidence so the tiny net answers, Detect.
    wait_true(page, "window.__playgroundReady === true")
    page.set_input_files("#file", str(PHOTOS[0]))
    page.wait_for_selector("#stage:not([hidden])")
    set_slider(page, "#conf", 0.05)
    page.click("#detect")
    wait_true(page, "window.__detections >= 1", timeout=WAIT)
    shown = json.loads(page.inner_text("#json"))
    assert isinstance(shown, list) and shown, "the tiny net finds something at conf 0.05"
    first = shown[0]
    assert set(first) >= {"class", "confidence", "x", "y", "width", "height", "keypoints"}
    assert first["class"] == "person" and [k["name"] for k in first["keypoints"]] == COCO17
    assert page.inner_text("#count") == f"{len(shown)} instance{'' if len(shown) == 1 else 's'}"
    assert "ms round trip" in page.inner_text("#latency")
    # What the page drew is the class skeleton's colour, painted on the canvas over the image.
    assert page.evaluate("window.__overlayShapes") >= len(shown)
    assert COLOUR in overlay_colours(page)
    # The same call through the API answers the same instances.
    with open(PHOTOS[0], "rb") as fh:
        direct = api.post(f"/api/v1/deployments/{deployment_id}/detect", {"image": fh, "conf_thres": 0.05},
                          format="multipart").json()
    assert [round(i["confidence"], 4) for i in direct] == [round(i["confidence"], 4) for i in shown]

    # 3. Drop another photo on the drop zone: a new image, a new answer.
    drop_file(page, "#drop", PHOTOS[1])
    wait_true(page, "document.getElementById('json').textContent === '[]'")
    page.click("#detect")
    wait_true(page, "window.__detections >= 2", timeout=WAIT)
    page.screenshot(path=str(screenshot_dir / "playground.png"), full_page=True)

    # 4. Copy the Python code and run it, as copied, with a key made on the deployment's page.
    page.click(".tabs [data-lang=python]")
    page.click("#copy-code")
    wait_true(page, "document.getElementById('copy-code-msg').textContent === 'Copied.'")
    python_code = page.evaluate("navigator.clipboard.readText()")
    assert python_code == page.input_value("#code")
    urls = [f"{live_server.url}/api/v1/deployments/{deployment_id}/detect", f"{live_server.url}/d/{d['slug']}/detect"]
    assert "YOUR_API_KEY" in python_code and 0 < python_code.index(urls[0]) < python_code.index(urls[1])
    assert violations(page) == []

    page.goto(f"{page.base}/deployments/{deployment_id}/")
    wait_true(page, "window.__deploymentReady === true")
    page.fill("#new-key input[name=name]", "copied code")
    page.click("#create-key")
    page.wait_for_selector("#new-key-box:not([hidden])")
    key = page.input_value("#new-key-value")
    wait_true(page, "document.querySelectorAll('#keys tbody tr').length === 1")  # the list, reloaded
    listed = page.inner_text("#keys tbody tr td:nth-child(2)")  # only the key's prefix is kept and shown
    assert listed.endswith("…") and key.startswith(listed[:-1]) and len(listed) < len(key)
    script = tmp_path / "client.py"
    script.write_text(python_code.replace("YOUR_API_KEY", key))
    run = subprocess.run([sys.executable, str(script), str(PHOTOS[0])], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert [round(i["confidence"], 4) for i in json.loads(run.stdout)] == [round(i["confidence"], 4) for i in shown]
    # curl, copied from its tab, with the first URL dead: the fallback answers.
    page.goto(f"{page.base}/deployments/{deployment_id}/playground/")
    wait_true(page, "window.__playgroundReady === true")
    page.click(".tabs [data-lang=curl]")
    assert "-F conf_thres=0.25" in page.input_value("#code")
    set_slider(page, "#conf", 0.05)  # the code follows the sliders
    curl_code = page.input_value("#code")
    assert "-F conf_thres=0.05" in curl_code
    assert shutil.which("curl"), "curl is needed to run the copied curl code"
    dead = curl_code.replace(urls[0], "http://127.0.0.1:9/dead/detect", 1).replace("'photo.jpg'", f"'{PHOTOS[0]}'")
    run = subprocess.run(["bash", "-c", dead.replace("YOUR_API_KEY", key)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert [round(i["confidence"], 4) for i in json.loads(run.stdout)] == [round(i["confidence"], 4) for i in shown]

    # 5. The monitoring panel counts the calls; revoke the key; redeploy, then roll back.
    page.goto(f"{page.base}/deployments/{deployment_id}/")
    wait_true(page, "window.__deploymentReady === true")
    assert int(page.inner_text("#m-requests")) >= 3
    assert page.inner_text("#m-p50").startswith("≤ ")
    assert "requests in" in page.inner_text("#m-quota")
    page.click("#keys tbody tr .revoke")
    page.click("#confirm-dialog .dialog-confirm")
    wait_true(page, "document.querySelector('#keys tbody tr td:nth-child(5)').textContent.startsWith('revoked')")
    assert api.get(f"/api/v1/deployments/{deployment_id}/keys/").json()[0]["revoked"] is True
    page.click("#redeploy-button")  # the same session's best.pt again: version 2 becomes active
    wait_true(page, "document.querySelectorAll('#versions tbody tr').length === 2")
    celery_worker(lambda: api.get(f"/api/v1/deployments/{deployment_id}/").json()["status"] == "ready", timeout=WAIT)
    page.reload()
    wait_true(page, "window.__deploymentReady === true")
    page.click("#versions tbody tr[data-number='1'] .activate")
    wait_true(page, "document.querySelector('#versions tbody tr.active')?.dataset.number === '1'")
    assert api.get(f"/api/v1/deployments/{deployment_id}/").json()["active_version"]["number"] == 1
    page.screenshot(path=str(screenshot_dir / "deployment.png"), full_page=True)
    assert violations(page) == []
    assert_policy_sent(page)
    assert not page.errors, page.errors


def test_deployments_page_creates_from_an_uploaded_pt_and_deletes(strict_page, api, celery_worker, tiny_pose_pt):
    page = strict_page
    page.goto(f"{page.base}/deployments/")
    page.wait_for_selector("#empty:not([hidden])")
    page.check("input[name=source][value=upload]")
    page.set_input_files("#weights-file", str(tiny_pose_pt))
    assert page.input_value("#name") == "tiny_pose"  # suggested from the file's name
    page.check("#public")
    page.fill("input[name=monthly_quota]", "100")
    page.select_option("select[name=engine]", "torch")
    page.fill("#new-deployment textarea[name=allowed_origins]", "https://a.example\nhttps://b.example:8443")
    page.click("#create")
    page.wait_for_url("**/deployments/*/")
    deployment_id = int(page.url.rstrip("/").split("/")[-1])
    d = api.get(f"/api/v1/deployments/{deployment_id}/").json()
    assert (d["name"], d["public"], d["monthly_quota"], d["engine"]) == ("tiny_pose", True, 100, "torch")
    assert d["allowed_origins"] == ["https://a.example", "https://b.example:8443"]
    wait_true(page, "window.__deploymentReady === true")
    assert page.input_value("#url") == f"{page.base}/api/v1/deployments/{deployment_id}/detect"
    assert page.input_value("#fallback-url") == f"{page.base}/d/{d['slug']}/detect"
    page.fill("#settings input[name=burst_per_minute]", "7")
    page.fill("#settings textarea[name=allowed_origins]", "https://shop.example")
    page.click("#save-settings")
    wait_true(page, "document.getElementById('settings-msg').textContent === 'Saved.'")
    d = api.get(f"/api/v1/deployments/{deployment_id}/").json()
    assert d["burst_per_minute"] == 7 and d["allowed_origins"] == ["https://shop.example"]
    page.goto(f"{page.base}/deployments/")
    page.wait_for_selector(f"#deployments tbody tr[data-id='{deployment_id}']")
    page.click(f"#deployments tbody tr[data-id='{deployment_id}'] a")
    wait_true(page, "window.__deploymentReady === true")
    page.click("#delete")
    page.click("#confirm-dialog .dialog-confirm")
    page.wait_for_url(f"{page.base}/deployments/")
    assert api.get(f"/api/v1/deployments/{deployment_id}/").status_code == 404
    assert violations(page) == []
    assert_policy_sent(page)
    assert not page.errors, page.errors
