"""The failing real-world cases (tests/data/cases/*/README.md) through the API and the command line, as a person
meets them; each expected value is the case's right result. (The format cores' own tests are
tests/test_format_cases.py.)"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from PIL import Image as PILImage

from .conftest import SAMPLES_DIR, upload

CASES = SAMPLES_DIR / "cases"


def import_zip(api, dataset_id, path, **extra):
    return api.post(f"/api/v1/datasets/{dataset_id}/import-coco/",
                    {"file": SimpleUploadedFile(path.name, path.read_bytes()), **extra}, format="multipart")


def new_dataset(api, name="d", **extra):
    return api.post("/api/v1/datasets/", {"name": name, **extra}, format="json").json()["id"]


def stored(api, dataset_id):
    images = api.get(f"/api/v1/datasets/{dataset_id}/images/").json()["results"]
    return {i["original_name"]: (i, api.get(f"/api/v1/images/{i['id']}/annotations/").json()) for i in images}


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


# ---------------------------------------------------------------- unknown-category-silent-negatives
def test_unknown_category_is_refused_and_a_string_id_is_read_as_the_number(api):
    ds = new_dataset(api, "seven")
    r = import_zip(api, ds, CASES / "unknown-category-silent-negatives" / "unknown_category_id_7.zip")
    assert r.status_code == 400
    body = r.json()
    assert body["field"].startswith("annotations") and "7" in body["message"] and "annotation 1" in body["message"]
    assert api.get(f"/api/v1/datasets/{ds}/progress/").json()["total"] == 0
    ds = new_dataset(api, "string")
    r = import_zip(api, ds, CASES / "unknown-category-silent-negatives" / "string_category_id.zip")
    assert r.status_code == 201, r.content
    for _, ann in stored(api, ds).values():
        assert [i["bbox"] for i in ann["instances"]] == [[10, 10, 30, 30]] and not ann["no_objects"]


# ---------------------------------------------------------------- basename-fallback-wrong-image
def test_same_name_in_two_folders_gives_each_picture_its_own_person(api):
    ds = new_dataset(api)
    r = import_zip(api, ds, CASES / "basename-fallback-wrong-image" / "input.zip")
    assert r.status_code == 201, r.content
    images = stored(api, ds)
    assert len(images) == 2
    for image, ann in images.values():
        rgb = np.asarray(PILImage.open(io.BytesIO(streamed(api.get(image["file_url"])))).convert("RGB")).mean((0, 1))
        expected = [[10, 10, 30, 30]] if rgb[0] > rgb[2] else [[50, 40, 40, 30]]  # red: train, blue: val
        assert [i["bbox"] for i in ann["instances"]] == expected
    ds = new_dataset(api, "ambiguous")
    r = import_zip(api, ds, CASES / "basename-fallback-wrong-image" / "ambiguous.zip")
    assert r.status_code == 400 and r.json()["field"] == "images"
    assert "0001.jpg" in r.json()["message"] and "train" in r.json()["message"] and "val" in r.json()["message"]
    assert api.get(f"/api/v1/datasets/{ds}/progress/").json()["total"] == 0


# ---------------------------------------------------------------- float-visibility-dropped
def test_fractional_visibility_is_kept_as_labelled_points_with_a_warning(api, tmp_path):
    ds = new_dataset(api)
    r = import_zip(api, ds, CASES / "float-visibility-dropped" / "input.zip")
    assert r.status_code == 201, r.content
    (_, ann), = stored(api, ds).values()
    assert ann["instances"][0]["keypoints"] == [[20, 20, 1], [30, 25, 1], [40, 30, 2]]
    warning = next(w for w in r.json()["warnings"] if w["code"] == "visibility_mapped")
    assert "0.104" in warning["message"] and "0.53" in warning["message"]
    # The same rule on the command line.
    with zipfile.ZipFile(CASES / "float-visibility-dropped" / "input.zip") as zf:
        zf.extractall(tmp_path)
    err = io.StringIO()
    call_command("import_coco", str(tmp_path / "annotations.json"), images=str(tmp_path), dataset="cli",
                 owner="alice", stdout=io.StringIO(), stderr=err)
    assert "0.104" in err.getvalue()


# ---------------------------------------------------------------- null-values-500
@pytest.mark.parametrize("variant, field", [
    ("null_visibility", "annotations[0].keypoints[1].v"),
    ("text_visibility", "annotations[0].keypoints[0].v"),
    ("null_bbox_width", "annotations[0].bbox"),
    ("null_y", "annotations[0].keypoints[0].y"),
])
def test_null_or_text_values_answer_400_json_naming_the_value(api, variant, field):
    ds = new_dataset(api)
    r = import_zip(api, ds, CASES / "null-values-500" / f"{variant}.zip")
    assert r.status_code == 400 and r["Content-Type"] == "application/json"
    assert r.json()["error"] == "invalid" and r.json()["field"] == field
    assert api.get(f"/api/v1/datasets/{ds}/progress/").json()["total"] == 0


def test_nan_on_an_absent_point_is_ignored(api):
    ds = new_dataset(api)
    r = import_zip(api, ds, CASES / "null-values-500" / "nan_on_absent_point.zip")
    assert r.status_code == 201, r.content
    (_, ann), = stored(api, ds).values()
    assert ann["instances"][0]["keypoints"] == [[20, 20, 2], [0, 0, 0], [40, 30, 2]]


def test_the_command_line_prints_one_error_line_and_exits_non_zero(user, tmp_path):
    case = CASES / "null-values-500"
    (tmp_path / "a.jpg").write_bytes((case / "a.jpg").read_bytes())
    (tmp_path / "null_visibility.json").write_bytes((case / "null_visibility.json").read_bytes())
    with pytest.raises(CommandError, match=r"annotations\[0\]\.keypoints\[1\]\.v"):
        call_command("import_coco", str(tmp_path / "null_visibility.json"), images=str(tmp_path), dataset="x",
                     owner="alice", stdout=io.StringIO(), stderr=io.StringIO())
    from datasets.models import Dataset

    assert not Dataset.objects.filter(name="x").exists()


# ---------------------------------------------------------------- subfolder-names-lost
def test_zip_folders_are_kept_in_names_and_exports(api):
    ds = new_dataset(api, val_fraction=0)
    r = upload(api, ds, [("upload.zip", (CASES / "subfolder-names-lost" / "upload.zip").read_bytes())])
    assert sorted(i["original_name"] for i in r.json()["created"]) == ["cam1/frame_0001.jpg", "cam2/frame_0001.jpg"]
    cls = api.post(f"/api/v1/datasets/{ds}/classes/", {"name": "p", "keypoints": [{"name": "a"}]}, format="json").json()
    for image in r.json()["created"]:
        api.put(f"/api/v1/images/{image['id']}/annotations/", {"version": 0, "instances": [
            {"class": cls["id"], "bbox": [5, 5, 20, 20], "keypoints": [[10, 10, 2]]}]}, format="json")
    coco = json.loads(streamed(api.get(f"/api/v1/datasets/{ds}/export/?format=coco")))
    assert sorted(i["file_name"] for i in coco["images"]) == ["cam1/frame_0001.jpg", "cam2/frame_0001.jpg"]
    names = zipfile.ZipFile(io.BytesIO(streamed(api.get(f"/api/v1/datasets/{ds}/export/?format=yolo")))).namelist()
    for cam in ("cam1", "cam2"):
        assert f"images/train/{cam}/frame_0001.jpg" in names and f"labels/train/{cam}/frame_0001.txt" in names


# ---------------------------------------------------------------- yolo-label-name-collision
def _label_one(api, ds, image_id, class_id, bbox, point):
    version = api.get(f"/api/v1/images/{image_id}/annotations/").json()["version"]
    assert api.put(f"/api/v1/images/{image_id}/annotations/", {"version": version, "instances": [
        {"class": class_id, "bbox": bbox, "keypoints": [point]}]}, format="json").status_code == 200


def test_pictures_differing_only_by_extension_or_case_keep_their_own_labels(api):
    case = CASES / "yolo-label-name-collision"
    ds = new_dataset(api, val_fraction=0)
    made = upload(api, ds, [(n, (case / n).read_bytes()) for n in ("frame.jpg", "frame.png")]).json()["created"]
    cls = api.post(f"/api/v1/datasets/{ds}/classes/", {"name": "thing", "keypoints": [{"name": "nose", "x": 0.5,
                                                                                         "y": 0.5}], "connections": []},
                   format="json").json()
    ids = {i["original_name"]: i["id"] for i in made}
    _label_one(api, ds, ids["frame.jpg"], cls["id"], [0, 0, 20, 20], [5, 5, 2])
    _label_one(api, ds, ids["frame.png"], cls["id"], [60, 40, 40, 40], [65, 45, 2])
    zf = zipfile.ZipFile(io.BytesIO(streamed(api.get(f"/api/v1/datasets/{ds}/export/?format=yolo"))))
    from datasets.formats.names import yolo_label_path

    labels = {}
    for name in zf.namelist():
        if name.startswith("images/"):
            labels[name.rsplit(".", 1)[1]] = zf.read(yolo_label_path(name)).decode().strip()
    assert labels == {"jpg": "0 0.100000 0.125000 0.200000 0.250000 0.050000 0.062500 2",
                      "png": "0 0.800000 0.750000 0.400000 0.500000 0.650000 0.562500 2"}
    coco = json.loads(streamed(api.get(f"/api/v1/datasets/{ds}/export/?format=coco")))
    assert sorted(i["file_name"] for i in coco["images"]) == sorted(n.split("/", 2)[2] for n in zf.namelist()
                                                                   if n.startswith("images/"))
    ds2 = new_dataset(api, "case2", val_fraction=0)
    made = upload(api, ds2, [(n, (case / "case2" / n).read_bytes()) for n in ("IMG_0001.JPG", "img_0001.jpg")])
    cls2 = api.post(f"/api/v1/datasets/{ds2}/classes/", {"name": "t", "keypoints": [{"name": "a"}]},
                    format="json").json()
    for image in made.json()["created"]:
        _label_one(api, ds2, image["id"], cls2["id"], [1, 1, 10, 10], [3, 3, 2])
    names = zipfile.ZipFile(io.BytesIO(streamed(api.get(f"/api/v1/datasets/{ds2}/export/?format=yolo")))).namelist()
    assert len({n.casefold() for n in names}) == len(names)


# ---------------------------------------------------------------- yolo-export-not-trainable-as-is
def test_the_downloaded_yolo_zip_trains_as_is_and_nothing_labelled_is_400(api, tmp_path):
    case = CASES / "yolo-export-not-trainable-as-is"
    ds = new_dataset(api)
    empty = api.post(f"/api/v1/datasets/{ds}/classes/", json.loads((case / "class.json").read_text()),
                     format="json").json()
    r = api.get(f"/api/v1/datasets/{ds}/export/?format=yolo")
    assert r.status_code == 400 and "nothing" in r.json()["message"]
    made = upload(api, ds, [(p.name, p.read_bytes()) for p in sorted((case / "images").glob("*.jpg"))]).json()
    body = json.loads((case / "label.json").read_text())
    for inst in body["instances"]:
        inst["class"] = empty["id"]
    for image in made["created"]:
        assert api.put(f"/api/v1/images/{image['id']}/annotations/", {**body, "version": 0},
                       format="json").status_code == 200
    zipfile.ZipFile(io.BytesIO(streamed(api.get(f"/api/v1/datasets/{ds}/export/?format=yolo")))).extractall(
        tmp_path / "unzipped")
    data = yaml.safe_load((tmp_path / "unzipped" / "data.yaml").read_text())
    assert "path" not in data
    run = subprocess.run([sys.executable, str(case / "train_check.py"), str(tmp_path / "unzipped" / "data.yaml")],
                         capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.stdout.strip().endswith("TRAINED"), run.stdout[-2000:] + run.stderr[-2000:]


# ---------------------------------------------------------------- fliplr-on-without-pairs
@pytest.mark.parametrize("entry, pairs, flip_idx", [
    ("underscore", [[1, 2]], [0, 2, 1]),
    ("joined", [[1, 2]], [0, 2, 1, 3]),
    ("camelcase", [[1, 2]], [0, 2, 1]),
    ("corners", [], None),
])
def test_flip_pairs_follow_the_names_and_no_pairs_means_no_flip(api, entry, pairs, flip_idx):
    case = CASES / "fliplr-on-without-pairs"
    spec = next(e for e in json.loads((case / "classes.json").read_text()) if e["dataset"] == entry)
    ds = new_dataset(api, entry, val_fraction=0)
    made = upload(api, ds, [(n, (case / n).read_bytes()) for n in ("a.jpg", "b.jpg")]).json()["created"]
    cls = api.post(f"/api/v1/datasets/{ds}/classes/", spec["class"], format="json").json()
    assert cls["flip_pairs"] == pairs and cls["flip_warnings"] == []
    for image in made:
        inst = {**spec["instance"], "class": cls["id"]}
        assert api.put(f"/api/v1/images/{image['id']}/annotations/", {"version": 0, "instances": [inst]},
                       format="json").status_code == 200
    zf = zipfile.ZipFile(io.BytesIO(streamed(api.get(f"/api/v1/datasets/{ds}/export/?format=yolo"))))
    assert yaml.safe_load(zf.read("data.yaml")).get("flip_idx") == flip_idx
    # The training snapshot says the same.
    session = api.post("/api/v1/training-sessions/", {"dataset": ds, "epochs": 1, "imgsz": 64}, format="json").json()
    from training.snapshot import materialize

    assert yaml.safe_load(materialize(session["id"]).read_text()).get("flip_idx") == flip_idx


def test_a_side_name_without_a_partner_is_warned_about(api):
    ds = new_dataset(api)
    cls = api.post(f"/api/v1/datasets/{ds}/classes/", {"name": "arm", "keypoints": [
        {"name": "left_hand"}, {"name": "elbow"}]}, format="json").json()
    assert cls["flip_pairs"] == [] and "left_hand" in cls["flip_warnings"][0]

