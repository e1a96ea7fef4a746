"""The one result type every engine answers with, and the protocol every engine follows. Framework-free.

An engine takes a batch of images and answers one list of `Instance` per image. An `Instance` is a box
(top-left corner and size, image pixels) with a class, a confidence and the class template's keypoints in
the template's order, each with its name and confidence. `Instance.as_json()` is exactly the object the
detect endpoint answers per instance (see the contract at the end of DESIGN.md):

    {"class": str, "confidence": float, "x": float, "y": float, "width": float, "height": float,
     "keypoints": [{"name": str, "x": float, "y": float, "confidence": float}, ...]}

plus any `extras` (Sapiens2's `"whole_image": true` on its no-person fallback box; the web layer adds
`"text"` from OCR), which never reuse those keys.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Union, runtime_checkable

import numpy as np

CONTRACT_KEYS = ("class", "confidence", "x", "y", "width", "height", "keypoints")
COORD_DIGITS = 2  # pixels: a hundredth is below any annotation's precision
SCORE_DIGITS = 4

# What `predict` accepts per image: a PIL image (any mode), an RGB (or greyscale) uint8/uint16 array, a path, or
# the encoded bytes of an image file (an upload). See deploy.engines.images.as_rgb_uint8.
ImageInput = Union["PIL.Image.Image", np.ndarray, str, Path, bytes]  # noqa: F821


@dataclass(frozen=True, slots=True)
class Keypoint:
    """One named keypoint: image pixels, and the model's confidence in it (roughly 0-1; Sapiens2's are raw
    heatmap maxima and may pass 1)."""

    name: str
    x: float
    y: float
    confidence: float

    def as_json(self) -> dict:
        return {"name": self.name, "x": round(float(self.x), COORD_DIGITS), "y": round(float(self.y), COORD_DIGITS),
                "confidence": round(float(self.confidence), SCORE_DIGITS)}


@dataclass(frozen=True)
class Instance:
    """One detected object with its keypoints.

    x, y: the box's top-left corner; width, height: its size; all in pixels of the image as given (after EXIF
    orientation for files). `keypoints` follow the class template's order with its names, all of them, even
    those under the `kpt_thres` the caller passed: that threshold says which ones to draw or to take as
    visible (`visible`, `keypoints_xyv`), it never removes any. `extras`: optional per-engine keys merged
    into the JSON after the contract's keys.
    """

    class_name: str
    confidence: float
    x: float
    y: float
    width: float
    height: float
    keypoints: tuple[Keypoint, ...]
    class_id: int = 0
    kpt_thres: float = 0.0
    extras: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        clash = set(self.extras) & set(CONTRACT_KEYS)
        if clash:
            raise ValueError(f"extras may not replace the contract's keys: {sorted(clash)}")

    @classmethod
    def from_arrays(cls, *, class_name: str, confidence: float, box_xyxy, keypoints_xy, keypoint_conf,
                    keypoint_names: Sequence[str], class_id: int = 0, kpt_thres: float = 0.0,
                    extras: Mapping[str, Any] | None = None) -> Instance:
        """From a corner box [x1, y1, x2, y2], keypoints [K, 2] and confidences [K] (arrays or lists)."""
        x1, y1, x2, y2 = (float(v) for v in np.asarray(box_xyxy, dtype=np.float64).reshape(4))
        points = np.asarray(keypoints_xy, dtype=np.float64).reshape(-1, 2)
        scores = np.asarray(keypoint_conf, dtype=np.float64).reshape(-1)
        if not (len(points) == len(scores) == len(keypoint_names)):
            raise ValueError(f"{len(points)} keypoints, {len(scores)} confidences and {len(keypoint_names)} names")
        keypoints = tuple(Keypoint(str(n), float(p[0]), float(p[1]), float(s))
                          for n, p, s in zip(keypoint_names, points.tolist(), scores.tolist()))
        return cls(class_name=class_name, confidence=float(confidence), x=x1, y=y1, width=x2 - x1, height=y2 - y1,
                   keypoints=keypoints, class_id=int(class_id), kpt_thres=float(kpt_thres), extras=dict(extras or {}))

    @property
    def xyxy(self) -> tuple[float, float, float, float]:
        return self.x, self.y, self.x + self.width, self.y + self.height

    def keypoints_array(self) -> np.ndarray:
        """[K, 3] float64: x, y, confidence."""
        return np.array([[k.x, k.y, k.confidence] for k in self.keypoints], dtype=np.float64).reshape(-1, 3)

    def visible(self, kpt_thres: float | None = None) -> list[bool]:
        """Per keypoint: confidence >= the threshold (default: the one `predict` was called with)."""
        thres = self.kpt_thres if kpt_thres is None else kpt_thres
        return [k.confidence >= thres for k in self.keypoints]

    def keypoints_xyv(self, kpt_thres: float | None = None) -> list[list[float]]:
        """COCO-style [[x, y, v], ...]: v = 2 (visible) at or above the threshold, else 0 with x = y = 0."""
        return [[k.x, k.y, 2] if vis else [0.0, 0.0, 0] for k, vis in zip(self.keypoints, self.visible(kpt_thres))]

    def with_extras(self, **extras) -> Instance:
        """A copy with more extras (e.g. `text` from OCR)."""
        return dataclasses.replace(self, extras={**self.extras, **extras})

    def as_json(self, *, extras: bool = True) -> dict:
        """The detect endpoint's object for this instance (plain JSON types; pixels to 2 decimals, confidences
        to 4), with the extras unless `extras=False`."""
        body = {"class": self.class_name, "confidence": round(float(self.confidence), SCORE_DIGITS),
                "x": round(float(self.x), COORD_DIGITS), "y": round(float(self.y), COORD_DIGITS),
                "width": round(float(self.width), COORD_DIGITS), "height": round(float(self.height), COORD_DIGITS),
                "keypoints": [k.as_json() for k in self.keypoints]}
        if extras:
            body.update(self.extras)
        return body


@runtime_checkable
class Engine(Protocol):
    """What the detect endpoint, the playground and autolabel call. Engines are thread-safe: a cached engine
    is shared by the web process's request threads.

    predict(images, conf, iou, kpt_thres):
        images: a sequence of `ImageInput` (PIL image, RGB array, path or file bytes), even for one image.
        conf: keep instances whose confidence is >= conf (0..1).
        iou: non-maximum suppression IoU threshold between boxes of one image (0..1).
        kpt_thres: recorded on each Instance for drawing and for `visible()`; no keypoint is dropped.
        Returns one list per image, best first. Raises core.errors.InvalidInput for an unreadable image.
    class_names: the classes in model order.
    keypoint_names: per class name, its keypoint names in template order.
    describe(): plain-JSON facts for the UI and logs (engine kind, device, weights, image size, ...).
    """

    class_names: tuple[str, ...]
    keypoint_names: Mapping[str, tuple[str, ...]]

    def predict(self, images: Sequence[ImageInput], conf: float = 0.25, iou: float = 0.45,
                kpt_thres: float = 0.0) -> list[list[Instance]]: ...

    def describe(self) -> dict: ...


def predict_one(engine: Engine, image: ImageInput, **thresholds) -> list[Instance]:
    """The instances of one image: `engine.predict([image], ...)[0]`."""
    return engine.predict([image], **thresholds)[0]


def check_thresholds(conf: float, iou: float, kpt_thres: float) -> tuple[float, float, float]:
    """The three thresholds as floats, or InvalidInput naming the one outside its range."""
    from core.errors import InvalidInput

    out = []
    for name, value, low, high in (("conf", conf, 0.0, 1.0), ("iou", iou, 0.0, 1.0),
                                   ("kpt_thres", kpt_thres, 0.0, float("inf"))):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"{name} must be a number, got {value!r}", field=name) from None
        if not (low <= number <= high):
            raise InvalidInput(f"{name} must be between {low:g} and {high:g}, got {number:g}", field=name)
        out.append(number)
    return out[0], out[1], out[2]
