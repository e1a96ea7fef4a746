"""COCO import (command and zip API) and COCO / YOLO export must round-trip the real samples."""
import contextlib
import io
import json
import zipfile

import numpy as np
import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from datasets.models import Annotation, Dataset, Image, SkeletonClass

from .conftest import SAMPLES_DIR, jpeg_bytes, upload

SAMPLES = {
    "coco": ("coco/test_coco.json", "coco"),
    "crowdpose": ("crowdpose/test_crowdpose.json", "crowdpose"),
    "animalpose": ("animalpose/test_animalpose.json", "animalpose"),
    "coco_mini": ("coco_mini/annotations/person_keypoints_train2017.json", "coco_mini/train2017"),
}


def import_sample(name, user, dataset="ds"):
    json_path, images = SAMPLES[name]
    out = io.StringIO()
    call_command("import_coco", str(SAMPLES_DIR / json_path), images=str(SAMPLES_DIR / images),
                 dataset=dataset, owner=user.username, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def body(response) -> dict:
    """The JSON of a streamed export."""
    return json.loads(b"".join(response.streaming_content))


def coco_from_dict(data):
    coco = COCO()
    coco.dataset = data
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def keyed(data):
    """file_name -> sorted [(bbox, keypoints with zeros where v == 0)] of non-crowd instances."""
    names = {i["id"]: i["file_name"] for i in data["images"]}
    out = {n: [] for n in names.values()}
    for a in data["annotations"]:
        if a.get("iscrowd"):
            continue
        k = [float(v) for v in a["keypoints"]]
        for j in range(0, len(k), 3):
            if k[j + 2] == 0:
                k[j] = k[j + 1] = 0.0
        out[names[a["image_id"]]].append(([round(float(v), 2) for v in a["bbox"]], [round(v, 2) for v in k]))
    return {n: sorted(v) for n, v in out.items()}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_coco_import_then_export_round_trips(api, user, name):
    result = import_sample(name, user)
    src = json.loads((SAMPLES_DIR / SAMPLES[name][0]).read_text())
    assert result["images_created"] == len(src["images"])
    r = api.get(f"/api/v1/datasets/{result['dataset']}/export/?format=coco")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    exported = body(r)
    assert keyed(exported) == keyed(src)
    # Crowd regions survive the round trip (as ignore regions for evaluation).
    assert sum(a["iscrowd"] for a in exported["annotations"]) == sum(a.get("iscrowd", 0) for a in src["annotations"])
    assert exported["categories"][0]["keypoints"] == src["categories"][0]["keypoints"]
    # Every image of a COCO file is labelled (objects, or none at all).
    p = api.get(f"/api/v1/datasets/{result['dataset']}/progress/").json()
    assert p["labelled"] == p["total"] == len(src["images"])

    # pycocotools loads it, and scoring the export against the source gives a perfect keypoint AP.
    gt = coco_from_dict(exported)
    assert len(gt.getAnnIds()) == len(src["annotations"])
    dets = [{**a, "score": 1.0} for a in exported["annotations"] if a["num_keypoints"] > 0]
    with contextlib.redirect_stdout(io.StringIO()):
        dt = gt.loadRes(dets)
        ev = COCOeval(gt, dt, "keypoints")
        ev.params.kpt_oks_sigmas = np.full(len(exported["categories"][0]["keypoints"]), 0.05)
        ev.evaluate(); ev.accumulate(); ev.summarize()
    assert ev.stats[0] == pytest.approx(1.0)


def test_crowdpose_import_warns_about_its_odd_skeleton(user):
    result = import_sample("crowdpose", user)
    assert any("does not exist" in w["message"] for w in result["warnings"])
    cls = SkeletonClass.objects.get()
    assert len(cls.keypoints) == 14 and all(c["a"] < 14 and c["b"] < 14 for c in cls.connections)
    assert cls.flip_pairs == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11]]


def test_yolo_export_zip_has_data_yaml_images_and_labels(api, user):
    result = import_sample("coco", user)
    r = api.get(f"/api/v1/datasets/{result['dataset']}/export/?format=yolo")
    assert r.status_code == 200
    zf = zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content)))
    names = zf.namelist()
    data = yaml.safe_load(zf.read("data.yaml"))
    assert data["kpt_shape"] == [17, 3] and data["flip_idx"][:3] == [0, 2, 1]
    imgs = [n for n in names if n.startswith("images/")]
    labels = [n for n in names if n.startswith("labels/")]
    assert len(imgs) == len(labels) == 4
    total = sum(len(zf.read(n).decode().splitlines()) for n in labels)
    assert total == 14


def test_export_command_writes_both_formats(user, tmp_path):
    result = import_sample("animalpose", user)
    call_command("export_dataset", "ds", owner="alice", format="coco", out=str(tmp_path / "a.json"), stdout=io.StringIO())
    assert len(json.loads((tmp_path / "a.json").read_text())["annotations"]) == 2
    call_command("export_dataset", str(result["dataset"]), owner="alice", format="yolo", out=str(tmp_path / "y"),
                 stdout=io.StringIO())
    assert yaml.safe_load((tmp_path / "y" / "data.yaml").read_text())["kpt_shape"] == [20, 3]
    with pytest.raises(CommandError):
        call_command("export_dataset", "nope", owner="alice", format="coco", out=str(tmp_path / "b.json"))


def test_import_command_with_missing_images_stores_nothing(user, tmp_path):
    with pytest.raises(CommandError, match="not found"):
        call_command("import_coco", str(SAMPLES_DIR / "coco/test_coco.json"), images=str(tmp_path),
                     dataset="ds", owner="alice", stdout=io.StringIO())
    assert Dataset.objects.count() == Image.objects.count() == SkeletonClass.objects.count() == 0
    with pytest.raises(CommandError, match="no user"):
        call_command("import_coco", str(SAMPLES_DIR / "coco/test_coco.json"), images=str(tmp_path),
                     dataset="ds", owner="ghost")


def _zip(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_import_over_the_api(api, dataset):
    src = SAMPLES_DIR / "animalpose"
    blob = _zip({"export/annotations.json": (src / "test_animalpose.json").read_bytes(),
                 "export/images/ca110.jpeg": (src / "ca110.jpeg").read_bytes(),
                 "export/images/ho105.jpeg": (src / "ho105.jpeg").read_bytes()})
    r = api.post(f"/api/v1/datasets/{dataset['id']}/import-coco/",
                 {"file": SimpleUploadedFile("a.zip", blob)}, format="multipart")
    assert r.status_code == 201, r.json()
    assert r.json()["images_created"] == 2 and r.json()["instances"] == 2
    assert Annotation.objects.count() == 2


@pytest.mark.parametrize("entries,field", [
    ({"a.json": b"{not json"}, "file"),
    ({"x.jpg": b"1"}, "file"),
    ({"a.json": json.dumps({"images": [], "annotations": []}).encode()}, "categories"),
    ({"a.json": (SAMPLES_DIR / "coco/test_coco.json").read_bytes()}, "images"),
])
def test_bad_zip_import_answers_400_and_stores_nothing(api, dataset, entries, field):
    r = api.post(f"/api/v1/datasets/{dataset['id']}/import-coco/",
                 {"file": SimpleUploadedFile("a.zip", _zip(entries))}, format="multipart")
    assert r.status_code == 400, r.json()
    assert r.json()["field"] == field
    assert Image.objects.count() == SkeletonClass.objects.count() == 0


def test_import_with_an_instance_outside_its_image_rolls_back(api, dataset, tmp_path):
    data = json.loads((SAMPLES_DIR / "animalpose/test_animalpose.json").read_text())
    data["annotations"][1]["bbox"] = [250, 200, 400, 400]
    blob = _zip({"a.json": json.dumps(data).encode(),
                 "ca110.jpeg": (SAMPLES_DIR / "animalpose/ca110.jpeg").read_bytes(),
                 "ho105.jpeg": (SAMPLES_DIR / "animalpose/ho105.jpeg").read_bytes()})
    r = api.post(f"/api/v1/datasets/{dataset['id']}/import-coco/", {"file": SimpleUploadedFile("a.zip", blob)},
                 format="multipart")
    assert r.status_code == 400 and "bbox" in r.json()["field"]
    assert Image.objects.count() == 0


def test_export_rejects_unknown_format_and_foreign_classes(api, user):
    result = import_sample("coco", user)
    assert api.get(f"/api/v1/datasets/{result['dataset']}/export/?format=voc").json()["field"] == "format"
    assert api.get(f"/api/v1/datasets/{result['dataset']}/export/?format=coco&classes=99999").json()["field"] == "classes"


def test_export_leaves_out_unlabelled_images(api, user):
    result = import_sample("animalpose", user)
    upload(api, result["dataset"], [("new.jpg", jpeg_bytes(seed=5))])
    exported = body(api.get(f"/api/v1/datasets/{result['dataset']}/export/?format=coco"))
    assert [i["file_name"] for i in exported["images"]] == ["ca110.jpeg", "ho105.jpeg"]


def test_image_list_query_count_does_not_grow_with_the_page(api, user):
    result = import_sample("coco_mini", user)
    url = f"/api/v1/datasets/{result['dataset']}/images/"
    api.get("/api/v1/auth/me/")  # a token's first use records it (last_used_at): not part of the list's cost
    with CaptureQueriesContext(connection) as small:
        assert len(api.get(url + "?page_size=5").json()["results"]) == 5
    with CaptureQueriesContext(connection) as big:
        assert len(api.get(url + "?page_size=36").json()["results"]) == 36
    assert len(big) == len(small) <= 6
    with CaptureQueriesContext(connection) as lst:
        api.get("/api/v1/datasets/")
    assert len(lst) <= 4
