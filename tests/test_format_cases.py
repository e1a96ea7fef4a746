"""Format-level regression tests for the failing real-world cases (tests/data/cases/<case>/README.md).

Expected values are each case's right result, not what the code did before.
"""
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from PIL import Image

from datasets.formats.coco import parse_coco, write_coco
from datasets.formats.names import (
    export_names,
    resolve_file_names,
    upload_name,
    yolo_label_path,
)
from datasets.formats.records import (
    ClassSpec,
    FormatError,
    ImageRecord,
    InstanceRecord,
    PoseDataset,
)
from datasets.formats.skeleton import flip_index, flip_pairs_report
from datasets.formats.yolo import FolderSink, ZipSink, write_yolo_stream

from .conftest import SAMPLES_DIR

CASES = SAMPLES_DIR / "cases"


def case_json(case: str, name: str):
    return json.loads((CASES / case / name).read_text())


def zipped_coco(path: Path) -> tuple[dict, zipfile.ZipFile, list[str]]:
    """The zip's COCO dict, the zip, and each image's entry as the import resolves it."""
    zf = zipfile.ZipFile(path)
    json_name = next(n for n in zf.namelist() if n.endswith(".json"))
    coco = json.loads(zf.read(json_name))
    entries = resolve_file_names([i["file_name"] for i in coco["images"]], zf.namelist())
    return coco, zf, entries


def colour(data: bytes) -> str:
    r, _, b = Image.open(io.BytesIO(data)).convert("RGB").resize((1, 1)).getpixel((0, 0))
    return "red" if r > 2 * b else "blue" if b > 2 * r else "other"


# ---------------------------------------------------------------- unknown-category-silent-negatives
def test_unknown_category_id_is_refused_naming_the_annotations_and_the_id():
    with pytest.raises(FormatError) as exc:
        parse_coco(case_json("unknown-category-silent-negatives", "unknown_category_id_7.json"))
    err = exc.value
    assert err.status == 400 and err.field == "annotations[0].category_id"
    assert "annotation 1 -> category_id 7" in err.message and "annotation 2 -> category_id 7" in err.message
    assert err.as_dict()["annotation_ids"] == [1, 2] and err.as_dict()["category_ids"] == [7]


def test_string_category_id_reads_as_the_number_and_keeps_both_people():
    coco, _, entries = zipped_coco(CASES / "unknown-category-silent-negatives" / "string_category_id.zip")
    ds = parse_coco(coco)
    assert entries == ["a.jpg", "b.jpg"]
    assert [(r.file_name, [i.bbox for i in r.instances]) for r in ds.images] == [
        ("a.jpg", [[10, 10, 30, 30]]), ("b.jpg", [[10, 10, 30, 30]])]


def test_many_unknown_categories_are_summarised():
    coco = case_json("unknown-category-silent-negatives", "unknown_category_id_7.json")
    coco["annotations"] = [{**coco["annotations"][0], "id": n, "category_id": 100 + n} for n in range(40)]
    with pytest.raises(FormatError) as exc:
        parse_coco(coco)
    assert "40 annotation(s)" in exc.value.message and "and 30 more" in exc.value.message


# ---------------------------------------------------------------- basename-fallback-wrong-image
def test_same_base_name_in_two_folders_resolves_to_each_own_picture():
    coco, zf, entries = zipped_coco(CASES / "basename-fallback-wrong-image" / "input.zip")
    ds = parse_coco(coco)
    assert entries == ["images/train/0001.jpg", "images/val/0001.jpg"]
    by_colour = {colour(zf.read(entry)): rec for entry, rec in zip(entries, ds.images)}
    assert [i.bbox for i in by_colour["red"].instances] == [[10, 10, 30, 30]]
    assert [i.bbox for i in by_colour["blue"].instances] == [[50, 40, 40, 30]]


def test_an_ambiguous_name_is_refused_naming_it_and_its_candidates():
    zf = zipfile.ZipFile(CASES / "basename-fallback-wrong-image" / "ambiguous.zip")
    coco = json.loads(zf.read("annotations.json"))
    with pytest.raises(FormatError) as exc:
        resolve_file_names([i["file_name"] for i in coco["images"]], zf.namelist())
    assert exc.value.field == "images"
    for text in ("'0001.jpg'", "'images/train/0001.jpg'", "'images/val/0001.jpg'"):
        assert text in exc.value.message


# ---------------------------------------------------------------- float-visibility-dropped
def test_fractional_visibility_is_a_labelled_point_with_a_warning():
    ds = parse_coco(case_json("float-visibility-dropped", "annotations.json"))
    inst = ds.images[0].instances[0]
    assert inst.keypoints == [[20, 20, 1], [30, 25, 1], [40, 30, 2]]
    [warning] = ds.warnings
    assert warning.code == "visibility_mapped" and warning.item == "a.jpg"
    assert "annotation 1" in warning and "0.104" in warning and "0.53" in warning and "rounded up" in warning
    assert "2.0" not in warning  # 2.0 is just 2


def test_visibility_above_two_or_negative_is_refused():
    coco = case_json("float-visibility-dropped", "annotations.json")
    for bad in (2.5, -0.5, 3):
        coco["annotations"][0]["keypoints"][5] = bad
        with pytest.raises(FormatError) as exc:
            parse_coco(coco)
        assert exc.value.field == "annotations[0].keypoints[1].v" and str(bad) in exc.value.message


# ---------------------------------------------------------------- null-values-500
@pytest.mark.parametrize("variant,field", [
    ("null_visibility", "annotations[0].keypoints[1].v"),
    ("text_visibility", "annotations[0].keypoints[0].v"),
    ("null_bbox_width", "annotations[0].bbox"),
    ("null_y", "annotations[0].keypoints[0].y"),
])
def test_null_or_text_is_a_clean_error_pointing_at_the_value(variant, field):
    with pytest.raises(FormatError) as exc:
        parse_coco(case_json("null-values-500", f"{variant}.json"))
    assert exc.value.field == field and exc.value.as_dict()["error"] == "invalid"
    assert "annotation 1" in exc.value.message


def test_nan_on_an_absent_point_is_ignored_and_on_a_labelled_point_refused():
    coco = case_json("null-values-500", "nan_on_absent_point.json")
    assert parse_coco(coco).images[0].instances[0].keypoints == [[20, 20, 2], [0, 0, 0], [40, 30, 2]]
    coco["annotations"][0]["keypoints"][5] = 1
    with pytest.raises(FormatError) as exc:
        parse_coco(coco)
    assert exc.value.field == "annotations[0].keypoints[1].x" and "nan" in exc.value.message


# ---------------------------------------------------------------- subfolder-names-lost
def test_uploaded_names_keep_their_folder_and_exports_use_them(tmp_path):
    zf = zipfile.ZipFile(CASES / "subfolder-names-lost" / "upload.zip")
    names = [upload_name(n) for n in zf.namelist()]
    assert names == ["cam1/frame_0001.jpg", "cam2/frame_0001.jpg"]
    assert export_names(names) == names
    spec = ClassSpec(name="thing", keypoints=["nose"])
    recs = [ImageRecord(file_name=n, width=100, height=80, source_id=20 + i,
                        instances=[InstanceRecord(0, [10, 10, 20, 20], [[15, 15, 2]])]) for i, n in enumerate(names)]
    assert [i["file_name"] for i in write_records(write_coco, spec, recs)["images"]] == names
    write_yolo_stream(FolderSink(tmp_path), [spec], recs, lambda r: zf.read(r.file_name))
    for name in names:
        image = tmp_path / "images" / "train" / name
        assert image.read_bytes() == zf.read(name)
        assert (tmp_path / yolo_label_path(f"images/train/{name}")).read_text().startswith("0 0.2")
        assert yolo_label_path(f"images/train/{name}") == f"labels/train/{name[:-4]}.txt"


def write_records(write, spec, recs):
    return write(PoseDataset(classes=[spec], images=recs))


def test_windows_and_macos_zips_give_the_same_names():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("cam1\\frame_0001.jpg", b"x")
        zf.writestr("__MACOSX/cam1/._frame_0001.jpg", b"fork")
        zf.writestr("cam2/._frame_0001.jpg", b"fork")
        zf.writestr("cam2/.DS_Store", b"")
        zf.writestr("cam2/frame_0001.jpg".replace("frame", "fra\u0308me"), b"y")  # NFD, as macOS writes
    names = [upload_name(n) for n in zipfile.ZipFile(buf).namelist()]
    assert [n for n in names if n] == ["cam1/frame_0001.jpg", "cam2/fr\u00e4me_0001.jpg"]
    assert resolve_file_names(["cam1/frame_0001.jpg", "cam2\\fr\u00e4me_0001.jpg"], zipfile.ZipFile(buf).namelist()) \
        == ["cam1\\frame_0001.jpg", "cam2/fra\u0308me_0001.jpg"]


# ---------------------------------------------------------------- yolo-label-name-collision
COLLISION = CASES / "yolo-label-name-collision"


def ultralytics_labels(root: Path) -> dict[str, list[str]]:
    """For every picture Ultralytics' pose dataset finds under images/train: its label lines, read by
    Ultralytics itself (YOLODataset), keyed by the picture's path relative to images/train."""
    from ultralytics.cfg import get_cfg
    from ultralytics.data import build_yolo_dataset
    from ultralytics.data.utils import check_det_dataset

    data = check_det_dataset(str(root / "data.yaml"))
    ds = build_yolo_dataset(get_cfg(overrides={"task": "pose", "imgsz": 64}), data["train"], batch=1, data=data,
                            mode="val")
    out = {}
    for label in ds.labels:
        rel = Path(label["im_file"]).relative_to(root / "images" / "train").as_posix()
        rows = []
        for cls, box, kps in zip(label["cls"], label["bboxes"], label["keypoints"]):
            rows.append(" ".join([str(int(cls[0]))] + [f"{v:.6f}" for v in box] +
                                 [f"{v:.6f}" if n % 3 < 2 else str(int(v)) for n, v in enumerate(kps.flatten())]))
        out[rel] = rows
    return out


def test_same_stem_different_extension_get_their_own_label_files(tmp_path):
    spec = ClassSpec(name="thing", keypoints=["nose"])
    recs = [ImageRecord(file_name="frame.jpg", width=100, height=80, source_id=1,
                        instances=[InstanceRecord(0, [0, 0, 20, 20], [[5, 5, 2]])]),
            ImageRecord(file_name="frame.png", width=100, height=80, source_id=2,
                        instances=[InstanceRecord(0, [60, 40, 40, 40], [[65, 45, 2]])])]
    names = export_names([r.file_name for r in recs])
    assert names == ["frame_jpg.jpg", "frame_png.png"]
    for rec, name in zip(recs, names):
        rec.file_name, rec.source_path = name, COLLISION / rec.file_name
    buf = io.BytesIO()
    write_yolo_stream(ZipSink(buf), [spec], recs, lambda r: r.source_path.read_bytes())
    zf = zipfile.ZipFile(buf)
    entries = zf.namelist()
    assert len({e.casefold() for e in entries}) == len(entries)
    zf.extractall(tmp_path)
    assert ultralytics_labels(tmp_path) == {
        "frame_jpg.jpg": ["0 0.100000 0.125000 0.200000 0.250000 0.050000 0.062500 2"],
        "frame_png.png": ["0 0.800000 0.750000 0.400000 0.500000 0.650000 0.562500 2"]}
    assert (tmp_path / "images/train/frame_jpg.jpg").read_bytes() == (COLLISION / "frame.jpg").read_bytes()
    assert [i["file_name"] for i in write_records(write_coco, spec, recs)["images"]] == names


def test_names_equal_but_for_letter_case_never_collide(tmp_path):
    spec = ClassSpec(name="thing", keypoints=["nose"])
    originals = ["case2/IMG_0001.JPG", "case2/img_0001.jpg"]
    names = export_names(originals)
    assert len({n.casefold() for n in names}) == 2 and all(n.startswith("case2/") for n in names)
    recs = [ImageRecord(file_name=n, width=100, height=80,
                        instances=[InstanceRecord(0, [10 + 50 * i, 10, 20, 20], [[15 + 50 * i, 15, 2]])])
            for i, n in enumerate(names)]
    buf = io.BytesIO()
    write_yolo_stream(ZipSink(buf), [spec], recs, lambda r: (COLLISION / originals[names.index(r.file_name)]).read_bytes())
    entries = zipfile.ZipFile(buf).namelist()
    assert len({e.casefold() for e in entries}) == len(entries)
    zipfile.ZipFile(buf).extractall(tmp_path)
    labels = ultralytics_labels(tmp_path)
    assert [labels[n][0].split()[1] for n in names] == ["0.200000", "0.700000"]


# ---------------------------------------------------------------- yolo-export-not-trainable-as-is
TRAINABLE = CASES / "yolo-export-not-trainable-as-is"


def trainable_records(val_every: int | None) -> tuple[ClassSpec, list[ImageRecord]]:
    cls = json.loads((TRAINABLE / "class.json").read_text())
    label = json.loads((TRAINABLE / "label.json").read_text())["instances"][0]
    names = [k["name"] for k in cls["keypoints"]]
    spec = ClassSpec(name=cls["name"], keypoints=names, flip_pairs=flip_pairs_report(names).pairs)
    recs = [ImageRecord(file_name=p.name, width=160, height=120,
                        split="val" if val_every and i % val_every == 0 else "train",
                        instances=[InstanceRecord(0, label["bbox"], label["keypoints"])])
            for i, p in enumerate(sorted((TRAINABLE / "images").glob("*.jpg")))]
    return spec, recs


def train_one_epoch(data_yaml: Path, cwd: Path) -> str:
    env = {**os.environ, "YOLO_OFFLINE": "1"}
    run = subprocess.run([sys.executable, str(TRAINABLE / "train_check.py"), str(data_yaml)], cwd=cwd, env=env,
                         check=False, capture_output=True, text=True, timeout=300)
    return run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-500:]


@pytest.mark.parametrize("val_every", [3, None], ids=["train-and-val", "no-val-image"])
def test_the_unzipped_export_trains_from_another_folder(tmp_path, val_every):
    spec, recs = trainable_records(val_every)
    buf = io.BytesIO()
    summary = write_yolo_stream(ZipSink(buf), [spec], recs, lambda r: (TRAINABLE / "images" / r.file_name).open("rb"))  # the writer closes it
    zipfile.ZipFile(buf).extractall(tmp_path / "unzipped")
    text = (tmp_path / "unzipped" / "data.yaml").read_text()
    data = yaml.safe_load(text)
    assert "path" not in data and not any(os.sep + "tmp" in str(v) for v in data.values())
    for split in ("train", "val"):
        assert (tmp_path / "unzipped" / data[split]).is_dir()
    if val_every is None:
        assert data["val"] == "images/train" and "val uses the train images" in text
        assert summary.warnings[0].code == "val_uses_train"
    (tmp_path / "elsewhere").mkdir()
    assert train_one_epoch(tmp_path / "unzipped" / "data.yaml", tmp_path / "elsewhere") == "TRAINED"


def test_an_export_without_val_can_be_refused_and_nothing_labelled_is_refused(tmp_path):
    spec, recs = trainable_records(None)
    images = lambda r: TRAINABLE / "images" / r.file_name
    with pytest.raises(FormatError) as exc:
        write_yolo_stream(FolderSink(tmp_path / "a"), [spec], recs, images, empty_val="error")
    assert exc.value.field == "split" and "val" in exc.value.message
    with pytest.raises(FormatError) as exc:
        write_yolo_stream(FolderSink(tmp_path / "b"), [spec], [], images)
    assert exc.value.field == "images" and "nothing" in exc.value.message


# ---------------------------------------------------------------- fliplr-on-without-pairs
FLIP = CASES / "fliplr-on-without-pairs"
FLIP_EXPECTED = {"underscore": ([[1, 2]], [0, 2, 1]), "joined": ([[1, 2]], [0, 2, 1, 3]),
                 "camelcase": ([[1, 2]], [0, 2, 1]), "corners": ([], None)}


def ultralytics_flips(root: Path) -> dict:
    """Ultralytics' own training dataset for the export, default settings: its horizontal flip."""
    from ultralytics.cfg import get_cfg
    from ultralytics.data import build_yolo_dataset
    from ultralytics.data.augment import RandomFlip
    from ultralytics.data.utils import check_det_dataset

    data = check_det_dataset(str(root / "data.yaml"))
    ds = build_yolo_dataset(get_cfg(overrides={"task": "pose", "imgsz": 64}), data["train"], batch=2, data=data,
                            mode="train")
    flip = next(t for t in ds.transforms.transforms if isinstance(t, RandomFlip) and t.direction == "horizontal")
    return {"p": flip.p, "flip_idx": list(flip.flip_idx or [])}


@pytest.mark.parametrize("entry", json.loads((FLIP / "classes.json").read_text()), ids=lambda e: e["dataset"])
def test_flip_follows_the_names_and_ultralytics_never_flips_without_pairs(tmp_path, entry):
    names = [k["name"] for k in entry["class"]["keypoints"]]
    report = flip_pairs_report(names)
    pairs, flip_idx = FLIP_EXPECTED[entry["dataset"]]
    assert report.pairs == pairs and report.warnings == []
    spec = ClassSpec(name="obj", keypoints=names, flip_pairs=report.pairs)
    inst = entry["instance"]
    recs = [ImageRecord(file_name=n, width=100, height=80, instances=[InstanceRecord(0, inst["bbox"], inst["keypoints"])])
            for n in ("a.jpg", "b.jpg")]
    write_yolo_stream(FolderSink(tmp_path), [spec], recs, lambda r: FLIP / r.file_name)
    data = yaml.safe_load((tmp_path / "data.yaml").read_text())
    assert data.get("flip_idx") == flip_idx
    flips = ultralytics_flips(tmp_path)
    if flip_idx is None:
        assert flips["p"] == 0.0
    else:
        assert flips == {"p": 0.5, "flip_idx": flip_index(len(names), pairs)}


def test_identity_flip_idx_only_for_a_class_marked_symmetric(tmp_path):
    names = ["corner0", "corner1", "corner2", "corner3"]
    spec = ClassSpec(name="obj", keypoints=names, symmetric=True)
    recs = [ImageRecord(file_name="a.jpg", width=100, height=80,
                        instances=[InstanceRecord(0, [10, 10, 60, 50], [[15, 30, 2]] * 4)])]
    write_yolo_stream(FolderSink(tmp_path), [spec], recs, lambda r: FLIP / r.file_name)
    assert yaml.safe_load((tmp_path / "data.yaml").read_text())["flip_idx"] == [0, 1, 2, 3]
    assert ultralytics_flips(tmp_path) == {"p": 0.5, "flip_idx": [0, 1, 2, 3]}


def test_names_that_say_a_side_without_a_partner_warn():
    report = flip_pairs_report(["nose", "left_ear", "right_eye"])
    assert report.pairs == [] and report.unpaired == [1, 2]
    assert "'left_ear'" in report.warnings[0]
