"""COCO keypoints JSON -> neutral records: total and strict (no Django imports).

Every value is checked; a wrong one raises FormatError whose `field` points at it
(``annotations[0].keypoints[1].v``, ``images[2].width``) and whose message names the annotation or
image id. What the reader accepts and how it reads it (docs/import-export.md has the user's version):

- Numbers may be numeric strings (``"category_id": "1"`` reads as 1). Ids may also be opaque text.
- A point with v = 0 is absent: its coordinates are ignored whatever they are (NaN, null) and it is
  stored as [0, 0, 0]. A point with v > 0 needs finite coordinates.
- Visibility 0/1/2 (also 2.0); a fraction in (0, 2) is a labelled point rounded up (values.read_visibility)
  with a per-annotation warning; anything else is an error.
- Unknown image or category ids, duplicated image or annotation ids and two images with one file_name
  are errors naming every offender (summarised). Annotations of a category without keypoints are not
  imported, with a warning.
- `iscrowd: 1` regions are kept as CrowdRecord (box and area); `area` is kept per instance; people with a
  box and no labelled point stay instances with every point absent.
"""
from __future__ import annotations

from .coco_writer import iter_coco_json, write_coco  # noqa: F401  (the writer's home; kept importable here)
from .names import normalize_name
from .records import (
    ClassSpec,
    CrowdRecord,
    FormatError,
    FormatWarning,
    ImageRecord,
    InstanceRecord,
    PoseDataset,
    summarise,
)
from .values import (
    read_id,
    read_number,
    read_size,
    read_text,
    read_visibility,
    show,
    to_float,
)

_BIG = 1e300


def _list(data: dict, key: str) -> list:
    value = data.get(key)
    if not isinstance(value, list):
        what = "missing" if value is None else f"a {type(value).__name__}, not a list"
        raise FormatError(f"the COCO file's '{key}' is {what}", key)
    return value


def _entry(value, field: str, label: str) -> dict:
    if not isinstance(value, dict):
        raise FormatError(f"{label} must be an object, got {show(value)}", field)
    return value


def _skeleton(raw, where: str, names: list[str], class_name: str, warnings: list) -> list[tuple[int, int]]:
    """COCO skeletons are 1-based; a file that uses 0 is read as 0-based. Some sets (CrowdPose) carry
    edges past the keypoint count: those are dropped with a warning."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise FormatError(f"{where}.skeleton must be a list of [a, b] pairs, got {show(raw)}", f"{where}.skeleton")
    pairs = []
    for e, edge in enumerate(raw):
        field = f"{where}.skeleton[{e}]"
        if not isinstance(edge, list) or len(edge) != 2:
            raise FormatError(f"{field} must be a pair [a, b] of keypoint numbers, got {show(edge)}", field)
        pairs.append(tuple(int(read_id(v, field, f"{field} keypoint number", allow_text=False)) for v in edge))
    offset = 0 if any(0 in p for p in pairs) else 1
    edges: list[tuple[int, int]] = []
    dropped = []
    for a, b in pairs:
        a0, b0 = a - offset, b - offset
        if 0 <= a0 < len(names) and 0 <= b0 < len(names) and a0 != b0:
            if (a0, b0) not in edges and (b0, a0) not in edges:
                edges.append((a0, b0))
        else:
            dropped.append(f"[{a}, {b}]")
    if dropped:
        warnings.append(FormatWarning(
            f"class {class_name!r}: skeleton edge(s) {summarise(dropped)} refer to a keypoint that does not "
            "exist; dropped", code="skeleton_edge_dropped", field=f"{where}.skeleton"))
    return edges


def _categories(raw: list, warnings: list) -> tuple[list[ClassSpec], dict, dict]:
    classes: list[ClassSpec] = []
    index: dict = {}  # category id -> class index
    skipped: dict = {}  # category id -> name, for categories without keypoints
    names_seen: dict[str, int | str] = {}
    for i, cat in enumerate(raw):
        where = f"categories[{i}]"
        cat = _entry(cat, where, f"category {i}")
        cid = read_id(cat.get("id"), f"{where}.id", f"{where}.id")
        if cid in index or cid in skipped:
            raise FormatError(f"category id {cid} is used twice", f"{where}.id")
        name = read_text(cat.get("name"), f"{where}.name", f"category {cid} name").strip()
        if name in names_seen:
            raise FormatError(f"categories {names_seen[name]} and {cid} are both named {name!r}", f"{where}.name")
        names_seen[name] = cid
        sup = cat.get("supercategory")
        if sup is not None and not isinstance(sup, str):
            raise FormatError(f"category {cid} supercategory must be text, got {show(sup)}", f"{where}.supercategory")
        kps = cat.get("keypoints")
        if kps is None or kps == []:
            skipped[cid] = name
            continue
        if not isinstance(kps, list):
            raise FormatError(f"category {cid} keypoints must be a list of names, got {show(kps)}", f"{where}.keypoints")
        names = [read_text(n, f"{where}.keypoints[{k}]", f"category {cid} keypoint {k}").strip()
                 for k, n in enumerate(kps)]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise FormatError(f"category {cid} names keypoint(s) {summarise(twice)} twice", f"{where}.keypoints")
        index[cid] = len(classes)
        classes.append(ClassSpec(name=name, keypoints=names,
                                 skeleton=_skeleton(cat.get("skeleton"), where, names, name, warnings),
                                 supercategory=(sup or "").strip(), source_id=cid))
    if not classes:
        raise FormatError("the COCO file has no category with keypoints", "categories")
    return classes, index, skipped


def _images(raw: list) -> tuple[list[ImageRecord], dict]:
    records: list[ImageRecord] = []
    by_id: dict = {}
    by_name: dict[str, int | str] = {}
    for i, img in enumerate(raw):
        where = f"images[{i}]"
        img = _entry(img, where, f"image {i}")
        iid = read_id(img.get("id"), f"{where}.id", f"{where}.id")
        if iid in by_id:
            raise FormatError(f"image id {iid} is used twice ({by_id[iid].file_name!r} and "
                              f"{show(img.get('file_name'))})", f"{where}.id", image_ids=[iid])
        name = normalize_name(read_text(img.get("file_name"), f"{where}.file_name", f"image {iid} file_name"))
        if not name:
            raise FormatError(f"image {iid} file_name {show(img.get('file_name'))} names no file", f"{where}.file_name")
        if name in by_name:
            raise FormatError(f"images {by_name[name]} and {iid} both have file_name {name!r}", f"{where}.file_name",
                              image_ids=[by_name[name], iid])
        by_name[name] = iid
        size = [read_size(img.get(key), f"{where}.{key}", f"image {iid} ({name}) {key}") for key in ("width", "height")]
        rec = ImageRecord(file_name=name, width=size[0], height=size[1], source_id=iid)
        by_id[iid] = rec
        records.append(rec)
    return records, by_id


def _keypoints(flat, k: int, where: str, label: str) -> tuple[list[list[float]], list[str]]:
    """Flat COCO [x, y, v, ...] -> [[x, y, v], ...] and the texts of the visibilities that were mapped."""
    if flat is None or flat == []:
        return [[0.0, 0.0, 0] for _ in range(k)], []
    if not isinstance(flat, list) or len(flat) != 3 * k:
        got = f"{len(flat) // 3} keypoints ({len(flat)} values)" if isinstance(flat, list) else show(flat)
        raise FormatError(f"{label} has {got}; its category has {k} keypoints ({3 * k} values)", f"{where}.keypoints")
    out, mapped = [], []
    for j in range(k):
        x, y, v = flat[3 * j], flat[3 * j + 1], flat[3 * j + 2]
        if type(v) is int and v in (1, 2) and type(x) in (int, float) and type(y) in (int, float) \
                and -_BIG < x < _BIG and -_BIG < y < _BIG:  # False for NaN and inf
            out.append([float(x), float(y), v])  # the common case, checked cheaply
            continue
        kw = f"{where}.keypoints[{j}]"
        vis, was_mapped = read_visibility(v, f"{kw}.v", f"{label} keypoint {j} visibility")
        if vis == 0:
            for axis, value in (("x", x), ("y", y)):
                if value is not None and to_float(value) is None:  # NaN and null are fine on an absent point
                    raise FormatError(f"{label} keypoint {j} {axis} must be a number, got {show(value)}", f"{kw}.{axis}")
            out.append([0.0, 0.0, 0])
            continue
        out.append([read_number(x, f"{kw}.x", f"{label} keypoint {j} x"),
                    read_number(y, f"{kw}.y", f"{label} keypoint {j} y"), vis])
        if was_mapped:
            mapped.append(f"{v} (keypoint {j}) -> {vis}")
    return out, mapped


def _bbox(value, where: str, label: str) -> list[float]:
    field = f"{where}.bbox"
    if not isinstance(value, list) or len(value) != 4:
        raise FormatError(f"{label} bbox must be [x, y, width, height], got {show(value)}", field)
    box = [read_number(v, field, f"{label} bbox {part}") for part, v in zip(("x", "y", "width", "height"), value)]
    if box[2] < 0 or box[3] < 0:
        raise FormatError(f"{label} bbox has a negative width or height: {show(value)}", field)
    return box


def _area(value, where: str, label: str) -> float | None:
    if value is None:
        return None
    area = read_number(value, f"{where}.area", f"{label} area")
    if area < 0:
        raise FormatError(f"{label} area must not be negative, got {show(value)}", f"{where}.area")
    return area or None  # 0 says nothing about the size: treated as unknown


def _iscrowd(value, where: str, label: str) -> bool:
    if value is None or value is False or value is True:
        return bool(value)
    number = to_float(value)
    if number not in (0.0, 1.0):
        raise FormatError(f"{label} iscrowd must be 0 or 1, got {show(value)}", f"{where}.iscrowd")
    return number == 1.0


def parse_coco(data) -> PoseDataset:
    """Read a COCO keypoints dict (as json.load gives it) into classes, images and instances.

    Returns a PoseDataset whose images keep the file's order, instances their annotation order, and
    whose `warnings` are FormatWarning (per item: visibility mapping, dropped skeleton edges, categories
    without keypoints). Raises FormatError for anything else that does not fit (see the module doc).
    """
    if not isinstance(data, dict):
        raise FormatError(f"a COCO file must be a JSON object, got {show(data)}", "file")
    warnings: list[FormatWarning] = []
    raw_images, raw_anns, raw_cats = _list(data, "images"), _list(data, "annotations"), _list(data, "categories")
    classes, cat_index, skipped = _categories(raw_cats, warnings)
    images, by_id = _images(raw_images)
    ann_ids: dict = {}
    unknown_images: list[tuple] = []
    unknown_cats: list[tuple] = []
    skipped_anns: dict = {}
    for i, ann in enumerate(raw_anns):
        where = f"annotations[{i}]"
        ann = _entry(ann, where, f"annotation {i}")
        aid = read_id(ann.get("id"), f"{where}.id", f"{where}.id")
        if aid in ann_ids:
            raise FormatError(f"annotation id {aid} is used twice (annotations[{ann_ids[aid]}] and {where})",
                              f"{where}.id", annotation_ids=[aid])
        ann_ids[aid] = i
        name = f"annotation {aid}"
        iid = read_id(ann.get("image_id"), f"{where}.image_id", f"{name} image_id")
        cid = read_id(ann.get("category_id"), f"{where}.category_id", f"{name} category_id")
        rec = by_id.get(iid)
        if rec is None:
            unknown_images.append((where, aid, iid, ann.get("image_id")))
            continue
        if cid not in cat_index:
            if cid in skipped:
                skipped_anns.setdefault(cid, []).append(aid)
                rec.has_annotations = True
            else:
                unknown_cats.append((where, aid, cid, ann.get("category_id")))
            continue
        rec.has_annotations = True
        label = f"{name} (image {rec.file_name})"
        ci = cat_index[cid]
        k = len(classes[ci].keypoints)
        crowd = _iscrowd(ann.get("iscrowd"), where, label)
        box = _bbox(ann.get("bbox"), where, label)
        area = _area(ann.get("area"), where, label)
        kps, mapped = _keypoints(ann.get("keypoints"), k, where, label)
        if ann.get("num_keypoints") is not None:  # derived from the points on export; only its type is checked
            read_number(ann["num_keypoints"], f"{where}.num_keypoints", f"{label} num_keypoints")
        if crowd:
            if any(kp[2] > 0 for kp in kps):
                warnings.append(FormatWarning(f"{label} is a crowd region (iscrowd 1) with labelled keypoints; "
                                              "kept as a crowd region, its points dropped",
                                              code="crowd_keypoints_dropped", item=rec.file_name, field=where))
            rec.crowd.append(CrowdRecord(class_index=ci, bbox=box, area=area, source_id=aid))
            continue
        if mapped:
            warnings.append(FormatWarning(
                f"{label} has non-integer visibility values, read as labelled points (rounded up: "
                f"0 < v <= 1 -> 1 occluded, 1 < v < 2 -> 2 visible): {', '.join(mapped)}",
                code="visibility_mapped", item=rec.file_name, field=f"{where}.keypoints"))
        rec.instances.append(InstanceRecord(class_index=ci, bbox=box, keypoints=kps, area=area, source_id=aid))
    if unknown_images:
        raise FormatError(
            f"{len(unknown_images)} annotation(s) refer to image ids the file does not list: "
            f"{summarise(f'annotation {a} -> image_id {show(raw)}' for _, a, _, raw in unknown_images)}",
            f"{unknown_images[0][0]}.image_id", annotation_ids=[u[1] for u in unknown_images[:50]],
            image_ids=list(dict.fromkeys(u[2] for u in unknown_images))[:50])
    if unknown_cats:
        known = summarise(f"{c.source_id} {c.name!r}" for c in classes)
        raise FormatError(
            f"{len(unknown_cats)} annotation(s) refer to category ids the file does not define (it defines "
            f"{known}): {summarise(f'annotation {a} -> category_id {show(raw)}' for _, a, _, raw in unknown_cats)}",
            f"{unknown_cats[0][0]}.category_id", annotation_ids=[u[1] for u in unknown_cats[:50]],
            category_ids=list(dict.fromkeys(u[2] for u in unknown_cats))[:50])
    for cid, anns in skipped_anns.items():
        warnings.append(FormatWarning(
            f"{len(anns)} annotation(s) of category {cid} {skipped[cid]!r} were not imported: the category has "
            f"no keypoints ({summarise(anns)})", code="category_without_keypoints", field="categories"))
    return PoseDataset(classes=classes, images=images, warnings=warnings)
