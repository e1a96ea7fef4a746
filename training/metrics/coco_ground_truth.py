"""Check a COCO keypoints ground-truth dict and bring it into the exact form COCOeval scores.

`prepare_ground_truth(coco)` returns a new dict (the input is not changed) that any plain pycocotools run
can score: it is what Posedeck offers as the "ground truth it scored against" download.

What it fills in, and why:
  * `area` missing (CrowdPose and other sets store none): box width x height x 0.53 (AREA_FACTOR). COCO's
    `area` is the person's segment area; 0.53 is the mean segment/box ratio of COCO people (0.532 measured
    on tests/data/coco_mini, 147 people) and the stand-in that Ultralytics' pose validator and mmpose use
    when no area is stored. A stored area is always kept.
  * `num_keypoints`: recomputed as the count of v > 0. COCOeval ignores people whose num_keypoints is 0 (they
    can neither be missed nor matched), so it must agree with the keypoints actually labelled.
  * `iscrowd` missing: 0. Crowd regions (iscrowd 1) stay in as COCO ignore regions; their keypoints (often
    absent) become all zeros.
  * `id` missing or repeated: every annotation is renumbered 1..N (COCOeval matches by annotation id).
Categories without a `keypoints` list, and their annotations, are dropped: they have nothing to score.

Errors: core.errors.InvalidInput with `field` such as ``ground_truth.annotations[3].keypoints``.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

from core.errors import InvalidInput

from .oks import AREA_FACTOR


def _number(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        raise InvalidInput(f"{field} must be a finite number, got {value!r:.40}", field=field)
    return float(value)


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _list(data: dict, key: str, field: str) -> list:
    value = data.get(key)
    if not isinstance(value, list):
        raise InvalidInput(f"{field}.{key} must be a list", field=f"{field}.{key}")
    return value


def keypoint_categories(coco: dict) -> dict:
    """{category id: category dict} for the categories that have a non-empty `keypoints` list, in file order."""
    return {c["id"]: c for c in coco.get("categories", []) if isinstance(c, dict) and c.get("keypoints")}


def prepare_ground_truth(coco, *, field: str = "ground_truth") -> dict:
    """A checked copy of a COCO keypoints dict: {"images", "annotations", "categories", "info"}.

    coco: {"images": [{"id", "width"?, "height"?, ...}], "categories": [{"id", "name", "keypoints": [names],
    "sigmas"? (Posedeck extension: per-keypoint OKS sigmas)}], "annotations": [{"image_id", "category_id",
    "bbox": [x, y, w, h] pixels, "keypoints": [x, y, v] * K, "area"?, "iscrowd"?, "num_keypoints"?, "id"?}]}.
    """
    if not isinstance(coco, dict):
        raise InvalidInput("the ground truth must be a COCO JSON object", field=field)
    images_in = _list(coco, "images", field)
    anns_in = _list(coco, "annotations", field)
    cats_in = _list(coco, "categories", field)

    categories, k_of = [], {}
    for i, cat in enumerate(cats_in):
        where = f"{field}.categories[{i}]"
        if not isinstance(cat, dict) or not _is_id(cat.get("id")):
            raise InvalidInput("each category needs an integer id", field=where)
        names = cat.get("keypoints")
        if not names:
            continue
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InvalidInput("keypoints must be a list of names", field=f"{where}.keypoints")
        if cat["id"] in k_of:
            raise InvalidInput(f"category id {cat['id']} appears twice", field=f"{where}.id")
        k_of[cat["id"]] = len(names)
        categories.append(dict(cat))
    if not categories:
        raise InvalidInput("the ground truth has no category with keypoints", field=f"{field}.categories")

    images, seen = [], set()
    for i, img in enumerate(images_in):
        if not isinstance(img, dict) or not _is_id(img.get("id")):
            raise InvalidInput("each image needs an integer id", field=f"{field}.images[{i}]")
        if img["id"] in seen:
            raise InvalidInput(f"image id {img['id']} appears twice", field=f"{field}.images[{i}].id")
        seen.add(img["id"])
        images.append(dict(img))

    annotations = []
    for i, ann in enumerate(anns_in):
        where = f"{field}.annotations[{i}]"
        if not isinstance(ann, dict):
            raise InvalidInput("each annotation must be an object", field=where)
        if ann.get("image_id") not in seen:
            raise InvalidInput(f"annotation refers to unknown image_id {ann.get('image_id')!r}", field=f"{where}.image_id")
        if ann.get("category_id") not in k_of:
            if any(c.get("id") == ann.get("category_id") for c in cats_in if isinstance(c, dict)):
                continue  # a category without keypoints: nothing to score
            raise InvalidInput(f"annotation refers to unknown category_id {ann.get('category_id')!r}",
                               field=f"{where}.category_id")
        k = k_of[ann["category_id"]]
        crowd = int(bool(ann.get("iscrowd", 0)))
        bbox = ann.get("bbox")
        if not isinstance(bbox, list) or len(bbox) != 4:
            raise InvalidInput("bbox must be [x, y, w, h]", field=f"{where}.bbox")
        bbox = [_number(v, f"{where}.bbox[{j}]") for j, v in enumerate(bbox)]
        if bbox[2] < 0 or bbox[3] < 0:
            raise InvalidInput("bbox width and height must not be negative", field=f"{where}.bbox")
        flat = ann.get("keypoints")
        if crowd and not flat:
            flat = [0] * (3 * k)
        if not isinstance(flat, list) or len(flat) != 3 * k:
            got = len(flat) // 3 if isinstance(flat, list) else 0
            raise InvalidInput(f"keypoints must hold {k} [x, y, v] triples for category {ann['category_id']}, "
                               f"got {got}", field=f"{where}.keypoints")
        flat = [_number(v, f"{where}.keypoints[{j}]") for j, v in enumerate(flat)]
        area = ann.get("area")
        area = bbox[2] * bbox[3] * AREA_FACTOR if area is None else _number(area, f"{where}.area")
        annotations.append({**ann, "bbox": bbox, "keypoints": flat, "area": area, "iscrowd": crowd,
                            "num_keypoints": sum(1 for v in flat[2::3] if v > 0)})
    ids = [a.get("id") for a in annotations]
    if None in ids or len(set(ids)) != len(ids):
        for n, a in enumerate(annotations, start=1):
            a["id"] = n
    return {"info": dict(coco.get("info") or {}, note="prepared by Posedeck for COCOeval (iouType keypoints)"),
            "images": images, "annotations": annotations, "categories": categories}


def select_images(prepared: dict, image_ids: Iterable | None) -> dict:
    """The prepared ground truth restricted to `image_ids` (a split); None keeps every image."""
    if image_ids is None:
        return prepared
    keep = set(image_ids)
    return {**prepared, "images": [i for i in prepared["images"] if i["id"] in keep],
            "annotations": [a for a in prepared["annotations"] if a["image_id"] in keep]}


def counts(prepared: dict) -> dict:
    """People counts per category id: {"instances": with >= 1 labelled keypoint, "people_without_keypoints",
    "crowd_regions"}."""
    out = {c["id"]: {"instances": 0, "people_without_keypoints": 0, "crowd_regions": 0}
           for c in prepared["categories"]}
    for a in prepared["annotations"]:
        row = out[a["category_id"]]
        if a["iscrowd"]:
            row["crowd_regions"] += 1
        elif a["num_keypoints"] > 0:
            row["instances"] += 1
        else:
            row["people_without_keypoints"] += 1
    return out
