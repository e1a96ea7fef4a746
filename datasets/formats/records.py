"""Neutral, format-independent records that importers produce and exporters consume (no Django imports).

Units: pixels of the picture as shown (after EXIF orientation), origin top-left. Boxes are COCO
``[x, y, width, height]``; keypoints ``[x, y, v]`` in the class's keypoint order with COCO visibility
(0 absent, 1 labelled but occluded, 2 labelled and visible). An absent point is ``[0, 0, 0]``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import InvalidInput

# COCO keypoint files give each person its segment `area`, which OKS divides by. When it is unknown, the
# box area times 0.53 stands in for it: Ultralytics' pose validator uses the same factor
# (ultralytics/models/yolo/pose/val.py, taken from xtcocotools' cocoeval.py), as does training/metrics.
DEFAULT_AREA_FACTOR = 0.53


def default_area(bbox: list[float]) -> float:
    """The area used when the source gave none: box width x height x DEFAULT_AREA_FACTOR (px²)."""
    return float(bbox[2]) * float(bbox[3]) * DEFAULT_AREA_FACTOR


def summarise(values, limit: int = 10) -> str:
    """'1, 2, 3' or '1, 2, ... and 40 more': long id lists stay readable in an error message."""
    values = list(values)
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


class FormatError(InvalidInput):
    """The file does not follow the format. `field` names the offending value, e.g.
    ``annotations[0].keypoints[1].v`` or ``labels/train/a.txt:3``; the web layer answers 400."""

    def __init__(self, message: str, field: str = "file", **extra):
        super().__init__(message, field=field, **extra)


class FormatWarning(str):
    """A warning about the input that did not stop it: the plain text (it *is* a str, so it prints and
    serialises as text) plus a stable `code`, the `item` it concerns (an image file name, or None for the
    whole file) and the `field` path. ``as_dict()`` gives ``{"code", "message", "item", "field"}`` for a
    per-item list in the UI."""

    code: str
    item: str | None
    field: str | None

    def __new__(cls, message: str, *, code: str, item: str | None = None, field: str | None = None):
        self = super().__new__(cls, message)
        self.code, self.item, self.field = code, item, field
        return self

    @property
    def message(self) -> str:
        return str.__str__(self)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "item": self.item, "field": self.field}

    def __reduce__(self):  # pickling keeps the structure (Celery, multiprocessing)
        return (_rebuild_warning, (self.message, self.code, self.item, self.field))


def _rebuild_warning(message, code, item, field):
    return FormatWarning(message, code=code, item=item, field=field)


@dataclass
class ClassSpec:
    """One skeleton class. `skeleton`: 0-based keypoint index pairs. `flip_pairs`: 0-based index pairs that
    swap under a horizontal flip (None or [] = none). `symmetric`: the user marked the object left/right
    symmetric as a whole, so a horizontal flip needs no swap (identity flip_idx) even without pairs."""

    name: str
    keypoints: list[str]
    skeleton: list[tuple[int, int]] = field(default_factory=list)
    supercategory: str = ""
    flip_pairs: list[list[int]] | None = None
    sigmas: list[float] | None = None
    symmetric: bool = False
    source_id: int | str | None = None  # the category id in the source file


@dataclass
class InstanceRecord:
    """One labelled object. `area`: the segment area in px² from the source (None = unknown; writers then
    use `default_area`). `source_id`: the annotation id in the source file, for messages only."""

    class_index: int
    bbox: list[float]  # [x, y, w, h] pixels, top-left corner
    keypoints: list[list[float]]  # [[x, y, v], ...] in the class's keypoint order
    area: float | None = None
    source_id: int | str | None = None

    @property
    def num_keypoints(self) -> int:
        """Labelled points (v > 0), as COCO defines `num_keypoints`; 0 means COCOeval ignores the person."""
        return sum(1 for kp in self.keypoints if kp[2] > 0)


@dataclass
class CrowdRecord:
    """A COCO crowd region (`iscrowd: 1`): a box over a group of people that were not labelled one by one.
    Evaluation ignores detections on it; it has no keypoints. The RLE/polygon segmentation is not kept."""

    class_index: int
    bbox: list[float]
    area: float | None = None
    source_id: int | str | None = None


@dataclass
class ImageRecord:
    """One picture. `file_name`: the user's relative name (forward slashes, Unicode NFC). `width`/`height`
    are pixels as the source states them. `source_id`: the image id
    in the source (COCO) or the database id (exports: COCO ids derive from it). `source_path`: where a
    reader found the picture inside its archive or folder."""

    file_name: str
    width: int
    height: int
    instances: list[InstanceRecord] = field(default_factory=list)
    split: str = "train"
    source_id: int | str | None = None
    has_annotations: bool = False  # the source said something about this image (objects or none)
    crowd: list[CrowdRecord] = field(default_factory=list)
    source_path: str | None = None


@dataclass
class PoseDataset:
    classes: list[ClassSpec]
    images: list[ImageRecord]
    warnings: list[FormatWarning] = field(default_factory=list)

    @property
    def warning_texts(self) -> list[str]:
        return [w.message for w in self.warnings]

    def warning_dicts(self) -> list[dict]:
        return [w.as_dict() if isinstance(w, FormatWarning) else {"code": "warning", "message": str(w),
                                                                   "item": None, "field": None}
                for w in self.warnings]
