"""Validation of one image's instances against its size and the dataset's classes (no Django imports)."""
from __future__ import annotations

import math

from core.errors import InvalidInput

# Labels drawn at the very edge land a hair outside after rounding; one pixel of slack is not an error.
EDGE_SLACK = 1.0


def _number(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidInput(f"{field} must be a finite number, got {value!r}", field=field)
    return float(value)


def validate_instances(instances, *, width: int, height: int, keypoint_counts: dict[int, int]) -> list[dict]:
    """Return clean instances or raise InvalidInput naming the first wrong field.

    keypoint_counts maps class id -> number of keypoints of that class.
    """
    if not isinstance(instances, list):
        raise InvalidInput("instances must be a list", field="instances")
    clean = []
    for i, inst in enumerate(instances):
        where = f"instances[{i}]"
        if not isinstance(inst, dict):
            raise InvalidInput(f"{where} must be an object", field=where)
        cls = inst.get("class")
        if isinstance(cls, bool) or not isinstance(cls, int) or cls not in keypoint_counts:
            raise InvalidInput(f"{where}.class {cls!r} is not a class of this dataset", field=f"{where}.class")
        bbox = inst.get("bbox")
        if not isinstance(bbox, list) or len(bbox) != 4:
            raise InvalidInput(f"{where}.bbox must be [x, y, width, height]", field=f"{where}.bbox")
        x, y, w, h = (_number(v, f"{where}.bbox") for v in bbox)
        if w <= 0 or h <= 0:
            raise InvalidInput(f"{where}.bbox width and height must be positive", field=f"{where}.bbox")
        if x < -EDGE_SLACK or y < -EDGE_SLACK or x + w > width + EDGE_SLACK or y + h > height + EDGE_SLACK:
            raise InvalidInput(f"{where}.bbox {bbox} lies outside the {width}x{height} image", field=f"{where}.bbox")
        kps = inst.get("keypoints")
        k = keypoint_counts[cls]
        if not isinstance(kps, list) or len(kps) != k:
            got = len(kps) if isinstance(kps, list) else "no"
            raise InvalidInput(f"{where}.keypoints has {got} points; class {cls} has {k}", field=f"{where}.keypoints")
        clean_kps = []
        for j, kp in enumerate(kps):
            kwhere = f"{where}.keypoints[{j}]"
            if not isinstance(kp, list) or len(kp) != 3:
                raise InvalidInput(f"{kwhere} must be [x, y, v]", field=kwhere)
            kx, ky = _number(kp[0], kwhere), _number(kp[1], kwhere)
            v = kp[2]
            if isinstance(v, bool) or v not in (0, 1, 2):
                raise InvalidInput(f"{kwhere} visibility must be 0 (absent), 1 (occluded) or 2 (visible), got {v!r}",
                                   field=f"{kwhere}.v")
            v = int(v)
            if v > 0 and not (-EDGE_SLACK <= kx <= width + EDGE_SLACK and -EDGE_SLACK <= ky <= height + EDGE_SLACK):
                raise InvalidInput(f"{kwhere} ({kx}, {ky}) lies outside the {width}x{height} image", field=kwhere)
            clean_kps.append([kx, ky, v] if v > 0 else [0.0, 0.0, 0])
        clean.append({"class": cls, "bbox": [x, y, w, h], "keypoints": clean_kps})
    return clean
