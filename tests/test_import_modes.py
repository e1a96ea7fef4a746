"""Imports never overwrite people's work without asking (case import-overwrites-hand-labels)."""
from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from .conftest import SAMPLES_DIR, upload

CASE = SAMPLES_DIR / "cases" / "import-overwrites-hand-labels"


@pytest.fixture
def hand_labelled(api, dataset):
    """Both frames uploaded and labelled by hand with two people each."""
    images = upload(api, dataset["id"], [(n, (CASE / n).read_bytes()) for n in ("frame_a.jpg", "frame_b.jpg")])
    by_name = {i["original_name"]: i["id"] for i in images.json()["created"]}
    cls = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", json.loads((CASE / "class.json").read_text()),
                   format="json").json()
    body = json.loads((CASE / "hand_labels.json").read_text())
    for inst in body["instances"]:
        inst["class"] = cls["id"]
    for image_id in by_name.values():
        version = api.get(f"/api/v1/images/{image_id}/annotations/").json()["version"]
        assert api.put(f"/api/v1/images/{image_id}/annotations/", {**body, "version": version},
                       format="json").status_code == 200
    return {"dataset": dataset["id"], "images": by_name, "hand": [i["bbox"] for i in body["instances"]]}


def _import(api, dataset_id, **extra):
    payload = {"file": SimpleUploadedFile("colleague_export.zip", (CASE / "colleague_export.zip").read_bytes()),
               **extra}
    return api.post(f"/api/v1/datasets/{dataset_id}/import-coco/", payload, format="multipart")


def _boxes(api, image_id):
    ann = api.get(f"/api/v1/images/{image_id}/annotations/").json()
    return [i["bbox"] for i in ann["instances"]]


def test_plain_import_keeps_hand_labels_and_names_the_skipped_images(api, hand_labelled):
    r = _import(api, hand_labelled["dataset"])
    assert r.status_code == 201, r.content
    body = r.json()
    assert sorted(s["file_name"] for s in body["skipped"]) == ["frame_a.jpg", "frame_b.jpg"]
    assert body["changed"] == [] and body["mode"] == "skip"
    assert any("frame_a.jpg" in w["message"] and "frame_b.jpg" in w["message"] and w["code"] == "skipped_labelled"
               for w in body["warnings"])
    for image_id in hand_labelled["images"].values():
        assert _boxes(api, image_id) == hand_labelled["hand"]


def test_replace_and_merge_happen_only_when_asked_and_list_what_changed(api, hand_labelled):
    frame_b = hand_labelled["images"]["frame_b.jpg"]
    merged = _import(api, hand_labelled["dataset"], mode="merge").json()
    assert sorted(c["file_name"] for c in merged["changed"]) == ["frame_a.jpg", "frame_b.jpg"]
    assert _boxes(api, frame_b) == hand_labelled["hand"] + [[5, 5, 20, 20]]
    assert _boxes(api, hand_labelled["images"]["frame_a.jpg"]) == hand_labelled["hand"]

    replaced = _import(api, hand_labelled["dataset"], mode="replace").json()
    assert sorted(c["file_name"] for c in replaced["changed"]) == ["frame_a.jpg", "frame_b.jpg"]
    assert _boxes(api, frame_b) == [[5, 5, 20, 20]]
    frame_a = api.get(f"/api/v1/images/{hand_labelled['images']['frame_a.jpg']}/annotations/").json()
    assert frame_a["instances"] == [] and frame_a["no_objects"] is True  # COCO lists it without a person
    assert _import(api, hand_labelled["dataset"], mode="overwrite").status_code == 400


def test_the_command_line_keeps_hand_labels_too(api, hand_labelled, tmp_path):
    import zipfile

    with zipfile.ZipFile(CASE / "colleague_export.zip") as zf:
        zf.extractall(tmp_path)
    json_file = next(tmp_path.rglob("*.json"))
    from datasets.models import Dataset

    name = Dataset.objects.get(pk=hand_labelled["dataset"]).name
    out, err = io.StringIO(), io.StringIO()
    call_command("import_coco", str(json_file), images=str(json_file.parent), dataset=name, owner="alice",
                 stdout=out, stderr=err)
    assert "left as they are" in err.getvalue()
    assert len(json.loads(out.getvalue())["skipped"]) == 2
    for image_id in hand_labelled["images"].values():
        assert _boxes(api, image_id) == hand_labelled["hand"]
