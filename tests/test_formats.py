"""Framework-free format code: COCO parse/write and YOLO pose folders, on the real samples."""
import json
from pathlib import Path

import pytest
import yaml

from datasets.formats.coco import parse_coco, write_coco
from datasets.formats.records import FormatError
from datasets.formats.skeleton import COCO_SIGMAS, default_sigmas, derive_flip_pairs, flip_index
from datasets.formats.yolo import write_yolo

from .conftest import SAMPLES_DIR

SAMPLES = {
    "coco": ("coco/test_coco.json", "coco"),
    "crowdpose": ("crowdpose/test_crowdpose.json", "crowdpose"),
    "animalpose": ("animalpose/test_animalpose.json", "animalpose"),
    "coco_mini": ("coco_mini/annotations/person_keypoints_train2017.json", "coco_mini/train2017"),
}


def load(name):
    return json.loads((SAMPLES_DIR / SAMPLES[name][0]).read_text())


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
    assert any("does not exist" in w for w in ds.warnings)


def test_coco_mini_skips_crowd_regions_and_keeps_empty_images():
    ds = parse_coco(load("coco_mini"))
    assert len(ds.images) == 36
    assert sum(len(i.instances) for i in ds.images) == 152 - 5
    assert any("crowd" in w for w in ds.warnings)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_parse_then_write_keeps_every_instance(name):
    src = load(name)
    out = write_coco(parse_coco(src))
    assert [i["file_name"] for i in out["images"]] == [i["file_name"] for i in src["images"]]
    src_anns = sorted((a["bbox"], a["keypoints"]) for a in src["annotations"] if not a.get("iscrowd"))
    out_anns = sorted((a["bbox"], a["keypoints"]) for a in out["annotations"])
    assert [b for b, _ in out_anns] == [[float(v) for v in b] for b, _ in src_anns]
    for (_, k_out), (_, k_src) in zip(out_anns, src_anns):
        assert k_out[2::3] == [int(v) for v in k_src[2::3]]


def test_bad_coco_input_names_the_field():
    with pytest.raises(FormatError) as exc:
        parse_coco({"images": [], "annotations": []})
    assert exc.value.field == "categories"
    bad = load("coco")
    bad["annotations"][0]["keypoints"] = bad["annotations"][0]["keypoints"][:-3]
    with pytest.raises(FormatError) as exc:
        parse_coco(bad)
    assert exc.value.field == "annotations" and "16 keypoints" in exc.value.message


def test_yolo_folder_has_kpt_shape_flip_idx_and_normalised_labels(tmp_path):
    ds = parse_coco(load("coco"))
    ds.classes[0].flip_pairs = derive_flip_pairs(ds.classes[0].keypoints)
    root = SAMPLES_DIR / "coco"
    out = write_yolo(ds, tmp_path / "y", lambda i: str(root / ds.images[i].file_name))
    data = yaml.safe_load((out / "data.yaml").read_text())
    assert data["kpt_shape"] == [17, 3]
    assert data["flip_idx"][:3] == [0, 2, 1]
    assert data["names"] == {0: "person"}
    first = ds.images[0]
    lines = (out / "labels" / "train" / (Path(first.file_name).stem + ".txt")).read_text().splitlines()
    assert len(lines) == len(first.instances)
    values = [float(v) for v in lines[0].split()]
    assert len(values) == 5 + 17 * 3
    assert all(0.0 <= v <= 1.0 for v in values[1:5])
    inst = first.instances[0]
    x, y, w, h = inst.bbox
    assert values[1] == pytest.approx((x + w / 2) / first.width, abs=1e-5)
    kx, ky, kv = next(k for k in inst.keypoints if k[2] > 0)
    j = inst.keypoints.index([kx, ky, kv])
    assert values[5 + 3 * j: 8 + 3 * j] == pytest.approx([kx / first.width, ky / first.height, kv], abs=1e-5)
    assert (out / "images" / "train" / first.file_name).stat().st_size > 0


def test_yolo_refuses_classes_with_different_keypoint_counts(tmp_path):
    ds = parse_coco(load("coco"))
    ds.classes.append(parse_coco(load("animalpose")).classes[0])
    with pytest.raises(FormatError) as exc:
        write_yolo(ds, tmp_path, lambda i: "")
    assert exc.value.field == "classes"
