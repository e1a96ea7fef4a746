"""Suggestions in the labeler (real Chromium): drawn apart from labels, accepted one by one, all at once with
one key, or by dragging a point; saves record each label's origin; review mode walks the queue least sure first.

The suggestions are the COCO annotations of the sample photos (five keypoints each), stored through the
autolabel service as a model would store them, with scores chosen so the order is known."""
from __future__ import annotations

import pytest

from tests.test_labeler_browser import NAMES, PEOPLE, close, drag, screen, setup_dataset, stored, wait_ready, wait_saved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _store(image_id: int, class_id: int, people: list[dict], scores: list[float]) -> None:
    from autolabel.services import suggestions_store
    from datasets.models import Image

    out = []
    for person, score in zip(people, scores):
        kps = [[round(x, 2), round(y, 2), 2 if x or y else 0] for x, y in person["points"]]
        kscores = [0.3 if i == 1 else 0.9 for i in range(len(kps))]  # the left wrist: unsure
        out.append({"class": class_id, "bbox": [round(v, 2) for v in person["bbox"]], "keypoints": kps,
                    "score": score, "keypoint_scores": kscores})
    suggestions_store(image=Image.objects.get(pk=image_id), suggestions=out,
                      source={"deployment": 11, "version": 3, "name": "skiers"})


def test_accept_one_drag_another_accept_all_in_review_order(browser_page, api, dataset, screenshot_dir):
    page = browser_page
    images, cls = setup_dataset(api, dataset, photos=["000000000785.jpg", "000000196141.jpg", "000000197388.jpg"])
    ski, crowd, third = (im["id"] for im in images)
    _store(crowd, cls["id"], PEOPLE[196141][:2], [0.35, 0.8])  # least sure: reviewed first
    _store(third, cls["id"], PEOPLE[197388][:2], [0.6, 0.9])

    assert api.get(f"/api/v1/datasets/{dataset['id']}/review/next/").json() == {"image": crowd, "remaining": 2}
    page.goto(f"{page.base}/datasets/{dataset['id']}/label/{ski}/?review=1")
    wait_ready(page, ski)
    assert page.is_visible("#review-mode") and page.is_hidden("#suggest-bar")
    # "Next" in review mode opens the least sure image, not the following id.
    page.keyboard.press("d")
    wait_ready(page, crowd)
    assert page.url.endswith(f"/label/{crowd}/?review=1")
    assert page.locator(".inst.suggestion").count() == 2  # dashed and translucent (labeler.css)
    assert page.locator(".kp.low").count() == 2  # each suggestion's unsure left wrist
    assert page.locator(".inst.suggestion").first.evaluate("g => getComputedStyle(g).opacity") == "0.6"
    assert "2 suggestions from skiers v3" in page.inner_text("#suggest-bar")
    page.screenshot(path=str(screenshot_dir / "labeler_suggestions.png"))

    # Accept the first as it is (its ✓ in the instance list) ...
    page.locator("#instance-list li.suggestion").first.locator("button[data-decide=accept]").click()
    page.wait_for_function("document.querySelectorAll('.inst.suggestion').length === 1")  # drawn on the next frame
    # ... and fix the second one's nose by dragging it: that accepts it, as edited.
    nose = page.evaluate("window.__labeler.doc.instances[1].keypoints[0]")
    target = [nose[0] + 12, nose[1] + 6]
    drag(page, screen(page, *nose[:2]), screen(page, *target))
    page.wait_for_function("document.querySelectorAll('.inst.suggestion').length === 0")
    assert page.is_hidden("#suggest-bar")
    wait_saved(page)
    body = stored(api, crowd)
    assert body["suggestions"] == [] and len(body["instances"]) == 2
    first, second = body["instances"]
    assert first["origin"] == {"suggestion": True, "deployment": 11, "version": 3, "edited": False}
    assert second["origin"] == {"suggestion": True, "deployment": 11, "version": 3, "edited": True}
    suggested = [[round(x, 2), round(y, 2), 2] if x or y else [0, 0, 0] for x, y in PEOPLE[196141][0]["points"]]
    assert first["keypoints"] == suggested  # accepted as it was suggested, unsure points included
    assert close(second["keypoints"][0][:2], target, tol=1.5)  # where it was dropped (pointer pixels)

    # The help lists the accept-all key; R (or Next) goes on to the next image to review; Y accepts all.
    page.keyboard.press("?")
    assert "Accept all of the model's suggestions" in page.inner_text("#help")
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    wait_ready(page, third)
    page.keyboard.press("y")
    wait_saved(page)
    body = stored(api, third)
    assert body["suggestions"] == [] and [i["origin"]["edited"] for i in body["instances"]] == [False, False]
    assert len(body["instances"][0]["keypoints"]) == len(NAMES)
    progress = api.get(f"/api/v1/datasets/{dataset['id']}/progress/").json()
    assert progress["labelled"] == 2 and progress["unlabelled"] == 1  # the skier had no suggestions, no labels
    page.keyboard.press("r")
    page.wait_for_function("document.getElementById('message').textContent.includes('Nothing left to review')")
    assert page.errors == []
