"""Validation of one image's labels against its size and the dataset's classes (no Django imports).

The stored shape (what validate_* return, and what Annotation keeps):
    instances: [{"class": id, "bbox": [x, y, w, h], "keypoints": [[x, y, v], ...], "area"?: px²}, ...]
    crowd:     [{"class": id, "bbox": [x, y, w, h], "area"?: px²}, ...]   # COCO iscrowd regions
Pixels, top-left origin; v is COCO visibility (0 absent, stored [0, 0, 0]; 1 occluded; 2 visible).
`area` is optional: the segment area an import brought (COCO), used by OKS; without it the exports and
metrics use box area x 0.53 (datasets.formats.records.default_area). Crowd regions are a separate list
because they have no keypoints and every reader of `instances` expects them.
"""
from __future__ import annotations

import math

from core.errors import InvalidInput

# Labels drawn at the very edge land a hair outside after rounding; one pixel of slack is not an error.
EDGE_SLACK = 1.0
MAX_OBJECTS = 9_999  # per image; the COCO export numbers annotations image_id * 10000 + n


def _number(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(f"{field} must be a finite number, got {_show(value)}", field=field)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise InvalidInput(f"{field} must be a finite number, got {_show(value)}", field=field)
    return number


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _list(value, field: str, what: str) -> list:
    if not isinstance(value, list):
        raise InvalidInput(f"{field} must be a list of {what}", field=field)
    if len(value) > MAX_OBJECTS:
        raise InvalidInput(f"{field} holds {len(value)} objects; at most {MAX_OBJECTS} per image", field=field)
    return value


def _class(value, where: str, classes) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in classes:
        raise InvalidInput(f"{where}.class {_show(value)} is not a class of this dataset", field=f"{where}.class")
    return value


def _bbox(value, where: str, width: int, height: int) -> list[float]:
    field = f"{where}.bbox"
    if not isinstance(value, list) or len(value) != 4:
        raise InvalidInput(f"{field} must be [x, y, width, height]", field=field)
    x, y, w, h = (_number(v, field) for v in value)
    if w <= 0 or h <= 0:
        raise InvalidInput(f"{field} width and height must be positive", field=field)
    if x < -EDGE_SLACK or y < -EDGE_SLACK or x + w > width + EDGE_SLACK or y + h > height + EDGE_SLACK:
        raise InvalidInput(f"{field} {[x, y, w, h]} lies outside the {width}x{height} image", field=field)
    return [x, y, w, h]


def _area(item: dict, where: str, width: int, height: int) -> dict:
    if item.get("area") is None:
        return {}
    area = _number(item["area"], f"{where}.area")
    if area <= 0 or area > (width + 2 * EDGE_SLACK) * (height + 2 * EDGE_SLACK):
        raise InvalidInput(f"{where}.area {area} must be positive and at most the image's {width}x{height}",
                           field=f"{where}.area")
    return {"area": area}


def validate_instances(instances, *, width: int, height: int, keypoint_counts: dict[int, int]) -> list[dict]:
    """Return clean instances or raise InvalidInput naming the first wrong field (``instances[0].bbox``,
    ``instances[2].keypoints[1].v``). keypoint_counts maps class id -> number of keypoints of that class.
    Unknown keys of an instance are not kept."""
    clean = []
    for i, inst in enumerate(_list(instances, "instances", "instances")):
        where = f"instances[{i}]"
        if not isinstance(inst, dict):
            raise InvalidInput(f"{where} must be an object", field=where)
        cls = _class(inst.get("class"), where, keypoint_counts)
        bbox = _bbox(inst.get("bbox"), where, width, height)
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
            v = kp[2]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v not in (0, 1, 2):
                raise InvalidInput(f"{kwhere} visibility must be 0 (absent), 1 (occluded) or 2 (visible), got "
                                   f"{_show(v)}", field=f"{kwhere}.v")
            v = int(v)
            if v == 0:  # an absent point's coordinates mean nothing, whatever they are
                clean_kps.append([0.0, 0.0, 0])
                continue
            kx, ky = _number(kp[0], kwhere), _number(kp[1], kwhere)
            if not (-EDGE_SLACK <= kx <= width + EDGE_SLACK and -EDGE_SLACK <= ky <= height + EDGE_SLACK):
                raise InvalidInput(f"{kwhere} ({kx}, {ky}) lies outside the {width}x{height} image", field=kwhere)
            clean_kps.append([kx, ky, v])
        clean.append({"class": cls, "bbox": bbox, "keypoints": clean_kps, **_area(inst, where, width, height),
                      **_origin(inst, where)})
    return clean


def _origin(item: dict, where: str) -> dict:
    """An accepted suggestion's provenance, kept with the instance: {"suggestion": true, "deployment": id,
    "version": n, "edited": bool} (edited: a person changed it before or after accepting)."""
    origin = item.get("origin")
    if origin is None:
        return {}
    field = f"{where}.origin"
    if not isinstance(origin, dict) or origin.get("suggestion") is not True:
        raise InvalidInput(f"{field} must be {{\"suggestion\": true, \"deployment\", \"version\", \"edited\"}}",
                           field=field)
    clean = {"suggestion": True, "edited": origin.get("edited") is True}
    for key in ("deployment", "version"):
        value = origin.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidInput(f"{field}.{key} must be an integer or null", field=f"{field}.{key}")
        clean[key] = value
    return {"origin": clean}


def validate_crowd_regions(regions, *, width: int, height: int, class_ids) -> list[dict]:
    """Return clean crowd regions ({"class", "bbox", "area"?}) or raise InvalidInput naming the field
    (``crowd[0].bbox``). class_ids: the dataset's class ids."""
    clean = []
    for i, region in enumerate(_list(regions, "crowd", "crowd regions")):
        where = f"crowd[{i}]"
        if not isinstance(region, dict):
            raise InvalidInput(f"{where} must be an object", field=where)
        clean.append({"class": _class(region.get("class"), where, class_ids),
                      "bbox": _bbox(region.get("bbox"), where, width, height),
                      **_area(region, where, width, height)})
    return clean
