"""The dataset page in real Chromium: badges, split, rename and delete (datasets, images, classes), and imports
and exports as background jobs. A person's clicks, then the stored data through the API.

Pictures: the real COCO photos of tests/data/coco and the frames of the case import-overwrites-hand-labels.
"""
from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.conftest import SAMPLES_DIR, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COCO = SAMPLES_DIR / "coco"
CASE = SAMPLES_DIR / "cases" / "import-overwrites-hand-labels"
# Chromium logs each 4xx answer as a console error; where the 4xx is the point, that message is allowed.
EXPECTED_409 = "the server responded with a status of 409"


def errors(page, allow: str | None = None) -> list[str]:
    return [e for e in page.errors if not (allow and allow in e)]


def _zip(entries: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _put(api, image_id, **body):
    version = api.get(f"/api/v1/images/{image_id}/annotations/").json()["version"]
    r = api.put(f"/api/v1/images/{image_id}/annotations/", {"version": version, **body}, format="json")
    assert r.status_code == 200, r.content


def _inst(cls, x):
    return {"class": cls["id"], "bbox": [x, 10, 40, 80], "keypoints": [[x + 5, 20, 2]]}


def _thumb(page, name):
    return page.locator(f".thumb[data-name='{name}']")


def _badges(page, name):
    return _thumb(page, name).locator(".badges .badge:not(.split)").all_inner_texts()


def _grid_reloaded(page, before: str):
    page.wait_for_function(f"document.getElementById('dataset').dataset.gridReady !== '{before}'")


def test_badges_split_rename_and_delete_say_what_goes_with_them(browser_page, api, dataset, screenshot_dir):
    page = browser_page
    photos = ["000000000785.jpg", "000000040083.jpg", "000000196141.jpg", "000000197388.jpg"]
    zipped = _zip({f"cam1/{n}": (COCO / n).read_bytes() for n in photos[:3]} | {photos[3]: (COCO / photos[3]).read_bytes()})
    created = upload(api, dataset["id"], [("shoot.zip", zipped)]).json()["created"]
    ids = {img["original_name"]: img["id"] for img in created}
    person, hand = (api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {"name": n, "keypoints": [{"name": "a"}]},
                             format="json").json() for n in ("person", "hand"))
    busy, empty, crowd, todo = f"cam1/{photos[0]}", f"cam1/{photos[1]}", f"cam1/{photos[2]}", photos[3]
    _put(api, ids[busy], instances=[_inst(person, 10), _inst(person, 100), _inst(hand, 200)])
    _put(api, ids[empty], instances=[], no_objects=True)
    _put(api, ids[crowd], instances=[_inst(person, 10)], crowd=[{"class": person["id"], "bbox": [100, 50, 200, 150]}])

    page.goto(f"{page.base}/datasets/{dataset['id']}/")
    page.wait_for_function("document.querySelectorAll('.thumb').length === 4 && "
                           "document.querySelector('.thumb .badge.count') !== null")
    # Badges say what is labelled, per class, pluralised; the folder is part of the name shown.
    assert _badges(page, busy) == ["2 people", "1 hand"]
    assert _badges(page, empty) == ["no objects"]
    assert _badges(page, crowd) == ["1 person", "1 crowd region"]
    assert _badges(page, todo) == ["unlabelled"]
    assert _thumb(page, busy).locator(".name .folder").inner_text() == "cam1/"
    assert _thumb(page, busy).locator(".name").get_attribute("title") == busy
    page.screenshot(path=str(screenshot_dir / "dataset-page.png"), full_page=True)

    # The split: counts per split, and a switch per image that the API then reports.
    image = api.get(f"/api/v1/images/{ids[busy]}/").json()
    other = "val" if image["split"] == "train" else "train"
    counts_before = page.inner_text("#split-counts")
    _thumb(page, busy).locator("select.split").select_option(other)
    page.wait_for_function(f"document.getElementById('split-counts').textContent !== {json.dumps(counts_before)}")
    assert api.get(f"/api/v1/images/{ids[busy]}/").json()["split"] == other
    splits = api.get(f"/api/v1/datasets/{dataset['id']}/progress/").json()["splits"]
    assert page.inner_text("#split-counts").startswith(f"train: {splits['train']['images']} image")
    # The dataset's val share re-draws every split, after saying that hand-set ones are replaced.
    page.fill("#val-fraction", "0.5")
    page.click("#val-go")
    page.wait_for_selector("#confirm-dialog")
    assert "replaced" in page.inner_text("#confirm-dialog")
    stamp = page.evaluate("document.getElementById('dataset').dataset.gridReady")
    page.click("#confirm-dialog .dialog-confirm")
    page.wait_for_function("document.getElementById('val-status').textContent === 'splits re-drawn'")
    assert api.get(f"/api/v1/datasets/{dataset['id']}/").json()["val_fraction"] == 0.5
    # The new splits redraw the grid after the status says so: a rename started before that is redrawn away.
    _grid_reloaded(page, stamp)

    # Rename an image in place (with a folder), then the class and the dataset.
    _thumb(page, todo).locator(".rename").click()
    page.fill(".thumb .edit-in-place input", "cam2/renamed.jpg")
    page.keyboard.press("Enter")
    page.wait_for_selector(".thumb[data-name='cam2/renamed.jpg'] .name .folder")
    assert api.get(f"/api/v1/images/{ids[todo]}/").json()["original_name"] == "cam2/renamed.jpg"
    page.click(f"#classes li[data-id='{person['id']}'] .rename")
    page.fill("#classes .edit-in-place input", "skier")
    page.keyboard.press("Enter")
    page.wait_for_function("[...document.querySelectorAll('.thumb .badge.count')].some(b => b.textContent === '2 skiers')")
    assert api.get(f"/api/v1/classes/{person['id']}/").json()["name"] == "skier"
    page.click("#rename-dataset")
    page.fill(".ds-head .edit-in-place input", "slopes")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('dataset-name').textContent === 'slopes'")
    assert api.get(f"/api/v1/datasets/{dataset['id']}/").json()["name"] == "slopes"

    # Delete an image: the dialog names its labels; Cancel keeps it, Delete removes it.
    _thumb(page, busy).locator(".delete").click()
    page.wait_for_selector("#confirm-dialog")
    assert "Its labels go with it: 2 skiers, 1 hand." in page.inner_text("#confirm-dialog")
    page.click("#confirm-dialog .dialog-cancel")
    assert api.get(f"/api/v1/images/{ids[busy]}/").status_code == 200
    stamp = page.evaluate("document.getElementById('dataset').dataset.gridReady")
    _thumb(page, busy).locator(".delete").click()
    page.click("#confirm-dialog .dialog-confirm")
    _grid_reloaded(page, stamp)
    assert api.get(f"/api/v1/images/{ids[busy]}/").status_code == 404
    page.wait_for_function("document.querySelectorAll('.thumb').length === 3")

    # Delete a class in use: asked once, then told the server's count of the labels that go with it.
    page.click(f"#classes li[data-id='{person['id']}'] .x")
    page.wait_for_selector("#confirm-dialog")
    page.click("#confirm-dialog .dialog-confirm")
    page.wait_for_function("document.querySelector('#confirm-dialog h2') && "
                           "document.querySelector('#confirm-dialog h2').textContent.includes('and its labels')")
    # Its instance and its crowd region on one image: the server's count.
    assert "2 labels of this class (instances and crowd regions) on 1 image" in page.inner_text("#confirm-dialog")
    page.click("#confirm-dialog .dialog-confirm")
    page.wait_for_function(f"!document.querySelector(\"#classes li[data-id='{person['id']}']\")")
    assert api.get(f"/api/v1/classes/{person['id']}/").status_code == 404
    row = api.get(f"/api/v1/images/{ids[crowd]}/").json()
    assert row["class_counts"] == {} and row["crowd_count"] == 0  # its crowd region was of that class too
    page.wait_for_function(f"[...document.querySelectorAll(\".thumb[data-name='{crowd}'] .badge\")].some(b => b.textContent === 'unlabelled')")

    # Delete the dataset: the dialog counts what goes; then the list page.
    progress = api.get(f"/api/v1/datasets/{dataset['id']}/progress/").json()
    page.click("#delete-dataset")
    page.wait_for_selector("#confirm-dialog")
    text = page.inner_text("#confirm-dialog")
    assert f"{progress['total']} images and their files" in text
    assert f"{progress['instances']} labelled instance" in text
    page.click("#confirm-dialog .dialog-confirm")
    page.wait_for_url(f"{page.base}/")
    assert api.get(f"/api/v1/datasets/{dataset['id']}/").status_code == 404
    assert not errors(page, allow=EXPECTED_409), page.errors


def test_a_queued_import_is_cancelled_from_the_page(browser_page, api, dataset):
    """No worker runs here, so the job waits in the queue: Cancel must stop it and say nothing was imported."""
    page = browser_page
    page.goto(f"{page.base}/datasets/{dataset['id']}/")
    assert page.is_checked("#import-mode input[value=skip]")  # the default keeps existing labels
    page.set_input_files("#import-file", str(CASE / "colleague_export.zip"))
    page.click("#import-go")
    page.wait_for_function("document.getElementById('job').dataset.status === 'queued'")
    assert "keep existing labels" in page.inner_text("#job-line")
    page.click("#job-cancel")
    page.wait_for_function("document.getElementById('job').dataset.status === 'cancelled'")
    assert "nothing was imported" in page.inner_text("#job-line")
    jobs = api.get(f"/api/v1/datasets/{dataset['id']}/jobs/").json()
    assert [(j["status"], j["params"]["mode"]) for j in jobs] == [("cancelled", "skip")]
    assert api.get(f"/api/v1/datasets/{dataset['id']}/images/").json()["count"] == 0
    # Nothing to export: refused at once, and the page gives the server's reason with its field.
    page.click("#export-coco")
    page.wait_for_function("document.getElementById('export-status').textContent !== ''")
    refused = api.post(f"/api/v1/datasets/{dataset['id']}/exports/", {"format": "coco"}, format="json")
    assert refused.status_code == 400
    assert page.inner_text("#export-status") == f"{refused.json()['field']}: {refused.json()['message']}"
    assert not errors(page, allow="the server responded with a status of 400"), page.errors


def _run_job(page, button: str, status: str = "done") -> None:
    """Click the button that starts a job, then wait until the panel shows that new job's end state."""
    before = page.get_attribute("#job", "data-job")
    page.click(button)
    page.wait_for_function(f"document.getElementById('job').dataset.job !== {json.dumps(before)} && "
                           "['done', 'failed', 'cancelled'].includes(document.getElementById('job').dataset.status)",
                           timeout=120000)
    assert page.get_attribute("#job", "data-status") == status, page.inner_text("#job")


def _import(page, path, mode=None, status="done"):
    if mode:
        page.check(f"#import-mode input[value={mode}]")
    page.set_input_files("#import-file", str(path))
    _run_job(page, "#import-go", status)


@pytest.mark.worker
def test_imports_keep_labels_unless_asked_list_warnings_and_exports_download(browser_page, api, dataset, celery_worker,
                                                                             tmp_path, screenshot_dir):
    from tests.conftest import jpeg_bytes

    page = browser_page
    # Two frames labelled by hand (case import-overwrites-hand-labels), then a colleague's COCO export of them.
    frames = upload(api, dataset["id"], [(n, (CASE / n).read_bytes()) for n in ("frame_a.jpg", "frame_b.jpg")])
    ids = {i["original_name"]: i["id"] for i in frames.json()["created"]}
    cls = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", json.loads((CASE / "class.json").read_text()),
                   format="json").json()
    hand = json.loads((CASE / "hand_labels.json").read_text())
    for inst in hand["instances"]:
        inst["class"] = cls["id"]
    for image_id in ids.values():
        _put(api, image_id, instances=hand["instances"])
    boxes = lambda name: [i["bbox"] for i in api.get(f"/api/v1/images/{ids[name]}/annotations/").json()["instances"]]  # noqa: E731

    page.goto(f"{page.base}/datasets/{dataset['id']}/")
    _import(page, CASE / "colleague_export.zip")  # the default mode
    assert "0 images changed, 2 images skipped" in page.inner_text("#job-summary")
    page.click("#job-skipped summary")
    assert page.locator("#job-skipped li").all_inner_texts() == ["frame_a.jpg", "frame_b.jpg"]
    warning = page.locator("#job-warnings tr[data-code=skipped_labelled]")
    assert warning.locator(".item").inner_text() == "whole file (mode)"
    assert "mode=replace" in warning.inner_text()
    assert boxes("frame_a.jpg") == boxes("frame_b.jpg") == [i["bbox"] for i in hand["instances"]]

    _import(page, CASE / "colleague_export.zip", mode="replace")
    assert "2 images changed, 0 images skipped" in page.inner_text("#job-summary")
    assert boxes("frame_b.jpg") == [[5, 5, 20, 20]] and boxes("frame_a.jpg") == []
    assert page.is_checked("#import-mode input[value=skip]")  # each import asks again: back to the default

    # A new picture whose listed size disagrees with the file: stored, and the warning names the item.
    odd = {"images": [{"id": 1, "file_name": "odd/new.jpg", "width": 100, "height": 80}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [5, 5, 20, 20], "iscrowd": 0,
                            "keypoints": [10, 10, 2, 0, 0, 0, 0, 0, 0], "num_keypoints": 1}],
           "categories": [{"id": 1, "name": "thing", "keypoints": ["nose", "left_eye", "right_eye"]}]}
    (tmp_path / "odd.zip").write_bytes(_zip({"odd.json": json.dumps(odd), "odd/new.jpg": jpeg_bytes(64, 48, seed=5)}))
    _import(page, tmp_path / "odd.zip")
    row = page.locator("#job-warnings tr[data-code=size_differs]")
    assert row.locator(".item").inner_text() == "odd/new.jpg"
    page.wait_for_selector(".thumb[data-name='odd/new.jpg']")  # the grid follows the import
    page.screenshot(path=str(screenshot_dir / "dataset-import.png"), full_page=True)

    # A zip that is not a dataset: the job fails and says why, naming the field.
    (tmp_path / "notes.zip").write_bytes(_zip({"notes.txt": "hello"}))
    _import(page, tmp_path / "notes.zip", status="failed")
    job = api.get(f"/api/v1/datasets/{dataset['id']}/jobs/").json()[0]
    assert job["status"] == "failed" and job["error"]["field"]
    assert page.inner_text("#job-error").startswith(f"Nothing was imported: {job['error']['field']}: ")

    # Export YOLO: progress, then a link that downloads the zip.
    _run_job(page, "#export-yolo")
    assert "labelled image" in page.inner_text("#job-summary")
    href = page.get_attribute("#job-download", "href")
    download = page.request.get(f"{page.base}{href}")
    assert download.status == 200
    assert "data.yaml" in zipfile.ZipFile(io.BytesIO(download.body())).namelist()
    assert not errors(page), page.errors
