"""One image in, people with 308 keypoints out: detect, crop, one batched forward, decode."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .crops import crop_people
from .decode import decode_heatmaps
from .detector import PersonDetector
from .keypoints import KeypointSpec
from .model import PoseModel


@dataclass
class PoseInstance:
    bbox: tuple[float, float, float, float]  # x1, y1, x2, y2 in image pixels
    score: float
    keypoints: np.ndarray  # [K, 2] x, y in image pixels
    keypoint_scores: np.ndarray  # [K]
    detected: bool = True  # False for the whole-image box used when the detector finds nobody

    def as_json(self) -> dict:
        return {
            "bbox": [round(float(v), 2) for v in self.bbox],
            "score": round(float(self.score), 5),
            "keypoints": np.round(self.keypoints.astype(np.float64), 3).tolist(),
            "keypoint_scores": np.round(self.keypoint_scores.astype(np.float64), 5).tolist(),
        }


def as_rgb_uint8(image) -> np.ndarray:
    """PIL images in any mode, or HxW / HxWx3 / HxWx4 arrays (taken as RGB), as a contiguous HxWx3 uint8 array."""
    if hasattr(image, "convert"):
        image = np.asarray(image.convert("RGB"))
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"expected an HxWx3 image, got an array of shape {array.shape}")
    if array.dtype != np.uint8:
        array = np.clip(array, 0, 255).astype(np.uint8)
    array = np.ascontiguousarray(array[:, :, :3])
    # The detector's processor wraps the array in a tensor, which needs it writable (PIL arrays are not).
    return array if array.flags.writeable else array.copy()


class Sapiens2Pipeline:
    def __init__(self, pose_model: PoseModel, detector: PersonDetector, spec: KeypointSpec, *,
                 flip_test: bool = False, max_batch: int = 32):
        self.pose_model = pose_model
        self.detector = detector
        self.spec = spec
        self.flip_test = flip_test
        self.max_batch = max_batch

    def __call__(self, image: np.ndarray, bbox_thres: float = 0.3, nms_thres: float = 0.3) -> list[PoseInstance]:
        boxes, scores = self.detector.detect(image, bbox_thres, nms_thres)
        return self.estimate(image, boxes, scores)

    def estimate(self, image: np.ndarray, boxes: np.ndarray,
                 box_scores: np.ndarray | None = None) -> list[PoseInstance]:
        """Keypoints for the given boxes; with no box, the whole image is one person (as upstream does)."""
        height, width = image.shape[:2]
        boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        detected = len(boxes) > 0
        if not detected:
            boxes = np.array([[0, 0, width - 1, height - 1]], dtype=np.float32)
        crops, centers, scales = crop_people(image, boxes, self.pose_model.input_size)
        pixels = self.pose_model.prepare(crops)
        heatmaps = self.pose_model.heatmaps(pixels, flip_test=self.flip_test, max_batch=self.max_batch)
        device = heatmaps.device
        keypoints, kp_scores = decode_heatmaps(heatmaps, torch.from_numpy(centers).to(device),
                                               torch.from_numpy(scales).to(device))
        keypoints, kp_scores = keypoints.cpu().numpy(), kp_scores.cpu().numpy()
        instances = []
        for i, box in enumerate(boxes):
            if detected and box_scores is not None:
                score = float(box_scores[i])
            else:
                # No detector score for the fallback box: its mean keypoint confidence lets callers filter it.
                score = float(np.clip(kp_scores[i].mean(), 0.0, 1.0))
            instances.append(PoseInstance(bbox=tuple(float(v) for v in box), score=score, keypoints=keypoints[i],
                                          keypoint_scores=kp_scores[i], detected=detected))
        return instances
