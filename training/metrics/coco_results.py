"""COCO keypoint results: build them from model output, and check a list a user uploads. No torch needed.

A COCO results list (what COCOeval's `loadRes` reads, and what cocodataset.org's evaluation server takes):
    [{"image_id": int, "category_id": int, "keypoints": [x, y, c] * K (pixels; c = the keypoint's confidence,
      which COCOeval does not read), "score": float (the instance's box confidence, which ranks it),
      "bbox": [x, y, w, h] pixels (optional; COCOeval replaces it by the keypoints' extent)}]

Model output comes as Ultralytics `Results` (duck-typed: `.boxes.xyxy/.conf/.cls`, `.keypoints.data`
(N, K, 2|3), tensors or arrays), as plain arrays, or as Sapiens2 `PoseInstance`s (`bbox` x1 y1 x2 y2,
`score`, `keypoints` (K, 2), `keypoint_scores` (K,)).
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from core.errors import InvalidInput


def _np(x) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach()
    if hasattr(x, "cpu"):
        x = x.cpu()
    if hasattr(x, "numpy"):
        x = x.numpy()
    return np.asarray(x, dtype=np.float64)


def _category(category_ids: Sequence[int] | Mapping[int, int] | None, cls: int) -> int:
    if category_ids is None:
        return int(cls) + 1  # Posedeck's COCO export numbers categories 1..N in class order
    try:
        return int(category_ids[int(cls)])
    except (IndexError, KeyError) as exc:
        raise InvalidInput(f"the model predicted class {int(cls)}, which has no category id", field="category_ids") \
            from exc


def results_from_arrays(image_id: int, boxes_xyxy, scores, classes, keypoints, *,
                        category_ids: Sequence[int] | Mapping[int, int] | None = None) -> list[dict]:
    """One image's predictions as COCO results.

    boxes_xyxy (N, 4) pixels; scores (N,); classes (N,) model class indices; keypoints (N, K, 2|3) pixels, the
    third column a keypoint confidence (1.0 when absent). category_ids maps class index -> COCO category id
    (default index + 1).
    """
    boxes = _np(boxes_xyxy).reshape(-1, 4)
    n = len(boxes)
    scores, classes = _np(scores).reshape(n), _np(classes).reshape(n)
    kpts = _np(keypoints)
    kpts = kpts.reshape(n, -1, kpts.shape[-1]) if n else np.zeros((0, 0, 3))
    if kpts.shape[-1] == 2:
        kpts = np.concatenate([kpts, np.ones(kpts.shape[:2] + (1,))], axis=-1)
    out = []
    for b, s, c, k in zip(boxes, scores, classes, kpts):
        out.append({
            "image_id": image_id,
            "category_id": _category(category_ids, int(c)),
            "keypoints": [round(float(v), 3) for v in k[:, :3].reshape(-1)],
            "score": round(float(s), 5),
            "bbox": [round(float(b[0]), 3), round(float(b[1]), 3), round(float(b[2] - b[0]), 3),
                     round(float(b[3] - b[1]), 3)],
        })
    return out


def results_from_ultralytics(results: Iterable, image_ids: Sequence[int], *,
                             category_ids: Sequence[int] | Mapping[int, int] | None = None) -> list[dict]:
    """Ultralytics `Results` (one per image, in the order of `image_ids`) as one COCO results list."""
    out = []
    results = list(results)
    if len(results) != len(image_ids):
        raise InvalidInput(f"{len(results)} results for {len(image_ids)} image ids", field="image_ids")
    for res, image_id in zip(results, image_ids):
        boxes = getattr(res, "boxes", None)
        kp = getattr(res, "keypoints", None)
        if boxes is None or kp is None or len(boxes) == 0:
            continue
        out += results_from_arrays(image_id, boxes.xyxy, boxes.conf, boxes.cls, kp.data, category_ids=category_ids)
    return out


def results_from_instances(image_id: int, instances: Iterable, *, category_id: int = 1) -> list[dict]:
    """Sapiens2 `PoseInstance`s (or anything with bbox x1 y1 x2 y2, score, keypoints (K, 2), keypoint_scores)."""
    instances = list(instances)
    if not instances:
        return []
    kpts = np.stack([np.concatenate([_np(i.keypoints), _np(i.keypoint_scores).reshape(-1, 1)], axis=1)
                     for i in instances])
    return results_from_arrays(image_id, [i.bbox for i in instances], [i.score for i in instances],
                               [0] * len(instances), kpts, category_ids=[category_id])


def results_from_validator(jdict: Iterable[dict], image_id_of: Mapping[str, int], *,
                           category_ids: Sequence[int] | Mapping[int, int] | None = None) -> list[dict]:
    """Ultralytics' own validator predictions (`validator.jdict` with save_json: image_id from the file stem,
    category_id = class index + 1, `file_name`) re-keyed to a ground truth's ids: image by file name,
    category through `category_ids` (class index -> id). Predictions on files not in `image_id_of` are dropped."""
    out = []
    for p in jdict:
        image_id = image_id_of.get(p.get("file_name"))
        if image_id is None:
            continue
        out.append({"image_id": image_id, "category_id": _category(category_ids, int(p["category_id"]) - 1),
                    "keypoints": p["keypoints"], "score": p["score"], "bbox": p.get("bbox")})
    return out


def _finite(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        raise InvalidInput(f"{field} must be a finite number, got {value!r:.40}", field=field)
    return float(value)


def parse_results(raw, ground_truth: dict, *, field: str = "predictions") -> list[dict]:
    """Check a COCO results list against a prepared ground truth (training.metrics.coco_ground_truth).

    raw: the uploaded bytes or text, or an already parsed list. Every item needs `image_id` (one of the ground
    truth's images, of any split), `category_id` (one of its keypoint categories), `keypoints` with 3 x K numbers
    (K of that category) and a finite `score`; `bbox` is optional ([x, y, w, h]). Returns clean copies.
    Errors: InvalidInput with field such as ``predictions[12].keypoints``.
    """
    data = raw
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = bytes(raw).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput("the predictions file is not UTF-8 text", field=field) from exc
    if isinstance(raw, str):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"the predictions file is not JSON ({exc.msg} at line {exc.lineno}, "
                               f"column {exc.colno})", field=field) from exc
    if isinstance(data, dict) and isinstance(data.get("annotations"), list):
        raise InvalidInput("this looks like a COCO dataset file; a COCO results file is a JSON list of "
                           "{image_id, category_id, keypoints, score}", field=field)
    if not isinstance(data, list):
        raise InvalidInput("a COCO results file is a JSON list of {image_id, category_id, keypoints, score}",
                           field=field)
    images = {img["id"] for img in ground_truth["images"]}
    k_of = {c["id"]: len(c["keypoints"]) for c in ground_truth["categories"]}
    out = []
    for i, item in enumerate(data):
        where = f"{field}[{i}]"
        if not isinstance(item, dict):
            raise InvalidInput("each prediction must be an object", field=where)
        image_id, category_id = item.get("image_id"), item.get("category_id")
        if isinstance(image_id, bool) or image_id not in images:
            raise InvalidInput(f"image_id {image_id!r:.40} is not an image of this dataset's COCO export",
                               field=f"{where}.image_id")
        if isinstance(category_id, bool) or category_id not in k_of:
            raise InvalidInput(f"category_id {category_id!r:.40} is not one of the classes "
                               f"{sorted(k_of)}", field=f"{where}.category_id")
        k = k_of[category_id]
        flat = item.get("keypoints")
        if not isinstance(flat, list) or len(flat) != 3 * k:
            got = f"{len(flat)} numbers" if isinstance(flat, list) else type(flat).__name__
            raise InvalidInput(f"keypoints must hold 3 x {k} numbers (x, y, confidence per keypoint) for "
                               f"category {category_id}, got {got}", field=f"{where}.keypoints")
        clean = {"image_id": image_id, "category_id": category_id,
                 "keypoints": [_finite(v, f"{where}.keypoints[{j}]") for j, v in enumerate(flat)],
                 "score": _finite(item.get("score"), f"{where}.score")}
        bbox = item.get("bbox")
        if bbox is not None:
            if not isinstance(bbox, list) or len(bbox) != 4:
                raise InvalidInput("bbox must be [x, y, w, h]", field=f"{where}.bbox")
            clean["bbox"] = [_finite(v, f"{where}.bbox[{j}]") for j, v in enumerate(bbox)]
        out.append(clean)
    return out
