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


# ---------------------------------------------------------------- synthetic people (learnable in minutes on a CPU)
# COCO-17 stick figure facing the camera (its left on the image's right), unit height, hips at the origin.
_HEAD = {"nose": (0.0, -0.86), "left_eye": (0.035, -0.89), "right_eye": (-0.035, -0.89),
         "left_ear": (0.075, -0.87), "right_ear": (-0.075, -0.87)}
_COCO_SKELETON = [(15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7), (6, 8), (7, 9),
                  (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6)]


def _figure(rng, height: float, cx: float, cy: float):
    import math

    def limb(start, angle, length):
        return (start[0] + math.sin(angle) * length, start[1] + math.cos(angle) * length)

    pts = {name: xy for name, xy in _HEAD.items()}
    for side, sign in (("left", 1), ("right", -1)):
        shoulder = (0.17 * sign, -0.66)
        upper = sign * rng.uniform(0.1, 1.4)
        elbow = limb(shoulder, upper, 0.2)
        wrist = limb(elbow, upper + sign * rng.uniform(-0.3, 1.2), 0.19)
        hip = (0.1 * sign, 0.0)
        thigh = sign * rng.uniform(-0.1, 0.45)
        knee = limb(hip, thigh, 0.26)
        ankle = limb(knee, thigh - sign * rng.uniform(0.0, 0.35), 0.25)
        pts.update({f"{side}_shoulder": shoulder, f"{side}_elbow": elbow, f"{side}_wrist": wrist, f"{side}_hip": hip,
                    f"{side}_knee": knee, f"{side}_ankle": ankle})
    from datasets.formats.skeleton import COCO_KEYPOINT_NAMES

    lean = rng.uniform(-0.15, 0.15)
    out = []
    for name in COCO_KEYPOINT_NAMES:
        x, y = pts[name]
        x, y = x * math.cos(lean) - y * math.sin(lean), x * math.sin(lean) + y * math.cos(lean)
        out.append((cx + x * height, cy + y * height))
    return out


def synthetic_people(out: str | Path, *, images: int = 60, size: int = 256, seed: int = 0,
                     box_only_share: float = 0.4) -> Path:
    """Draw `images` JPEGs of 1-4 stick people (COCO-17 keypoints, all visible) on noisy backgrounds with
    distractor shapes; `box_only_share` of the people are labelled with a box only. Writes out/coco.json
    (images, annotations without `area`, one category "person") and returns its path."""
    import numpy as np
    from PIL import Image, ImageDraw

    from datasets.formats.skeleton import COCO_KEYPOINT_NAMES

    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    coco = {"images": [], "annotations": [],
            "categories": [{"id": 1, "name": "person", "keypoints": list(COCO_KEYPOINT_NAMES),
                            "skeleton": [[a + 1, b + 1] for a, b in _COCO_SKELETON]}]}
    for image_id in range(1, images + 1):
        base = rng.integers(60, 200, 3)
        pixels = np.clip(base + rng.normal(0, 18, (size, size, 3)), 0, 255).astype(np.uint8)
        im = Image.fromarray(pixels)
        draw = ImageDraw.Draw(im)
        for _ in range(rng.integers(1, 4)):  # distractors: things that are not people
            x, y = rng.uniform(0, size, 2)
            r = rng.uniform(6, 30)
            color = tuple(int(c) for c in rng.integers(0, 255, 3))
            (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x - r, y - r, x + r, y + r], outline=color,
                                                                       width=3)
        for _ in range(rng.integers(1, 5)):
            height = rng.uniform(0.35, 0.8) * size
            cx = rng.uniform(0.2 * size, 0.8 * size)
            cy = rng.uniform(0.95 * height, size - 0.3 * height)
            pts = _figure(rng, height, cx, cy)
            color = tuple(int(c) for c in rng.integers(0, 90, 3))
            width = max(2, int(height / 28))
            for a, b in _COCO_SKELETON:
                draw.line([pts[a], pts[b]], fill=color, width=width)
            hx, hy = pts[0]
            r = height * 0.07
            draw.ellipse([hx - r, hy - r, hx + r, hy + r], outline=color, width=width)
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            pad = height * 0.06
            x0, y0 = max(0.0, min(xs) - pad), max(0.0, min(ys) - pad)
            x1, y1 = min(float(size), max(xs) + pad), min(float(size), max(ys) + pad)
            labelled = rng.random() >= box_only_share
            flat = []
            for x, y in pts:
                inside = 0 <= x < size and 0 <= y < size
                flat += [round(x, 2), round(y, 2), 2] if labelled and inside else [0, 0, 0]
            coco["annotations"].append({"id": len(coco["annotations"]) + 1, "image_id": image_id, "category_id": 1,
                                        "bbox": [round(x0, 2), round(y0, 2), round(x1 - x0, 2), round(y1 - y0, 2)],
                                        "iscrowd": 0, "keypoints": flat,
                                        "num_keypoints": sum(1 for v in flat[2::3] if v)})
        name = f"{image_id:06d}.jpg"
        im.save(out / name, quality=90)
        coco["images"].append({"id": image_id, "file_name": name, "width": size, "height": size})
    path = out / "coco.json"
    path.write_text(json.dumps(coco))
    return path
