"""Framework-free format code on the real samples: COCO read/write (lossless), YOLO pose folders, sigmas."""
import json
from pathlib import Path

import pytest
import yaml

from datasets.formats.coco import parse_coco, write_coco
from datasets.formats.coco_writer import iter_coco_json
from datasets.formats.records import DEFAULT_AREA_FACTOR, FormatError, FormatWarning
from datasets.formats.skeleton import (
    COCO_SIGMAS,
    default_sigmas,
    derive_flip_pairs,
    flip_index,
)
from datasets.formats.yolo import write_yolo
from datasets.formats.yolo_reader import read_yolo_folder

from .conftest import SAMPLES_DIR

SAMPLES = {
    "coco": ("coco/test_coco.json", "coco"),
    "crowdpose": ("crowdpose/test_crowdpose.json", "crowdpose"),
    "animalpose": ("animalpose/test_animalpose.json", "animalpose"),
    "coco_mini": ("coco_mini/annotations/person_keypoints_train2017.json", "coco_mini/train2017"),
}


def load(name):
    return json.loads((SAMPLES_DIR / SAMPLES[name][0]).read_text())


def regions(coco: dict, crowd: bool) -> list:
    """Sorted (file_name, bbox, area, keypoints with absent points zeroed) of one kind of annotation."""
    names = {i["id"]: i["file_name"] for i in coco["images"]}
    out = []
    for a in coco["annotations"]:
        if bool(a.get("iscrowd")) != crowd:
            continue
        kps = [] if crowd else [v for j in range(0, len(a["keypoints"]), 3)
                                for v in (a["keypoints"][j:j + 3] if a["keypoints"][j + 2] > 0 else [0, 0, 0])]
        out.append((names[a["image_id"]], [float(v) for v in a["bbox"]], float(a["area"]), [float(v) for v in kps]))
    return sorted(out)


def test_flip_pairs_come_from_left_right_names():
    coco = parse_coco(load("coco")).classes[0]
    pairs = derive_flip_pairs(coco.keypoints)
    assert pairs == [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12], [13, 14], [15, 16]]
    assert flip_index(17, pairs)[:5] == [0, 2, 1, 4, 3]
    animal = parse_coco(load("animalpose")).classes[0]
    pairs = derive_flip_pairs(animal.keypoints)  # L_Eye/R_Eye, L_F_Elbow/R_F_Elbow ...
    names = animal.keypoints
    assert [names[a] + "/" + names[b] for a, b in pairs][:2] == ["L_Eye/R_Eye", "L_EarBase/R_EarBase"]
    assert len(pairs) == 8  # eyes, ear bases, and front/back elbows, knees, paws
    assert derive_flip_pairs(["head", "tail"]) == []
    assert derive_flip_pairs(["wrist_left", "wrist_right", "lr"]) == [[0, 1]]


def test_default_sigmas_are_coco_for_the_coco_template_else_uniform():
    coco = parse_coco(load("coco")).classes[0]
    assert default_sigmas(coco.keypoints) == COCO_SIGMAS
    assert default_sigmas(["a", "b", "c", "d"]) == [0.25] * 4


def test_crowdpose_edges_past_the_keypoint_count_are_dropped_with_a_warning():
    ds = parse_coco(load("crowdpose"))
    cls = ds.classes[0]
    assert len(cls.keypoints) == 14
    assert all(0 <= a < 14 and 0 <= b < 14 for a, b in cls.skeleton)
    warning = next(w for w in ds.warnings if w.code == "skeleton_edge_dropped")
    assert isinstance(warning, FormatWarning) and "does not exist" in warning
    assert warning.as_dict()["field"] == "categories[0].skeleton"


def test_coco_mini_keeps_crowd_regions_people_without_points_and_empty_images():
    ds = parse_coco(load("coco_mini"))
    assert len(ds.images) == 36
    assert sum(len(i.instances) for i in ds.images) == 152 - 5
    assert sum(len(i.crowd) for i in ds.images) == 5
    assert sum(1 for i in ds.images for p in i.instances if p.num_keypoints == 0) == 61
    crowd = next(c for i in ds.images for c in i.crowd if c.source_id == 900100433998)
    assert crowd.bbox == [232, 92, 115, 21] and crowd.area == 860
    assert all(p.area is not None for i in ds.images for p in i.instances)
    assert ds.warnings == []


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_parse_then_write_keeps_every_instance_crowd_region_and_area(name):
    src = load(name)
    ds = parse_coco(src)
    out = write_coco(ds)
    assert [i["file_name"] for i in out["images"]] == [i["file_name"] for i in src["images"]]
    assert [i["id"] for i in out["images"]] == [i["id"] for i in src["images"]]  # stable: the source ids
    src_people = regions({**src, "annotations": [{**a, "area": a.get("area") or a["bbox"][2] * a["bbox"][3] *
                                                  DEFAULT_AREA_FACTOR} for a in src["annotations"]]}, False)
    for got, want in zip(regions(out, False), src_people, strict=True):
        assert got[:2] == want[:2] and got[3] == want[3]
        assert got[2] == pytest.approx(want[2], abs=0.01)
    assert regions(out, True) == regions(src, True)
    for a in out["annotations"]:
        assert a["num_keypoints"] == sum(1 for v in a["keypoints"][2::3] if v > 0)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_streamed_coco_equals_the_dict_writer(name):
    ds = parse_coco(load(name))
    whole = write_coco(ds)
    assert json.loads("".join(iter_coco_json(ds.classes, ds.images, chunk_chars=500))) == whole
    assert json.loads("".join(iter_coco_json(ds.classes, lambda: iter(ds.images)))) == whole


def test_pycocotools_reads_the_export_and_scores_ground_truth_as_perfect(tmp_path):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    out = write_coco(parse_coco(load("coco_mini")))
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(out))
    gt = COCO(str(path))
    people = [a for a in out["annotations"] if not a["iscrowd"] and a["num_keypoints"] > 0]
    dt = gt.loadRes([{"image_id": a["image_id"], "category_id": a["category_id"], "keypoints": a["keypoints"],
                      "score": 1.0} for a in people])
    ev = COCOeval(gt, dt, "keypoints")
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    assert ev.stats[0] == pytest.approx(1.0)
    assert len(gt.getAnnIds(iscrowd=True)) == 5


def test_bad_coco_input_names_the_field():
    with pytest.raises(FormatError) as exc:
        parse_coco({"images": [], "annotations": []})
    assert exc.value.field == "categories"
    bad = load("coco")
    bad["annotations"][0]["keypoints"] = bad["annotations"][0]["keypoints"][:-3]
    with pytest.raises(FormatError) as exc:
        parse_coco(bad)
    assert exc.value.field == "annotations[0].keypoints" and "16 keypoints" in exc.value.message
    assert exc.value.status == 400 and exc.value.as_dict()["field"] == "annotations[0].keypoints"


def test_yolo_folder_has_kpt_shape_flip_idx_and_normalised_labels(tmp_path):
    ds = parse_coco(load("coco"))
    ds.classes[0].flip_pairs = derive_flip_pairs(ds.classes[0].keypoints)
    root = SAMPLES_DIR / "coco"
    out = write_yolo(ds, tmp_path / "y", lambda i: str(root / ds.images[i].file_name))
    data = yaml.safe_load((out / "data.yaml").read_text())
    assert "path" not in data
    assert data["kpt_shape"] == [17, 3]
    assert data["flip_idx"][:3] == [0, 2, 1]
    assert data["names"] == {0: "person"}
    assert data["val"] == "images/train"  # every image is in train: val falls back, and says so
    assert "val uses the train images" in (out / "data.yaml").read_text()
    first = ds.images[0]
    lines = (out / "labels" / "train" / (Path(first.file_name).stem + ".txt")).read_text().splitlines()
    assert len(lines) == len(first.instances)
    values = [float(v) for v in lines[0].split()]
    assert len(values) == 5 + 17 * 3
    assert all(0.0 <= v <= 1.0 for v in values[1:5])
    inst = first.instances[0]
    x, _, w, _ = inst.bbox
    assert values[1] == pytest.approx((x + w / 2) / first.width, abs=1e-5)
    kx, ky, kv = next(k for k in inst.keypoints if k[2] > 0)
    j = inst.keypoints.index([kx, ky, kv])
    assert values[5 + 3 * j: 8 + 3 * j] == pytest.approx([kx / first.width, ky / first.height, kv], abs=1e-5)
    assert (out / "images" / "train" / first.file_name).stat().st_size > 0


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_coco_to_yolo_to_records_keeps_every_instance(tmp_path, name):
    ds = parse_coco(load(name))
    root = SAMPLES_DIR / SAMPLES[name][1]
    for i, rec in enumerate(ds.images):
        rec.split = "val" if i % 4 == 3 else "train"
    write_yolo(ds, tmp_path / "y", lambda i: str(root / ds.images[i].file_name))
    back = read_yolo_folder(tmp_path / "y")
    assert [c.keypoints for c in back.classes] == [c.keypoints for c in ds.classes]
    got = {r.file_name: r for r in back.images}
    assert sorted(got) == sorted(r.file_name for r in ds.images)
    for rec in ds.images:
        again = got[rec.file_name]
        assert (again.split, again.width, again.height) == (rec.split, rec.width, rec.height)
        assert len(again.instances) == len(rec.instances)
        for a, b in zip(again.instances, rec.instances):
            clipped = [max(b.bbox[0], 0), max(b.bbox[1], 0)]
            assert a.bbox[:2] == pytest.approx(clipped, abs=0.01)
            assert [k[2] for k in a.keypoints] == [k[2] for k in b.keypoints]
            assert [v for k in a.keypoints for v in k[:2]] == pytest.approx([v for k in b.keypoints for v in k[:2]],
                                                                            abs=0.01)


def test_yolo_refuses_classes_with_different_keypoint_counts(tmp_path):
    ds = parse_coco(load("coco"))
    ds.classes.append(parse_coco(load("animalpose")).classes[0])
    with pytest.raises(FormatError) as exc:
        write_yolo(ds, tmp_path, lambda i: "")
    assert exc.value.field == "classes"
