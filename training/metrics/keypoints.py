"""Match predictions to ground truth and summarise accuracy per keypoint over a whole split.

Matching is greedy like COCO's: predictions in descending confidence each take the still-unmatched
ground truth of the same class with the highest OKS, if that OKS reaches `min_oks`. A ground truth
left unmatched counts as a miss (PCK 0, similarity 0) for each of its visible keypoints.

Per keypoint j the summary gives
  pck:       share of visible ground-truth keypoints predicted within 0.05 x box diagonal;
  oks_share: the mean of ks_j (the keypoint's term of OKS, 0..1) over the same keypoints, i.e. how much
             this keypoint contributes to OKS on average; a weak keypoint drags OKS down.
"""
from __future__ import annotations

import numpy as np

from .oks import AREA_FACTOR, keypoint_similarity, oks_matrix
from .pck import pck_hits


def match_instances(gt_kpts, gt_areas, gt_classes, pred_kpts, pred_scores, pred_classes, sigmas,
                    min_oks: float = 0.1) -> list[tuple[int, int, float]]:
    """[(gt index, pred index, oks)], greedy by prediction confidence."""
    if len(gt_classes) == 0 or len(pred_classes) == 0:
        return []
    m = oks_matrix(gt_kpts, pred_kpts, gt_areas, sigmas)
    order = np.argsort(-np.asarray(pred_scores, dtype=float), kind="stable")
    taken: set[int] = set()
    pairs = []
    for p in order:
        best, best_oks = -1, min_oks
        for g in range(len(gt_classes)):
            if g in taken or gt_classes[g] != pred_classes[p]:
                continue
            if m[g, p] >= best_oks:
                best, best_oks = g, float(m[g, p])
        if best >= 0:
            taken.add(best)
            pairs.append((best, int(p), best_oks))
    return pairs


class KeypointAccumulator:
    def __init__(self, sigmas, names: list[str] | None = None, alpha: float = 0.05, min_oks: float = 0.1):
        self.sigmas = np.asarray(sigmas, dtype=float)
        k = len(self.sigmas)
        self.names = list(names) if names else [str(i) for i in range(k)]
        self.alpha = alpha
        self.min_oks = min_oks
        self.hits = np.zeros(k)
        self.similarity = np.zeros(k)
        self.visible = np.zeros(k)
        self.instances = 0
        self.matched = 0
        self.predictions = 0
        self.images = 0
        self.oks_values: list[float] = []

    def add_image(self, gt_kpts, gt_boxes_xywh, gt_classes, pred_kpts, pred_scores, pred_classes,
                  gt_areas=None) -> list[tuple[int, int, float]]:
        """One image. gt_kpts (N, K, 3) pixels; gt boxes [x, y, w, h]; pred_kpts (M, K, >=2). Returns the matches.

        gt_areas (N,): the object areas OKS scales by (COCO's stored `area`); None: box area x AREA_FACTOR.
        """
        self.images += 1
        gt_kpts = np.asarray(gt_kpts, dtype=float).reshape(len(gt_classes), len(self.sigmas), 3) \
            if len(gt_classes) else np.zeros((0, len(self.sigmas), 3))
        pred_kpts = np.asarray(pred_kpts, dtype=float).reshape(len(pred_classes), len(self.sigmas), -1) \
            if len(pred_classes) else np.zeros((0, len(self.sigmas), 3))
        boxes = np.asarray(gt_boxes_xywh, dtype=float).reshape(-1, 4)
        if gt_areas is not None:
            areas = np.asarray(gt_areas, dtype=float).reshape(len(boxes))
        else:
            areas = boxes[:, 2] * boxes[:, 3] * AREA_FACTOR if len(boxes) else np.zeros(0)
        pairs = match_instances(gt_kpts, areas, list(gt_classes), pred_kpts, pred_scores, list(pred_classes),
                                self.sigmas, self.min_oks)
        by_gt = {g: (p, o) for g, p, o in pairs}
        self.instances += len(gt_classes)
        self.matched += len(pairs)
        self.predictions += len(pred_classes)
        for g in range(len(gt_classes)):
            visible = gt_kpts[g, :, 2] > 0
            if not visible.any():
                continue
            self.visible += visible
            if g in by_gt:
                p, o = by_gt[g]
                self.hits += np.nan_to_num(pck_hits(gt_kpts[g], pred_kpts[p], boxes[g, 2:], self.alpha))
                self.similarity += np.nan_to_num(keypoint_similarity(gt_kpts[g], pred_kpts[p], areas[g], self.sigmas))
                self.oks_values.append(o)
            else:
                self.oks_values.append(0.0)
        return pairs

    def result(self) -> dict:
        def ratio(a, b):
            return [None if n == 0 else round(float(x / n), 6) for x, n in zip(a, b)]

        total_visible = float(self.visible.sum())
        return {
            "alpha": self.alpha,
            "min_oks": self.min_oks,
            "images": self.images,
            "instances": self.instances,
            "matched": self.matched,
            "predictions": self.predictions,
            "mean_oks": round(float(np.mean(self.oks_values)), 6) if self.oks_values else None,
            "pck": round(float(self.hits.sum() / total_visible), 6) if total_visible else None,
            "keypoints": [
                {"index": i, "name": name, "sigma": round(float(self.sigmas[i]), 6), "visible": int(self.visible[i]),
                 "pck": pck, "oks_share": share}
                for i, (name, pck, share) in enumerate(zip(self.names, ratio(self.hits, self.visible),
                                                           ratio(self.similarity, self.visible)))
            ],
        }
