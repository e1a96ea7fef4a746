"""The dataset page's autolabel panel in real Chromium: choose the model and threshold, switch new uploads on,
edit the keypoint mapping, start "Autolabel now" and cancel it; every change checked through the API.
(No worker runs here, so the job stays queued until it is cancelled; tests/test_autolabel_e2e.py runs jobs.)"""
from __future__ import annotations

import pytest

from tests.autolabel_fixtures import coco_template
from tests.conftest import upload
from tests.training_fixtures import COCO_IMAGES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_settings_mapping_run_and_cancel_from_the_dataset_page(browser_page, api, dataset, screenshot_dir):
    from datasets.formats.skeleton import COCO_KEYPOINT_NAMES
    from deploy.models import Deployment, DeploymentVersion

    page, ds = browser_page, dataset["id"]
    cls = api.post(f"/api/v1/datasets/{ds}/classes/", coco_template(), format="json").json()
    upload(api, ds, [(p.name, p.read_bytes()) for p in sorted(COCO_IMAGES.glob("*.jpg"))[:2]])
    deployment = Deployment.objects.create(workspace_id=dataset["workspace"], name="mine", kind="custom")
    DeploymentVersion.objects.create(deployment=deployment, number=1, active=True, status="ready",
                                     classes=[{"name": "person", "keypoints": list(COCO_KEYPOINT_NAMES)}])

    page.goto(f"{page.base}/datasets/{ds}/")
    page.wait_for_function("window.__autolabelReady === true")
    page.select_option("#al-deployment", str(deployment.pk))
    page.fill("#al-conf", "0.4")
    page.check("#al-on-upload")
    page.click("#al-save")
    page.wait_for_function("document.getElementById('al-status').textContent.includes('new uploads are pre-labelled')")
    cfg = api.get(f"/api/v1/datasets/{ds}/autolabel/").json()
    assert (cfg["deployment"], cfg["conf"], cfg["on_upload"]) == (deployment.pk, 0.4, True)

    # The mapping editor: made by name (17 of 17); the nose set to absent and saved.
    editor = page.locator(f".al-mapping[data-class='{cls['id']}']")
    editor.wait_for()
    assert "person ← person: 17 of 17 points mapped (by name)" in editor.locator("summary").inner_text()
    editor.locator("summary").click()
    editor.locator("select[data-k='0']").select_option("")
    editor.locator("button", has_text="Save mapping").click()
    page.wait_for_function("document.querySelector('.al-mapping').textContent.includes('Saved')")
    stored = api.get(f"/api/v1/datasets/{ds}/autolabel/mappings/{cls['id']}/").json()
    assert stored["mapping"][0] is None and stored["mapping"][1:] == list(COCO_KEYPOINT_NAMES[1:]) and stored["edited"]

    page.click("#al-run")
    page.wait_for_function("document.getElementById('al-job-line').textContent.includes('queued · 0 of 2 images')")
    page.screenshot(path=str(screenshot_dir / "dataset_autolabel_panel.png"), full_page=True)
    page.click("#al-cancel")
    page.wait_for_function("document.getElementById('al-job').dataset.status === 'cancelled'")
    jobs = api.get(f"/api/v1/datasets/{ds}/autolabel/jobs/").json()
    assert [j["status"] for j in jobs] == ["cancelled"] and jobs[0]["total"] == 2
    assert page.errors == []
