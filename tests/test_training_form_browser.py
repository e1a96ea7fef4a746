"""The training form and dashboard in Chromium (issue 12): the split check previewed when a dataset is picked, a
COCO-pretrained checkpoint offered from WEIGHTS_DIR and started from, the session's warnings and the COCO AP
headline waiting for its first scored epoch. Nothing trains here (no worker runs); test_training_e2e.py trains."""
from __future__ import annotations

import pytest

from tests.training_fixtures import jpeg_bytes, upload


@pytest.mark.browser
def test_form_previews_the_split_and_starts_from_a_pretrained_checkpoint(api, browser_page, settings, tmp_path):
    from datasets.models import Image
    from training.models import TrainingSession

    settings.WEIGHTS_DIR = tmp_path
    (tmp_path / "yolo11n-pose.pt").write_bytes(b"listed by name and size; never loaded here")
    ds = api.post("/api/v1/datasets/", {"name": "pair"}, format="json").json()
    imgs = upload(api, ds["id"], [(f"{n}.jpg", jpeg_bytes(96, 80, seed=n)) for n in (1, 2)]).json()["created"]
    Image.objects.filter(pk__in=[i["id"] for i in imgs]).update(split="train")
    cls = api.post(f"/api/v1/datasets/{ds['id']}/classes/", {"name": "dot", "keypoints": [{"name": "p"}]},
                   format="json").json()
    for img in imgs:
        api.put(f"/api/v1/images/{img['id']}/annotations/", {"version": 0, "instances": [
            {"class": cls["id"], "bbox": [4, 4, 40, 40], "keypoints": [[10, 10, 2]]}]}, format="json")

    page = browser_page
    page.goto(f"{page.base}/training/?dataset={ds['id']}")
    page.wait_for_function("document.querySelectorAll('#split-check div').length >= 2", timeout=20000)
    check = page.locator("#split-check").inner_text()
    assert "People with keypoints a session would use: 1 in train, 1 in val" in check
    assert "moved 1 of the 2 train image(s) with people into val" in check
    assert "val split holds only 1 people" in check
    page.wait_for_function("document.querySelectorAll('#pretrained option').length === 1", timeout=20000)
    assert page.locator("#pretrained").input_value() == "pretrained:yolo11n-pose.pt"
    page.check("#pretrained-radio")
    page.fill("input[name=epochs]", "1")
    page.fill("input[name=imgsz]", "64")
    page.click("#start")
    page.wait_for_url("**/training/*/", timeout=20000)

    s = TrainingSession.objects.get()
    assert s.initial_weights == "pretrained" and s.initial_weights_name == "yolo11n-pose.pt"
    assert s.algorithm == "yolo11n-pose" and s.val_images == 1
    page.wait_for_function("document.querySelectorAll('#warnings .warn').length >= 2", timeout=20000)
    warnings = page.locator("#warnings").inner_text()
    assert "moved 1 of the 2" in warnings and "val split holds only 1" in warnings
    assert page.locator("#coco-ap").inner_text() == "–"
    assert page.locator("#coco-from").inner_text() == "not scored yet"
    assert page.locator("#coco-ground-truth").is_visible() and not page.locator("#coco-predictions").is_visible()
    assert page.errors == []

    settings.WEIGHTS_DIR = tmp_path / "empty"
    page.goto(f"{page.base}/training/")
    page.wait_for_function("document.getElementById('pretrained-status').textContent.includes('fetch_weights')",
                           timeout=20000)
    assert page.locator("#pretrained-radio").is_disabled()
