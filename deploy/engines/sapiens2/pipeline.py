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

    @property
    def whole_image(self) -> bool:
        return not self.detected

    def as_json(self) -> dict:
        """The library's per-instance JSON. `whole_image` marks the fallback box, whose `score` is 0."""
        return {
            "bbox": [round(float(v), 2) for v in self.bbox],
            "score": round(float(self.score), 5),
            "whole_image": self.whole_image,
            "keypoints": np.round(self.keypoints.astype(np.float64), 3).tolist(),
            "keypoint_scores": np.round(self.keypoint_scores.astype(np.float64), 5).tolist(),
        }


class Sapiens2Pipeline:
    def __init__(self, pose_model: PoseModel, detector: PersonDetector, spec: KeypointSpec, *,
                 flip_test: bool = True, max_batch: int = 32):
        self.pose_model = pose_model
        self.detector = detector
        self.spec = spec
        self.flip_test = flip_test
        self.max_batch = max_batch

    def __call__(self, image: np.ndarray, bbox_thres: float = 0.3, nms_thres: float = 0.3, *,
                 flip_test: bool | None = None, fallback: bool = True,
                 max_batch: int | None = None) -> list[PoseInstance]:
        boxes, scores = self.detector.detect(image, bbox_thres, nms_thres)
        return self.estimate(image, boxes, scores, flip_test=flip_test, fallback=fallback, max_batch=max_batch)

    def estimate(self, image: np.ndarray, boxes: np.ndarray, box_scores: np.ndarray | None = None, *,
                 flip_test: bool | None = None, fallback: bool = True,
                 max_batch: int | None = None) -> list[PoseInstance]:
        """Keypoints for the given boxes. With no box and `fallback`, the whole image is one person, as
        upstream does; that instance has `detected=False` and score 0 (no detector vouches for it). `flip_test`
        and `max_batch` override the pipeline's own settings for this call."""
        height, width = image.shape[:2]
        boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        detected = len(boxes) > 0
        if not detected:
            if not fallback:
                return []
            boxes = np.array([[0, 0, width - 1, height - 1]], dtype=np.float32)
        crops, centers, scales = crop_people(image, boxes, self.pose_model.input_size)
        pixels = self.pose_model.prepare(crops)
        flip = self.flip_test if flip_test is None else flip_test
        heatmaps = self.pose_model.heatmaps(pixels, flip_test=flip, max_batch=max_batch or self.max_batch)
        device = heatmaps.device
        keypoints, kp_scores = decode_heatmaps(heatmaps, torch.from_numpy(centers).to(device),
                                               torch.from_numpy(scales).to(device))
        keypoints, kp_scores = keypoints.cpu().numpy(), kp_scores.cpu().numpy()
        instances = []
        for i, box in enumerate(boxes):
            # Given boxes without scores count as certain (upstream passes bbox_score 1); the fallback box is 0.
            score = (float(box_scores[i]) if box_scores is not None else 1.0) if detected else 0.0
            instances.append(PoseInstance(bbox=tuple(float(v) for v in box), score=score, keypoints=keypoints[i],
                                          keypoint_scores=kp_scores[i], detected=detected))
        return instances
