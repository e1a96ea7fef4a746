"""Object Keypoint Similarity, as COCO's cocoeval and Ultralytics' kpt_iou compute it.

For one keypoint j of a ground-truth instance with area s and per-keypoint sigma k_j, a prediction at
distance d scores  ks_j = exp(-d^2 / (2 * s * (2 k_j)^2)).  OKS is the mean of ks_j over the keypoints
the ground truth marks visible (v > 0). With boxes only, the area is the box area times 0.53
(Ultralytics' stand-in for COCO's segment area).
"""
from __future__ import annotations

import numpy as np

AREA_FACTOR = 0.53


def _arr(x, dtype=float) -> np.ndarray:
    return np.asarray(x, dtype=dtype)


def keypoint_similarity(gt, pred, area: float, sigmas) -> np.ndarray:
    """Per-keypoint ks_j for one instance: gt (K, 3) [x, y, v], pred (K, >=2). NaN where gt is not visible."""
    gt, pred, sigmas = _arr(gt), _arr(pred), _arr(sigmas)
    d2 = (gt[:, 0] - pred[:, 0]) ** 2 + (gt[:, 1] - pred[:, 1]) ** 2
    e = d2 / ((2 * sigmas) ** 2 * (float(area) + np.spacing(1)) * 2)
    ks = np.exp(-e)
    return np.where(gt[:, 2] > 0, ks, np.nan)


def oks(gt, pred, area: float, sigmas) -> float:
    """OKS of one instance pair; 0.0 when the ground truth has no visible keypoint."""
    ks = keypoint_similarity(gt, pred, area, sigmas)
    visible = ~np.isnan(ks)
    return float(ks[visible].mean()) if visible.any() else 0.0


def oks_matrix(gts, preds, areas, sigmas) -> np.ndarray:
    """(N, M) OKS between N ground truths (N, K, 3) and M predictions (M, K, >=2)."""
    gts, preds, areas, sigmas = _arr(gts), _arr(preds), _arr(areas), _arr(sigmas)
    if gts.size == 0 or preds.size == 0:
        return np.zeros((len(gts), len(preds)))
    d2 = ((gts[:, None, :, 0] - preds[None, :, :, 0]) ** 2 + (gts[:, None, :, 1] - preds[None, :, :, 1]) ** 2)
    e = d2 / ((2 * sigmas) ** 2 * (areas[:, None, None] + np.spacing(1)) * 2)
    visible = gts[:, None, :, 2] > 0
    counts = visible.sum(-1)
    sums = (np.exp(-e) * visible).sum(-1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
