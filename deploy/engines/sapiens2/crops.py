"""Person boxes -> 1024x768 crops, exactly as upstream's top-down pipeline makes them.

Each box is padded by 1.25, widened or heightened to the 3:4 input aspect, and warped with the UDP affine
(the window's edges land on the centres of the first and last output pixels). The warp is OpenCV on
uint8, like upstream: its saturation keeps bicubic overshoot inside 0..255, which transformers'
`grid_sample` crop does not (up to ~48 grey levels apart at sharp edges); it is also ~6x faster per box
(7 vs 43 ms on 2 CPU cores). After rounding and clamping, the two agree to 1 grey level.
"""
from __future__ import annotations

import cv2
import numpy as np

PADDING = 1.25


def boxes_to_center_scale(boxes_xyxy: np.ndarray, input_size: tuple[int, int],
                          padding: float = PADDING) -> tuple[np.ndarray, np.ndarray]:
    """Centres [N, 2] and crop-window sizes [N, 2] (width, height) in image pixels."""
    boxes = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)
    centers = (boxes[:, :2] + boxes[:, 2:]) / 2
    # At least one pixel each way: the whole-image box of a 1-pixel-wide image is [0, 0, 0, h - 1], and a zero
    # size would make the warp divide by zero and every keypoint NaN (not even valid JSON).
    scales = np.maximum(boxes[:, 2:] - boxes[:, :2], 1.0) * padding
    aspect = input_size[1] / input_size[0]  # width / height
    too_wide = scales[:, 0] > scales[:, 1] * aspect
    scales = np.where(too_wide[:, None],
                      np.stack([scales[:, 0], scales[:, 0] / aspect], 1),
                      np.stack([scales[:, 1] * aspect, scales[:, 1]], 1))
    return centers, scales


def warp_matrix(center: np.ndarray, scale: np.ndarray, input_size: tuple[int, int]) -> np.ndarray:
    """The 2x3 UDP affine (no rotation) from image pixels to crop pixels."""
    height, width = input_size
    sx, sy = (width - 1) / scale[0], (height - 1) / scale[1]
    return np.array([[sx, 0.0, sx * (0.5 * scale[0] - center[0])],
                     [0.0, sy, sy * (0.5 * scale[1] - center[1])]], dtype=np.float64)


def crop_people(image: np.ndarray, boxes_xyxy: np.ndarray, input_size: tuple[int, int],
                padding: float = PADDING) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """uint8 crops [N, H, W, C] (same channel order as `image`), with the centres and scales to map back."""
    centers, scales = boxes_to_center_scale(boxes_xyxy, input_size, padding)
    height, width = input_size
    crops = np.empty((len(centers), height, width, image.shape[2]), dtype=np.uint8)
    for i, (center, scale) in enumerate(zip(centers, scales)):
        matrix = warp_matrix(center, scale, input_size)
        # Upstream's choice: area when shrinking (OpenCV's warpAffine treats it as bilinear), cubic when enlarging.
        flags = cv2.INTER_AREA if min(matrix[0, 0], matrix[1, 1]) < 1 else cv2.INTER_CUBIC
        crops[i] = cv2.warpAffine(image, matrix, (width, height), flags=flags,
                                  borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return crops, centers.astype(np.float32), scales.astype(np.float32)
