"""COCO keypoints JSON -> a YOLO pose folder plus the COCO ground truth of its val images (no Django).

Used by the metric benchmarks and tests. `box_only` says what happens to people without labelled keypoints:
  "zero_rows": a label row with their box and all-zero keypoints (what Posedeck's exporter writes today);
  "omit":      left out of the labels (their pixels stay in the image, unlabelled).
Crowd regions (iscrowd 1) never reach YOLO labels (Ultralytics has no ignore regions); the val ground truth JSON
keeps them, with the stored areas and the box-only people, for COCO AP.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import yaml

from datasets.formats.coco import parse_coco
from datasets.formats.skeleton import COCO_SIGMAS, derive_flip_pairs
from datasets.formats.yolo import write_yolo

REPO = Path(__file__).resolve().parent.parent
COCO_MINI_JSON = REPO / "tests" / "data" / "coco_mini" / "annotations" / "person_keypoints_train2017.json"
COCO_MINI_IMAGES = REPO / "tests" / "data" / "coco_mini" / "train2017"


def val_ids_every(coco: dict, n: int) -> set[int]:
    """Every n-th image (by id) that has a person with labelled keypoints: a deterministic val split."""
    people = {a["image_id"] for a in coco["annotations"] if a.get("num_keypoints", 0) > 0}
    ids = sorted(i["id"] for i in coco["images"] if i["id"] in people)
    return set(ids[::n])


def coco_to_yolo(coco_json: str | Path, images_dir: str | Path, out: str | Path, *, val_ids: set[int],
                 box_only: str = "zero_rows", flip_pairs: bool = True, val_is_train: bool = False) -> dict:
    """Write out/{images,labels}/{train,val}, out/data.yaml (kpt_oks_sigmas set) and out/val_coco.json.

    Returns {"data_yaml", "val_ground_truth", "train_images", "val_images", "train_rows", "box_only_rows"}.
    """
    if box_only not in {"zero_rows", "omit"}:
        raise ValueError(f"box_only must be zero_rows or omit, not {box_only!r}")
    coco = json.loads(Path(coco_json).read_text())
    ds = parse_coco(coco)
    names = ds.classes[0].keypoints
    ds.classes[0].flip_pairs = derive_flip_pairs(names) if flip_pairs else []
    ds.classes[0].sigmas = list(COCO_SIGMAS) if len(names) == 17 else None
    box_only_rows = 0
    for rec in ds.images:
        rec.split = "val" if rec.source_id in val_ids else "train"
        without = [i for i in rec.instances if not any(v > 0 for _, _, v in i.keypoints)]
        if box_only == "omit":
            rec.instances = [i for i in rec.instances if i not in without]
        elif rec.split == "train":
            box_only_rows += len(without)
    out = Path(out)
    images_dir = Path(images_dir)
    write_yolo(ds, out, lambda i: str(images_dir / ds.images[i].file_name), link=False)
    data_yaml = out / "data.yaml"
    if val_is_train:
        data = yaml.safe_load(data_yaml.read_text())
        data["val"] = data["train"]
        data_yaml.write_text(yaml.safe_dump(data, sort_keys=False))
    wanted = {rec.source_id for rec in ds.images if val_is_train and rec.split == "train"} or set(val_ids)
    gt = copy.deepcopy(coco)
    gt["images"] = [i for i in gt["images"] if i["id"] in wanted]
    gt["annotations"] = [a for a in gt["annotations"] if a["image_id"] in wanted]
    (out / "val_coco.json").write_text(json.dumps(gt))
    return {"data_yaml": str(data_yaml), "val_ground_truth": str(out / "val_coco.json"),
            "train_images": sum(1 for r in ds.images if r.split == "train"),
            "val_images": sum(1 for r in ds.images if r.split == "val"),
            "train_rows": sum(len(r.instances) for r in ds.images if r.split == "train"),
            "box_only_rows": box_only_rows}
