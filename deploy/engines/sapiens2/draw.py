"""Overlay of skeletons and keypoints in the official Goliath colours."""
from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

from .keypoints import KeypointSpec
from .pipeline import PoseInstance


def draw_poses(image_rgb: np.ndarray, instances: Iterable[PoseInstance], spec: KeypointSpec, *,
               kpt_thres: float = 0.3, line_thickness: int = 2, radius: int = 3) -> np.ndarray:
    """A copy of the RGB image with each person's links (both ends above `kpt_thres`) and points drawn.

    Links first, points on top, as upstream's renderer does; the face has points only (no links in the data).
    """
    canvas = np.ascontiguousarray(image_rgb.copy())
    for instance in instances:
        points = np.round(instance.keypoints).astype(np.int64)
        visible = instance.keypoint_scores > kpt_thres
        if line_thickness > 0:
            for (a, b), colour in zip(spec.skeleton, spec.skeleton_colors):
                if visible[a] and visible[b]:
                    cv2.line(canvas, tuple(map(int, points[a])), tuple(map(int, points[b])), tuple(map(int, colour)),
                             thickness=int(line_thickness), lineType=cv2.LINE_AA)
        if radius > 0:
            for index in np.flatnonzero(visible):
                cv2.circle(canvas, tuple(map(int, points[index])), int(radius),
                           tuple(map(int, spec.keypoint_colors[index])), thickness=-1, lineType=cv2.LINE_AA)
    return canvas
