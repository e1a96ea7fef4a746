"""COCO keypoints JSON: parse into neutral records, and write them back."""
from __future__ import annotations

from .records import ClassSpec, FormatError, ImageRecord, InstanceRecord, PoseDataset


def _skeleton_zero_based(raw: list, num_keypoints: int, class_name: str, warnings: list[str]) -> list[tuple[int, int]]:
    """COCO skeletons are 1-based; some sets (CrowdPose) carry edges past the keypoint count: drop those."""
    pairs = [tuple(int(v) for v in edge) for edge in raw if isinstance(edge, (list, tuple)) and len(edge) == 2]
    one_based = not any(0 in p for p in pairs)
    offset = 1 if one_based else 0
    edges: list[tuple[int, int]] = []
    for a, b in pairs:
        a0, b0 = a - offset, b - offset
        if 0 <= a0 < num_keypoints and 0 <= b0 < num_keypoints and a0 != b0:
            if (a0, b0) not in edges:
                edges.append((a0, b0))
        else:
            warnings.append(f"class '{class_name}': skeleton edge [{a}, {b}] refers to a keypoint that does not exist; dropped")
    return edges


def parse_coco(data: dict) -> PoseDataset:
    if not isinstance(data, dict):
        raise FormatError("COCO file must be a JSON object", "file")
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            raise FormatError(f"COCO file has no '{key}' list", key)
    warnings: list[str] = []
    classes: list[ClassSpec] = []
    cat_index: dict[int, int] = {}
    for i, cat in enumerate(data["categories"]):
        names = cat.get("keypoints")
        if not isinstance(names, list) or not names:
            warnings.append(f"category {cat.get('name', cat.get('id'))!r} has no keypoints; skipped")
            continue
        name = str(cat.get("name") or f"class{i + 1}")
        cat_index[cat.get("id")] = len(classes)
        classes.append(ClassSpec(
            name=name,
            keypoints=[str(n) for n in names],
            skeleton=_skeleton_zero_based(cat.get("skeleton") or [], len(names), name, warnings),
            supercategory=str(cat.get("supercategory") or ""),
        ))
    if not classes:
        raise FormatError("COCO file has no category with keypoints", "categories")

    images: dict = {}
    for img in data["images"]:
        try:
            rec = ImageRecord(file_name=str(img["file_name"]), width=int(img["width"]), height=int(img["height"]),
                              source_id=img["id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"image entry {img!r:.80} lacks id/file_name/width/height", "images") from exc
        images[img["id"]] = rec

    crowd = 0
    for ann in data["annotations"]:
        rec = images.get(ann.get("image_id"))
        if rec is None:
            raise FormatError(f"annotation {ann.get('id')} refers to unknown image_id {ann.get('image_id')}", "annotations")
        rec.has_annotations = True
        if ann.get("iscrowd"):
            crowd += 1  # crowd regions have no keypoints to learn from
            continue
        ci = cat_index.get(ann.get("category_id"))
        if ci is None:
            continue
        k = len(classes[ci].keypoints)
        flat = ann.get("keypoints") or [0] * (3 * k)
        if len(flat) != 3 * k:
            raise FormatError(f"annotation {ann.get('id')} has {len(flat) // 3} keypoints, its category has {k}", "annotations")
        bbox = ann.get("bbox")
        if not (isinstance(bbox, list) and len(bbox) == 4):
            raise FormatError(f"annotation {ann.get('id')} has no [x, y, w, h] bbox", "annotations")
        kps = [[float(flat[j]), float(flat[j + 1]), int(flat[j + 2])] for j in range(0, 3 * k, 3)]
        rec.instances.append(InstanceRecord(class_index=ci, bbox=[float(v) for v in bbox], keypoints=kps))
    if crowd:
        warnings.append(f"{crowd} crowd annotation(s) (iscrowd=1) skipped: they carry no keypoints")
    return PoseDataset(classes=classes, images=list(images.values()), warnings=warnings)


def _num(v: float) -> float | int:
    return int(v) if float(v).is_integer() else round(float(v), 3)


def write_coco(ds: PoseDataset) -> dict:
    """A COCO keypoints dict; category ids are 1-based in class order, skeletons 1-based as COCO has them."""
    categories = [{
        "id": i + 1,
        "name": c.name,
        "supercategory": c.supercategory or c.name,
        "keypoints": list(c.keypoints),
        "skeleton": [[a + 1, b + 1] for a, b in c.skeleton],
    } for i, c in enumerate(ds.classes)]
    images, annotations = [], []
    ann_id = 1
    for img_id, rec in enumerate(ds.images, start=1):
        images.append({"id": img_id, "file_name": rec.file_name, "width": rec.width, "height": rec.height})
        for inst in rec.instances:
            flat: list = []
            for x, y, v in inst.keypoints:
                flat += [_num(x), _num(y), int(v)]
            x, y, w, h = inst.bbox
            annotations.append({
                "id": ann_id, "image_id": img_id, "category_id": inst.class_index + 1,
                "bbox": [_num(x), _num(y), _num(w), _num(h)], "area": _num(w * h), "iscrowd": 0,
                "num_keypoints": sum(1 for _, _, v in inst.keypoints if v > 0),
                "keypoints": flat, "segmentation": [],
            })
            ann_id += 1
    return {"info": {"description": "Exported by Posedeck"}, "images": images,
            "annotations": annotations, "categories": categories}
