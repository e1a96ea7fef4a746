"""What the dataset page reads and writes besides uploads: per-class counts for the thumbnails' badges, image
rename and split, the train/val counts, and the counts a delete dialog states."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from .conftest import SAMPLES_DIR, jpeg_bytes, upload

pytestmark = pytest.mark.django_db
COCO_MINI = SAMPLES_DIR / "coco_mini"


def _classes(api, dataset_id, *names):
    return [api.post(f"/api/v1/datasets/{dataset_id}/classes/", {"name": n, "keypoints": [{"name": "a"}]},
                     format="json").json() for n in names]


def _put(api, image_id, instances, no_objects=False):
    version = api.get(f"/api/v1/images/{image_id}/annotations/").json()["version"]
    r = api.put(f"/api/v1/images/{image_id}/annotations/", {"version": version, "instances": instances,
                                                           "no_objects": no_objects}, format="json")
    assert r.status_code == 200, r.content


def _inst(cls, x=1):
    return {"class": cls["id"], "bbox": [x, 1, 10, 10], "keypoints": [[x + 1, 2, 2]]}


def test_images_carry_counts_per_class_that_follow_every_write(api, dataset):
    image = upload(api, dataset["id"], [("cam1/a.jpg", jpeg_bytes(seed=1))]).json()["created"][0]
    person, hand = _classes(api, dataset["id"], "person", "hand")
    assert (image["class_counts"], image["crowd_count"], image["instance_count"]) == ({}, 0, 0)

    _put(api, image["id"], [_inst(person), _inst(person, 20), _inst(hand, 30)])
    row = api.get(f"/api/v1/images/{image['id']}/").json()
    assert row["class_counts"] == {str(person["id"]): 2, str(hand["id"]): 1} and row["instance_count"] == 3

    # A class delete goes through the one writer: its instances leave the counts too.
    assert api.delete(f"/api/v1/classes/{hand['id']}/?force=true").status_code == 204
    listed = api.get(f"/api/v1/datasets/{dataset['id']}/images/").json()["results"][0]
    assert listed["class_counts"] == {str(person["id"]): 2} and listed["instance_count"] == 2

    _put(api, image["id"], [], no_objects=True)
    listed = api.get(f"/api/v1/datasets/{dataset['id']}/images/").json()["results"][0]
    assert (listed["labelled"], listed["class_counts"], listed["instance_count"]) == (True, {}, 0)


def test_imported_crowd_regions_are_counted_on_the_image(api, dataset):
    data = json.loads((COCO_MINI / "annotations" / "person_keypoints_train2017.json").read_text())
    crowd_image = next(a["image_id"] for a in data["annotations"] if a["iscrowd"])
    image = next(i for i in data["images"] if i["id"] == crowd_image)
    data["images"] = [image]
    data["annotations"] = [a for a in data["annotations"] if a["image_id"] == crowd_image]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("annotations.json", json.dumps(data))
        zf.writestr(image["file_name"], (COCO_MINI / "train2017" / image["file_name"]).read_bytes())
    r = api.post(f"/api/v1/datasets/{dataset['id']}/import-coco/",
                 {"file": SimpleUploadedFile("crowd.zip", buf.getvalue())}, format="multipart")
    assert r.status_code == 201, r.content
    people = sum(1 for a in data["annotations"] if not a["iscrowd"])
    row = api.get(f"/api/v1/datasets/{dataset['id']}/images/").json()["results"][0]
    assert row["crowd_count"] == 1 and sum(row["class_counts"].values()) == people == row["instance_count"]


def test_an_image_is_renamed_with_its_folders_and_moved_between_splits(api, dataset):
    image = upload(api, dataset["id"], [("a.jpg", jpeg_bytes(seed=2))]).json()["created"][0]
    r = api.patch(f"/api/v1/images/{image['id']}/", {"original_name": "  .\\cam2\\Cafe\u0301 01.jpg "}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["original_name"] == "cam2/Caf\u00e9 01.jpg"  # forward slashes, NFC, like an upload
    other = "val" if image["split"] == "train" else "train"
    r = api.patch(f"/api/v1/images/{image['id']}/", {"split": other}, format="json")
    assert (r.json()["split"], r.json()["original_name"]) == (other, "cam2/Caf\u00e9 01.jpg")

    bad = api.patch(f"/api/v1/images/{image['id']}/", {"original_name": "../.."}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "original_name"
    bad = api.patch(f"/api/v1/images/{image['id']}/", {"split": "test"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "split"
    assert api.get(f"/api/v1/images/{image['id']}/").json()["original_name"] == "cam2/Caf\u00e9 01.jpg"


def test_progress_counts_images_labelled_images_and_instances_per_split(api, dataset):
    images = upload(api, dataset["id"], [(f"{i}.jpg", jpeg_bytes(seed=10 + i)) for i in range(4)]).json()["created"]
    (person,) = _classes(api, dataset["id"], "person")
    for img, split in zip(images, ["train", "train", "val", "val"]):
        api.patch(f"/api/v1/images/{img['id']}/", {"split": split}, format="json")
    _put(api, images[0]["id"], [_inst(person), _inst(person, 20)])
    _put(api, images[2]["id"], [_inst(person)])
    _put(api, images[3]["id"], [], no_objects=True)
    p = api.get(f"/api/v1/datasets/{dataset['id']}/progress/").json()
    assert p["instances"] == 3
    assert p["splits"] == {"train": {"images": 2, "labelled": 1, "instances": 2},
                           "val": {"images": 2, "labelled": 2, "instances": 1}}


def test_class_delete_answers_the_counts_a_person_is_asked_about(api, dataset):
    images = upload(api, dataset["id"], [(f"{i}.jpg", jpeg_bytes(seed=20 + i)) for i in range(2)]).json()["created"]
    (person,) = _classes(api, dataset["id"], "person")
    _put(api, images[0]["id"], [_inst(person), _inst(person, 20)])
    _put(api, images[1]["id"], [_inst(person)])
    r = api.delete(f"/api/v1/classes/{person['id']}/")
    assert r.status_code == 409
    assert (r.json()["error"], r.json()["instances"], r.json()["images"]) == ("class_in_use", 3, 2)
    assert api.get(f"/api/v1/classes/{person['id']}/").status_code == 200
