"""Per-keypoint accuracy of a pose model on one split of a YOLO pose folder, plus drawn examples.

Framework-free: reads data.yaml and labels/<split>/*.txt, predicts with Ultralytics, scores with
training.metrics, and draws ground truth (green) under predictions (red) with Pillow.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import yaml
from PIL import Image, ImageDraw

from core import devices
from datasets.archives import IMAGE_SUFFIXES  # framework-free, like this module

from ..metrics import KeypointAccumulator
from . import offline

GT_COLOR, PRED_COLOR = (34, 197, 94), (239, 68, 68)


def split_images(data_yaml: str | Path, split: str = "val") -> list[Path]:
    data = yaml.safe_load(Path(data_yaml).read_text())
    root = Path(data.get("path") or Path(data_yaml).parent)
    rel = data.get(split) or data.get("val")
    folder = Path(rel) if Path(rel).is_absolute() else root / rel
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES) if folder.is_dir() else []


def label_path(image_path: Path) -> Path:
    parts = list(image_path.parts)
    i = len(parts) - 1 - parts[::-1].index("images")
    parts[i] = "labels"
    return Path(*parts).with_suffix(".txt")


def read_labels(path: Path, width: int, height: int, k: int) -> tuple[list[int], np.ndarray, np.ndarray]:
    """(classes, boxes [x, y, w, h] in pixels (N, 4), keypoints [x, y, v] in pixels (N, K, 3))."""
    classes, boxes, kpts = [], [], []
    if path.is_file():
        for line in path.read_text().splitlines():
            vals = line.split()
            if len(vals) < 5 + 3 * k:
                continue
            nums = [float(v) for v in vals]
            cx, cy, w, h = nums[1] * width, nums[2] * height, nums[3] * width, nums[4] * height
            pts = np.array(nums[5:5 + 3 * k], dtype=float).reshape(k, 3)
            pts[:, 0] *= width
            pts[:, 1] *= height
            classes.append(int(nums[0]))
            boxes.append([cx - w / 2, cy - h / 2, w, h])
            kpts.append(pts)
    return classes, np.array(boxes).reshape(-1, 4), np.array(kpts).reshape(-1, k, 3)


def _draw_instance(draw: ImageDraw.ImageDraw, kpts, connections, color, scale: float, radius: int,
                   visible_min: float, box=None, dashed=False) -> None:
    pts = [(float(x) * scale, float(y) * scale, float(v)) for x, y, v in kpts]
    if box is not None:
        x, y, w, h = (float(c) * scale for c in box)
        draw.rectangle([x, y, x + w, y + h], outline=color, width=1)
    for a, b in connections:
        if a < len(pts) and b < len(pts) and pts[a][2] > visible_min and pts[b][2] > visible_min:
            draw.line([pts[a][:2], pts[b][:2]], fill=color, width=2)
    for x, y, v in pts:
        if v > visible_min:
            if dashed:
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], outline=color, width=2)
            else:
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=color)


def draw_overlay(image_path: Path, out_path: Path, gt_boxes, gt_kpts, gt_classes, pred_boxes, pred_kpts,
                 pred_classes, skeletons: dict[int, list], max_side: int = 640, kpt_conf: float = 0.3) -> None:
    with Image.open(image_path) as im:
        im = im.convert("RGB")
        scale = min(1.0, max_side / max(im.size))
        if scale < 1.0:
            im = im.resize((round(im.width * scale), round(im.height * scale)))
        draw = ImageDraw.Draw(im)
        radius = max(2, round(max(im.size) / 160))
        for c, box, kp in zip(gt_classes, gt_boxes, gt_kpts):
            _draw_instance(draw, kp, skeletons.get(int(c), []), GT_COLOR, scale, radius + 1, 0, box)
        for c, box, kp in zip(pred_classes, pred_boxes, pred_kpts):
            _draw_instance(draw, kp, skeletons.get(int(c), []), PRED_COLOR, scale, radius, kpt_conf, box, dashed=False)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        im.save(out_path, "JPEG", quality=85)


class PerClassAccumulator:
    """One KeypointAccumulator per class, each with that class's sigmas and keypoint names (a multi-class session
    scores each class by its own, not by the first class's). `result()` has the KeypointAccumulator shape; the
    keypoint rows of all classes follow one another, each with its `class`."""

    def __init__(self, classes: list[dict]):
        self.classes = classes
        self.parts = [KeypointAccumulator(c["sigmas"], c["keypoints"]) for c in classes]
        self.images = 0

    def add_image(self, gt_kpts, gt_boxes, gt_classes, pred_kpts, pred_scores, pred_classes) -> list:
        self.images += 1
        pairs = []
        gt_classes, pred_classes = np.asarray(gt_classes, dtype=int), np.asarray(pred_classes, dtype=int)
        for index, acc in enumerate(self.parts):
            g, p = gt_classes == index, pred_classes == index
            pairs += acc.add_image(gt_kpts[g], np.asarray(gt_boxes).reshape(-1, 4)[g], [0] * int(g.sum()),
                                   pred_kpts[p], np.asarray(pred_scores)[p], [0] * int(p.sum()))
        return pairs

    def result(self) -> dict:
        parts = [acc.result() for acc in self.parts]
        rows, hits, visible, oks = [], 0.0, 0, []
        for cls, acc, part in zip(self.classes, self.parts, parts):
            for row in part["keypoints"]:
                rows.append({**row, "index": len(rows), "class": cls["name"]})
            hits += float(acc.hits.sum())
            visible += int(acc.visible.sum())
            oks += list(acc.oks_values)
        first = parts[0]
        return {"alpha": first["alpha"], "min_oks": first["min_oks"], "images": self.images,
                "instances": sum(p["instances"] for p in parts), "matched": sum(p["matched"] for p in parts),
                "predictions": sum(p["predictions"] for p in parts),
                "mean_oks": round(float(np.mean(oks)), 6) if oks else None,
                "pck": round(hits / visible, 6) if visible else None, "keypoints": rows}


def evaluate_pose(*, weights: str, data_yaml: str, sigmas: list[float], kpt_names: list[str],
                  skeletons: dict[int, list], out_dir: str, imgsz: int = 640, split: str = "val",
                  device: str | None = None, conf: float = 0.25, draw: int = 6, max_images: int = 2000,
                  batch: int = 16, classes: list[dict] | None = None) -> dict:
    """Per-keypoint PCK@0.05 and OKS share of `weights` on `split`, predicting at confidence >= `conf`.

    `instances` counts the people with at least one labelled keypoint (as the session's COCO AP does; the
    others are `people_without_keypoints`, not scored); `matched` those a prediction matched at OKS >= min_oks
    (0.1); `predictions` this pass's detections at `conf` (0.25), fewer than the COCO AP's, which scores all
    of Ultralytics' val predictions (conf 0.001). `classes` ([{"name", "keypoints", "sigmas"}],
    in class index order): with more than one, each class is scored with its own sigmas and names."""
    offline.prepare()
    import torch
    from ultralytics import YOLO

    started = time.time()
    device = device or devices.training_device()[0]
    images = split_images(data_yaml, split)[:max_images]
    k = len(sigmas)
    acc = (PerClassAccumulator(classes) if classes and len(classes) > 1
           else KeypointAccumulator(sigmas, kpt_names))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("example_*.jpg"):
        old.unlink()
    model = YOLO(weights, task="pose")
    if device == "cpu":
        torch.set_num_threads(devices.training_threads())
    examples = []
    without = 0
    for start in range(0, len(images), batch):
        chunk = images[start:start + batch]
        results = model.predict([str(p) for p in chunk], imgsz=imgsz, conf=conf, device=device, verbose=False)
        for path, res in zip(chunk, results):
            height, width = res.orig_shape
            gt_classes, gt_boxes, gt_kpts = read_labels(label_path(path), width, height, k)
            if res.keypoints is not None and len(res.boxes):
                pred_kpts = res.keypoints.data.cpu().numpy().reshape(len(res.boxes), k, -1)
                xyxy = res.boxes.xyxy.cpu().numpy()
                pred_boxes = np.column_stack([xyxy[:, 0], xyxy[:, 1], xyxy[:, 2] - xyxy[:, 0], xyxy[:, 3] - xyxy[:, 1]])
                pred_scores = res.boxes.conf.cpu().numpy()
                pred_classes = res.boxes.cls.cpu().numpy().astype(int).tolist()
            else:
                pred_kpts, pred_boxes, pred_scores, pred_classes = np.zeros((0, k, 3)), np.zeros((0, 4)), np.zeros(0), []
            # Only people with at least one labelled keypoint are scored, as the COCO AP does (coco_eval
            # ignores the others): so `instances` here and in the session's COCO block count the same people.
            keep = (gt_kpts[:, :, 2] > 0).any(axis=1) if len(gt_classes) else np.zeros(0, dtype=bool)
            without += int((~keep).sum())
            scored = [c for c, k_ in zip(gt_classes, keep) if k_]
            pairs = acc.add_image(gt_kpts[keep], gt_boxes[keep], scored, pred_kpts, pred_scores, pred_classes)
            if len(examples) < draw and gt_classes:
                name = f"example_{len(examples)}.jpg"
                draw_overlay(path, out / name, gt_boxes, gt_kpts, gt_classes, pred_boxes, pred_kpts, pred_classes,
                             skeletons)
                examples.append({"file": name, "source": path.name, "ground_truth": len(gt_classes),
                                 "predicted": len(pred_classes), "matched": len(pairs)})
    result = acc.result()
    result.update(split=split, conf=conf, imgsz=imgsz, people_without_keypoints=without, weights=Path(weights).name, examples=examples,
                  seconds=round(time.time() - started, 3))
    return result
