"""The object the deploy app serves: load once per process, answer the detect contract per image."""
from __future__ import annotations

import os

import numpy as np

from . import checkpoints
from .detector import load_detector
from .devices import CPU_NOTICE, resolve_device, resolve_dtype
from .keypoints import goliath
from .model import INPUT_SIZE, load_pose_model
from .pipeline import PoseInstance, Sapiens2Pipeline, as_rgb_uint8


class Sapiens2Engine:
    """Sapiens2 308-keypoint pose with a DETR person detector, from files under the checkpoint root.

    Construction loads (or reuses, per size/device/dtype in this process) both models, so a missing or
    broken file raises `CheckpointNotFound` / `CheckpointInvalid` here rather than on the first request.
    `warnings` holds what the engine decided on its own (CUDA asked for but absent, running on the CPU).
    """

    def __init__(self, checkpoint_root: str | os.PathLike | None = None, model_size: str = "0.4b",
                 device: str = "cuda:0", *, flip_test: bool = False, dtype: str | None = None, max_batch: int = 32,
                 input_size: tuple[int, int] = INPUT_SIZE):
        self.checkpoint_root = checkpoints.checkpoint_root(checkpoint_root)
        self.model_size = checkpoints.check_size(model_size)
        pose_path = checkpoints.require_pose_checkpoint(model_size, self.checkpoint_root)
        detector_path = checkpoints.require_detector(self.checkpoint_root)
        self.device, device_warning = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.warnings = [w for w in (device_warning,) if w]
        if self.device.type == "cpu":
            self.warnings.append(CPU_NOTICE)
        self.spec = goliath()
        self.pose_model = load_pose_model(pose_path, self.device, self.dtype, flip_indices=self.spec.flip_indices,
                                          input_size=input_size)
        self.detector = load_detector(detector_path, self.device)
        self.pipeline = Sapiens2Pipeline(self.pose_model, self.detector, self.spec, flip_test=flip_test,
                                         max_batch=max_batch)

    @property
    def api(self) -> str:
        return f"{self.pose_model.api} + {self.detector.api}"

    @property
    def keypoint_names(self) -> tuple[str, ...]:
        return self.spec.names

    def describe(self) -> dict:
        return {
            "api": self.api,
            "model_size": self.model_size,
            "checkpoint": str(self.pose_model.path),
            "detector": str(self.detector.directory),
            "device": str(self.device),
            "dtype": str(self.dtype).replace("torch.", ""),
            "flip_test": self.pipeline.flip_test,
            "num_keypoints": self.spec.num_keypoints,
            "warnings": list(self.warnings),
        }

    def pose(self, image, bbox_thres: float = 0.3, nms_thres: float = 0.3) -> list[PoseInstance]:
        """People in a PIL image or an RGB array, with upstream's default thresholds."""
        return self.pipeline(as_rgb_uint8(image), bbox_thres, nms_thres)

    def predict(self, image, conf_thres: float = 0.25, iou_thres: float = 0.45) -> list[dict]:
        """The detect contract: one dict per person, box as top-left + size, 308 named keypoints."""
        instances = self.pose(image, conf_thres, iou_thres)
        return [self._contract(instance) for instance in instances]

    def _contract(self, instance: PoseInstance) -> dict:
        x1, y1, x2, y2 = instance.bbox
        points = np.round(instance.keypoints.astype(np.float64), 2).tolist()
        scores = np.round(instance.keypoint_scores.astype(np.float64), 4).tolist()
        return {
            "class": "person",
            "confidence": round(float(instance.score), 4),
            "x": round(x1, 2),
            "y": round(y1, 2),
            "width": round(x2 - x1, 2),
            "height": round(y2 - y1, 2),
            "keypoints": [{"name": name, "x": p[0], "y": p[1], "confidence": s}
                          for name, p, s in zip(self.spec.names, points, scores)],
        }
