"""Neutral records -> COCO keypoints JSON, as a dict (small sets) or as streamed text (any size).

No Django imports. What the writer keeps and how it numbers things:
- ids are stable across exports: an image's id is its record's integer `source_id` (the database id),
  a category's id its class's integer `source_id`, an annotation's id ``image_id * 10000 + n`` (n = its
  1-based place in the image: instances first, then crowd regions). Without integer source ids the
  images/classes are numbered 1, 2, ... in the order given.
- `area`: the instance's own (imported) area, else box width x height x 0.53 (records.default_area).
- crowd regions: `iscrowd: 1` with their box and area (else the box area), all points absent, and the
  box as a polygon `segmentation` (the original RLE is not kept).
- `num_keypoints`: the number of labelled points (v > 0), as COCO defines it.
- file names are the records' `file_name`s, which must differ even ignoring letter case (give them
  names.export_names first); keypoint coordinates are rounded to 3 decimals, areas to 2.
"""
from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Iterator

from .records import ClassSpec, FormatError, ImageRecord, PoseDataset, default_area

ANN_ID_STRIDE = 10_000  # annotation ids of one image: image_id * ANN_ID_STRIDE + 1 ...
INFO = {"description": "Exported by Posedeck"}


def _num(v: float, digits: int = 3) -> float | int:
    v = float(v)
    return int(v) if v.is_integer() else round(v, digits)


def coco_categories(classes: list[ClassSpec]) -> list[dict]:
    """COCO categories; skeletons 1-based as COCO has them."""
    use_source = bool(classes) and all(isinstance(c.source_id, int) and not isinstance(c.source_id, bool)
                                       for c in classes)
    ids = [c.source_id for c in classes] if use_source else list(range(1, len(classes) + 1))
    if len(set(ids)) != len(ids):
        raise FormatError("two classes have the same source id", "classes")
    return [{"id": ids[i], "name": c.name, "supercategory": c.supercategory or c.name,
             "keypoints": list(c.keypoints), "skeleton": [[a + 1, b + 1] for a, b in c.skeleton]}
            for i, c in enumerate(classes)]


class _Numbering:
    """Image ids and file-name checks shared by the dict and the streamed writer."""

    def __init__(self, classes: list[ClassSpec], *, check: bool = True):
        self.categories = coco_categories(classes)
        self.keypoint_counts = [len(c.keypoints) for c in classes]
        self.check = check  # the streamed writer's second pass repeats the first: no second set of names
        self.mode: str | None = None
        self.count = 0
        self.ids: set[int] = set()
        self.names: set[str] = set()

    def image_id(self, rec: ImageRecord) -> int:
        self.count += 1
        sid = rec.source_id
        has_int = isinstance(sid, int) and not isinstance(sid, bool)
        if self.mode is None:
            self.mode = "source" if has_int else "order"
        if self.mode == "order":
            return self.count
        if not has_int:
            raise FormatError(f"image {rec.file_name!r} has no integer source id while the others have one",
                              "images")
        if self.check:
            if sid in self.ids:
                raise FormatError(f"image id {sid} is given to two images", "images")
            self.ids.add(sid)
        return sid

    def check_name(self, rec: ImageRecord) -> None:
        if not self.check:
            return
        key = rec.file_name.casefold()
        if key in self.names:
            raise FormatError(f"two images are named {rec.file_name!r} (ignoring letter case); give the records "
                              "names from names.export_names", "images")
        self.names.add(key)

    def entries(self, rec: ImageRecord) -> tuple[dict, list[dict]]:
        """The image entry and its annotations."""
        if not isinstance(rec.width, int) or not isinstance(rec.height, int):
            raise FormatError(f"image {rec.file_name!r} has no width and height", "images")
        self.check_name(rec)
        img_id = self.image_id(rec)
        image = {"id": img_id, "file_name": rec.file_name, "width": rec.width, "height": rec.height}
        regions = len(rec.instances) + len(rec.crowd)
        if regions >= ANN_ID_STRIDE:
            raise FormatError(f"image {rec.file_name!r} holds {regions} objects; at most {ANN_ID_STRIDE - 1} fit "
                              "the annotation id scheme", "images")
        anns = []
        for n, inst in enumerate(rec.instances, start=1):
            flat: list = []
            for x, y, v in inst.keypoints:
                flat += [_num(x), _num(y), int(v)] if v > 0 else [0, 0, 0]
            area = inst.area if inst.area is not None else default_area(inst.bbox)
            anns.append({"id": img_id * ANN_ID_STRIDE + n, "image_id": img_id,
                         "category_id": self.categories[inst.class_index]["id"],
                         "bbox": [_num(v) for v in inst.bbox], "area": _num(area, 2), "iscrowd": 0,
                         "num_keypoints": inst.num_keypoints, "keypoints": flat, "segmentation": []})
        for n, region in enumerate(rec.crowd, start=len(rec.instances) + 1):
            x, y, w, h = (_num(v) for v in region.bbox)
            area = region.area if region.area is not None else float(region.bbox[2]) * float(region.bbox[3])
            anns.append({"id": img_id * ANN_ID_STRIDE + n, "image_id": img_id,
                         "category_id": self.categories[region.class_index]["id"],
                         "bbox": [x, y, w, h], "area": _num(area, 2), "iscrowd": 1, "num_keypoints": 0,
                         "keypoints": [0] * (3 * self.keypoint_counts[region.class_index]),
                         "segmentation": [[x, y, _num(x + w), y, _num(x + w), _num(y + h), x, _num(y + h)]]})
        return image, anns


def write_coco(ds: PoseDataset, *, info: dict | None = None) -> dict:
    """The whole COCO keypoints dict in memory: for small sets and tests. Large exports use iter_coco_json."""
    numbering = _Numbering(ds.classes)
    images, annotations = [], []
    for rec in ds.images:
        image, anns = numbering.entries(rec)
        images.append(image)
        annotations += anns
    return {"info": dict(info or INFO), "licenses": [], "images": images, "annotations": annotations,
            "categories": numbering.categories}


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def iter_coco_json(classes: list[ClassSpec], images: Iterable[ImageRecord] | Callable[[], Iterable[ImageRecord]],
                   *, info: dict | None = None, chunk_chars: int = 1 << 16) -> Iterator[str]:
    """The same COCO JSON as write_coco, as text chunks of about `chunk_chars`, holding one image at a time.

    `images` is either a callable that returns a fresh iterable (called twice: the images pass, then the
    annotations pass; e.g. a database query run twice), or a one-shot iterable, whose annotations are
    then spooled to a temporary file (in memory up to 8 MB) during the images pass. Memory stays
    bounded by one image's records plus a set of the ids and names seen (for the uniqueness checks).
    ``"".join(iter_coco_json(ds.classes, ds.images))`` parses to ``write_coco(ds)``.
    """
    numbering = _Numbering(classes)
    buffer: list[str] = []
    size = 0

    def emit(text: str):
        nonlocal size
        buffer.append(text)
        size += len(text)

    def flush() -> Iterator[str]:
        nonlocal size
        if buffer:
            text = "".join(buffer)
            buffer.clear()
            size = 0
            yield text

    emit('{"info":' + _dump(dict(info or INFO)) + ',"licenses":[],"categories":' + _dump(numbering.categories))
    emit(',"images":[')
    two_pass = callable(images)
    spool = None if two_pass else tempfile.SpooledTemporaryFile(  # noqa: SIM115  (closed in `finally`)
        max_size=8 << 20, mode="w+", encoding="utf-8")
    first_ann = True
    try:
        first = True
        for rec in (images() if two_pass else images):
            image, anns = numbering.entries(rec)
            emit(("" if first else ",") + _dump(image))
            first = False
            if spool is not None:
                for ann in anns:
                    spool.write(("" if first_ann else ",") + _dump(ann))
                    first_ann = False
            if size >= chunk_chars:
                yield from flush()
        emit('],"annotations":[')
        if two_pass:
            replay = _Numbering(classes, check=False)
            for rec in images():
                for ann in replay.entries(rec)[1]:
                    emit(("" if first_ann else ",") + _dump(ann))
                    first_ann = False
                if size >= chunk_chars:
                    yield from flush()
            if replay.count != numbering.count:
                raise FormatError("the images changed between the two passes of the export", "images")
        else:
            spool.seek(0)
            yield from flush()
            while True:
                text = spool.read(chunk_chars)
                if not text:
                    break
                yield text
        emit("]}")
        yield from flush()
    finally:
        if spool is not None:
            spool.close()
