"""COCO keypoint AP on the val split during training, from the predictions Ultralytics' validator already made.

After each epoch Ultralytics validates the EMA model on the val split (conf 0.001, up to 300 detections per image,
letterboxed at imgsz, predictions scaled back to the original pixels). With `save_json` on, its PoseValidator also
keeps those predictions as a COCO results list (`validator.jdict`: image_id from the file stem, category_id = class
index + 1, keypoints with their confidence, box score). `CocoEpochEvaluator` switches that on in `on_val_start`,
copies the list in `on_val_end`, re-keys it to the ground truth's image and category ids by file name and class,
and scores it with training.metrics.coco_eval (pycocotools COCOeval). So the per-epoch cost is only the COCOeval
run, not a second prediction pass (measured in benchmarks/people_without_keypoints.py; docs/training.md).

Ground truth: a COCO keypoints JSON for the val images (`CocoEvalSpec.ground_truth`, whose images' `file_name`s
are the val images' file names; the snapshot should write it, with stored areas, crowd regions and box-only
people), else one built from the YOLO val labels by `ground_truth_from_yolo` (areas box x 0.53, no crowd regions:
YOLO labels have none; all-zero keypoint rows become people without keypoints, which COCOeval ignores).
Framework-free: no Django imports.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from PIL import Image

from ..metrics.coco_eval import evaluate_keypoints
from ..metrics.coco_ground_truth import prepare_ground_truth
from ..metrics.coco_results import results_from_validator
from .evaluate import label_path, read_labels, split_images

# Reported under these keys in the per-epoch metrics dict (labels in training/static/training/metric_labels.json).
EPOCH_KEYS = {"ap": "coco/ap", "ap50": "coco/ap50", "ap75": "coco/ap75", "ar": "coco/ar",
              "ap_medium": "coco/ap_medium", "ap_large": "coco/ap_large"}


@dataclass
class CocoEvalSpec:
    ground_truth: str | None = None  # COCO keypoints JSON of the val images; None: built from the YOLO labels
    sigmas: dict[int, list[float]] | None = None  # {category id: sigmas}; None: the categories' own, else default
    category_ids: list[int] | None = None  # model class index -> category id; None: index + 1
    every: int = 1  # score every N-th epoch; the last epoch and the final validation of best.pt always
    split: str = "val"


def ground_truth_from_yolo(data_yaml: str | Path, split: str = "val") -> dict:
    """A COCO keypoints dict from a YOLO pose folder's split: images (id 1..N, file_name, width, height),
    categories (id = class index + 1, name, keypoints from `kpt_names`, `sigmas` from `kpt_oks_sigmas` when set),
    annotations (bbox and keypoints in pixels; no `area`, so prepare_ground_truth applies box x 0.53)."""
    data = yaml.safe_load(Path(data_yaml).read_text())
    k = int(data["kpt_shape"][0])
    names = data.get("names") or {0: "object"}
    names = dict(enumerate(names)) if isinstance(names, list) else {int(i): n for i, n in names.items()}
    kpt_names = {int(i): list(v) for i, v in (data.get("kpt_names") or {}).items()}
    sigmas = data.get("kpt_oks_sigmas")
    categories = []
    for index, name in sorted(names.items()):
        cat = {"id": index + 1, "name": str(name), "keypoints": kpt_names.get(index) or [f"kp{j}" for j in range(k)]}
        if sigmas and len(sigmas) == k:
            cat["sigmas"] = [float(s) for s in sigmas]
        categories.append(cat)
    images, annotations = [], []
    for image_id, path in enumerate(split_images(data_yaml, split), start=1):
        with Image.open(path) as im:
            width, height = im.size
        images.append({"id": image_id, "file_name": path.name, "width": width, "height": height})
        classes, boxes, kpts = read_labels(label_path(path), width, height, k)
        for c, box, pts in zip(classes, boxes, kpts):
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": int(c) + 1,
                                "bbox": [float(v) for v in box], "iscrowd": 0,
                                "keypoints": [float(v) for v in pts.reshape(-1)]})
    return {"images": images, "annotations": annotations, "categories": categories}


class CocoEpochEvaluator:
    """Hooks for one training run: `on_val_start`/`on_val_end` (Ultralytics validator callbacks) and `score()`."""

    def __init__(self, spec: CocoEvalSpec, data_yaml: str | Path):
        self.spec = spec
        raw = (json.loads(Path(spec.ground_truth).read_text()) if spec.ground_truth
               else ground_truth_from_yolo(data_yaml, spec.split))
        self.ground_truth = prepare_ground_truth(raw)
        self.image_id_of = {Path(img.get("file_name", "")).name: img["id"] for img in self.ground_truth["images"]}
        self.predictions: list[dict] | None = None
        self.last: dict | None = None  # the last full coco_eval result

    def due(self, epoch: int, epochs: int) -> bool:
        """Whether 1-based `epoch` of `epochs` is scored."""
        return epoch % max(self.spec.every, 1) == 0 or epoch >= epochs

    def on_val_start(self, validator, wanted: bool) -> None:
        validator.args.save_json = bool(wanted)
        self.predictions = None

    def on_val_end(self, validator) -> None:
        if validator.args.save_json:
            self.predictions = results_from_validator(validator.jdict or [], self.image_id_of,
                                                      category_ids=self.spec.category_ids)

    def score(self) -> dict:
        """{"coco/ap", "coco/ap50", "coco/ap75", "coco/ar", "coco/ap_medium", "coco/ap_large", "coco/seconds"}
        for the predictions of the last validation; {} when none were kept."""
        if self.predictions is None:
            return {}
        started = time.perf_counter()
        self.last = evaluate_keypoints(self.ground_truth, self.predictions, sigmas=self.spec.sigmas, prepared=True)
        out = {key: self.last[name] for name, key in EPOCH_KEYS.items()}
        out["coco/seconds"] = round(time.perf_counter() - started, 4)
        return out

    def write(self, folder: str | Path) -> dict:
        """Write the two downloads of the last scored validation: coco_predictions.json (COCO results) and
        coco_ground_truth.json (the prepared ground truth it was scored against). Returns their paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {"predictions": folder / "coco_predictions.json", "ground_truth": folder / "coco_ground_truth.json"}
        paths["predictions"].write_text(json.dumps(self.predictions or []))
        paths["ground_truth"].write_text(json.dumps(self.ground_truth))
        return {k: str(v) for k, v in paths.items()}
