"""Sapiens2 as an Engine (deploy.engines.types): detect people, 308 Goliath keypoints each, class "person"."""
from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np

from core import devices
from core.errors import InvalidInput

from ..cache import WeightsKey, weights_key
from ..images import as_rgb_uint8
from ..types import Instance, check_thresholds
from . import checkpoints
from .detector import load_detector
from .keypoints import goliath
from .model import INPUT_SIZE, load_pose_model
from .pipeline import PoseInstance, Sapiens2Pipeline

CLASS_NAME = "person"
# Measured on a 2-core AMD EPYC (Zen 4, avx512_bf16), 0.4b at 1024x768, batch 1: 23-25 s in float32 and
# 10.6-12 s in bfloat16 on a quiet machine, 37 and 26-28 s while other jobs shared it.
CPU_NOTICE = (
    "Sapiens2 runs on the CPU here: on 2 cores the 0.4b model takes 23-37 s per person in float32 (the "
    "default, as upstream) and about twice that with the flip test (on by default, as upstream); "
    "dtype='bfloat16' halves it on CPUs with AVX512-BF16 or AMX and flip_test=False halves it again, at some "
    "accuracy (docs/sapiens2.md). Run pose jobs on a GPU worker (a CUDA machine serving the `inference` "
    "queue) for anything beyond a single test image."
)


class Sapiens2Engine:
    """Sapiens2 308-keypoint pose with a DETR person detector, from files under the checkpoint root.

    Construction loads both models, so a missing or broken file raises `CheckpointNotFound` /
    `CheckpointInvalid` here rather than on the first request; keep engines in the model cache
    (`deploy.engines.cache`, key `Sapiens2Engine.cache_key(...)`) instead of building one per request.
    Defaults are upstream's inference defaults: float32, flip test on, detector threshold 0.3, NMS 0.3.
    Calls are serialised per engine: two 0.4b forwards at once would need twice the activation memory (~2 GB
    each at 1024x768) for no gain on a device one forward already fills. `warnings` holds what the engine decided on its own (CUDA asked for but absent, running on the CPU).
    """

    class_names = (CLASS_NAME,)

    def __init__(self, checkpoint_root: str | os.PathLike | None = None, model_size: str = "0.4b",
                 device: str = "cuda:0", *, flip_test: bool = True, dtype: str | None = None, max_batch: int = 32,
                 input_size: tuple[int, int] = INPUT_SIZE, whole_image_fallback: bool = True):
        self.checkpoint_root = checkpoints.checkpoint_root(checkpoint_root)
        self.model_size = checkpoints.check_size(model_size)
        pose_path = checkpoints.require_pose_checkpoint(model_size, self.checkpoint_root)
        detector_path = checkpoints.require_detector(self.checkpoint_root)
        self.device, device_warning = devices.resolve_device(device)
        self.dtype = devices.resolve_dtype(dtype, self.device)
        self.whole_image_fallback = bool(whole_image_fallback)
        self.warnings = [w for w in (device_warning,) if w]
        if self.device.type == "cpu":
            self.warnings.append(CPU_NOTICE)
        self.spec = goliath()
        self.keypoint_names = {CLASS_NAME: self.spec.names}
        self.pose_model = load_pose_model(pose_path, self.device, self.dtype, flip_indices=self.spec.flip_indices,
                                          input_size=input_size)
        self.detector = load_detector(detector_path, self.device)
        self.pipeline = Sapiens2Pipeline(self.pose_model, self.detector, self.spec, flip_test=flip_test,
                                         max_batch=max_batch)
        self._lock = threading.Lock()

    @staticmethod
    def cache_key(checkpoint_root: str | os.PathLike | None = None, model_size: str = "0.4b",
                  device: str = "cuda:0", *, dtype: str | None = None, **options) -> WeightsKey:
        """The model-cache key of the engine these arguments build: both weight files as they are on disk,
        the device it resolves to and the dtype (raises CheckpointNotFound like the constructor)."""
        root = checkpoints.checkpoint_root(checkpoint_root)
        pose = checkpoints.require_pose_checkpoint(checkpoints.check_size(model_size), root)
        detector = checkpoints.detector_weights(checkpoints.require_detector(root))
        resolved, _ = devices.resolve_device(device)
        return weights_key(pose, detector, kind="sapiens2", model_size=model_size, device=str(resolved),
                           dtype=str(devices.resolve_dtype(dtype, resolved)).replace("torch.", ""),
                           **{k: v for k, v in sorted(options.items())})

    @property
    def api(self) -> str:
        return f"{self.pose_model.api} + {self.detector.api}"

    @property
    def memory_bytes(self) -> int:
        """Bytes held by both networks' parameters and buffers (what the model cache counts)."""
        total = 0
        for module in (self.pose_model.network, self.detector.model):
            total += sum(t.numel() * t.element_size() for t in module.parameters())
            total += sum(t.numel() * t.element_size() for t in module.buffers())
        return total

    def describe(self) -> dict:
        return {
            "kind": "sapiens2",
            "api": self.api,
            "model_size": self.model_size,
            "checkpoint": str(self.pose_model.path),
            "detector": str(self.detector.directory),
            "device": str(self.device),
            "dtype": str(self.dtype).replace("torch.", ""),
            "flip_test": self.pipeline.flip_test,
            "whole_image_fallback": self.whole_image_fallback,
            "num_keypoints": self.spec.num_keypoints,
            "class_names": list(self.class_names),
            "warnings": list(self.warnings),
        }

    def pose(self, image, bbox_thres: float = 0.3, nms_thres: float = 0.3, *, flip_test: bool | None = None,
             fallback: bool | None = None, max_batch: int | None = None) -> list[PoseInstance]:
        """People in one image (PIL, RGB array or path) with numpy keypoints, upstream's thresholds by default.
        `flip_test`, `fallback` and `max_batch` override the engine's settings for this call."""
        fallback = self.whole_image_fallback if fallback is None else fallback
        rgb = as_rgb_uint8(image)
        with self._lock:
            return self.pipeline(rgb, bbox_thres, nms_thres, flip_test=flip_test, fallback=fallback,
                                 max_batch=max_batch)

    def predict(self, images: Sequence, conf: float = 0.25, iou: float = 0.45, kpt_thres: float = 0.0, *,
                flip_test: bool | None = None) -> list[list[Instance]]:
        """The Engine protocol: per image, the people the detector finds at `conf` (NMS at `iou`), best first,
        each with the 308 Goliath keypoints. When nobody is found and the engine's `whole_image_fallback` is
        on, the image is one person, as upstream does: that instance has confidence 0 and
        `extras["whole_image"] = True`, the one instance `conf` does not filter."""
        conf, iou, kpt_thres = check_thresholds(conf, iou, kpt_thres)
        if isinstance(images, (str, bytes, np.ndarray)) or not isinstance(images, Sequence):
            raise InvalidInput("predict takes a list of images (wrap a single image in a list)", field="images")
        return [[self._instance(p, kpt_thres) for p in self.pose(image, conf, iou, flip_test=flip_test)]
                for image in images]

    def _instance(self, person: PoseInstance, kpt_thres: float) -> Instance:
        return Instance.from_arrays(class_name=CLASS_NAME, confidence=person.score, box_xyxy=person.bbox,
                                    keypoints_xy=person.keypoints, keypoint_conf=person.keypoint_scores,
                                    keypoint_names=self.spec.names, kpt_thres=kpt_thres,
                                    extras={"whole_image": True} if person.whole_image else None)
