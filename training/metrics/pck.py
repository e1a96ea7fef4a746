"""PCK: a keypoint is correct when it lies within alpha x the ground-truth box diagonal of the truth."""
from __future__ import annotations

import numpy as np


def pck_hits(gt, pred, box_wh, alpha: float = 0.05) -> np.ndarray:
    """Per keypoint: 1.0 (hit), 0.0 (miss) or NaN (not visible in gt). gt (K, 3), pred (K, >=2) or None."""
    gt = np.asarray(gt, dtype=float)
    visible = gt[:, 2] > 0
    if pred is None:
        return np.where(visible, 0.0, np.nan)
    pred = np.asarray(pred, dtype=float)
    w, h = float(box_wh[0]), float(box_wh[1])
    threshold = alpha * (w * w + h * h) ** 0.5
    dist = np.hypot(gt[:, 0] - pred[:, 0], gt[:, 1] - pred[:, 1])
    return np.where(visible, (dist <= threshold).astype(float), np.nan)
