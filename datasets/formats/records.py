"""Neutral, format-independent records that importers produce and exporters consume."""
from __future__ import annotations

from dataclasses import dataclass, field


class FormatError(ValueError):
    """The file does not follow the format; `field` names the offending place."""

    def __init__(self, message: str, field: str = "file"):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class ClassSpec:
    name: str
    keypoints: list[str]
    skeleton: list[tuple[int, int]] = field(default_factory=list)  # 0-based keypoint indices
    supercategory: str = ""
    flip_pairs: list[list[int]] | None = None
    sigmas: list[float] | None = None


@dataclass
class InstanceRecord:
    class_index: int
    bbox: list[float]  # [x, y, w, h] pixels, top-left corner
    keypoints: list[list[float]]  # [[x, y, v], ...] in the class's keypoint order


@dataclass
class ImageRecord:
    file_name: str
    width: int
    height: int
    instances: list[InstanceRecord] = field(default_factory=list)
    split: str = "train"
    source_id: int | None = None
    has_annotations: bool = False  # the source said something about this image (objects or none)


@dataclass
class PoseDataset:
    classes: list[ClassSpec]
    images: list[ImageRecord]
    warnings: list[str] = field(default_factory=list)
