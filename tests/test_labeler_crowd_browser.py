"""Crowd regions in the labeler (real Chromium): drawn read-only so a person sees them, kept by every save.

The picture and its labels are a real COCO image with a crowd region (tests/data/coco_mini)."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import SAMPLES_DIR

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
COCO_MINI = SAMPLES_DIR / "coco_mini"


def crowd_zip() -> tuple[bytes, dict]:
    """A COCO zip of one coco_mini picture that has a crowd region, with all its annotations."""
    data = json.loads((COCO_MINI / "annotations" / "person_keypoints_train2017.json").read_text())
    image_id = next(a["image_id"] for a in data["annotations"] if a["iscrowd"])
    image = next(i for i in data["images"] if i["id"] == image_id)
    data["images"] = [image]
    data["annotations"] = [a for a in data["annotations"] if a["image_id"] == image_id]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("annotations.json", json.dumps(data))
        zf.writestr(image["file_name"], (COCO_MINI / "train2017" / image["file_name"]).read_bytes())
    return buf.getvalue(), data


def test_crowd_regions_are_drawn_read_only_and_kept_by_saves(browser_page, api, dataset, screenshot_dir):
    page = browser_page
    payload, data = crowd_zip()
    r = api.post(f"/api/v1/datasets/{dataset['id']}/import-coco/",
                 {"file": SimpleUploadedFile("crowd.zip", payload)}, format="multipart")
    assert r.status_code == 201, r.content
    image = api.get(f"/api/v1/datasets/{dataset['id']}/images/").json()["results"][0]
    stored = api.get(f"/api/v1/images/{image['id']}/annotations/").json()
    assert len(stored["crowd"]) == 1

    page.goto(f"{page.base}/datasets/{dataset['id']}/label/{image['id']}/")
    page.wait_for_function(f"window.__labelerReady === true && window.__labeler.imageId === {image['id']}")
    # One hatched region where the file put it, under the instances, named, and explained in the side panel.
    region = page.locator("rect.crowd-region")
    assert region.count() == 1
    box = [float(region.get_attribute(k)) for k in ("x", "y", "width", "height")]
    assert box == pytest.approx(stored["crowd"][0]["bbox"])
    assert region.get_attribute("fill") == "url(#crowd-hatch)"
    assert page.locator(".crowd-label").text_content() == "crowd · person"
    assert page.is_visible("#crowd-info") and "read-only" in page.inner_text("#crowd-info").lower()
    assert page.evaluate("document.querySelector('.crowd').nextElementSibling.classList.contains('instances')")
    page.screenshot(path=str(screenshot_dir / "labeler-crowd.png"))

    # An edit (one instance deleted) saves; the crowd region is still stored, and "saved by" names the saver.
    page.locator("#instance-list li").first.click()
    page.keyboard.press("Delete")
    page.wait_for_function("document.getElementById('save-status').dataset.state === 'saved' && "
                           "window.__labeler.version > 1")
    after = api.get(f"/api/v1/images/{image['id']}/annotations/").json()
    assert len(after["instances"]) == len(stored["instances"]) - 1
    assert after["crowd"] == stored["crowd"]
    assert page.inner_text("#saved-by").startswith("Saved by you")
    # "No objects" is refused while crowd regions are there (the server would refuse it too).
    page.keyboard.press("o")
    assert "crowd regions" in page.inner_text("#message")
    assert not page.is_checked("#no-objects")
    assert not page.errors, page.errors
