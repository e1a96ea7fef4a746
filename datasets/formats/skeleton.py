"""Skeleton helpers shared by formats, the API and training."""
from __future__ import annotations

import re

# COCO's 17 per-keypoint OKS sigmas, in COCO order.
COCO_KEYPOINT_NAMES = [
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
]
COCO_SIGMAS = [
    0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072,
    0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089,
]

# Left/right markers at a word boundary: left_eye, l_eye, L_Eye, eye_left, eyeL is not matched.
_SIDE_PATTERNS = [
    (re.compile(r"(^|[_\-\s.])left($|[_\-\s.])", re.I), "left", "right"),
    (re.compile(r"(^|[_\-\s.])right($|[_\-\s.])", re.I), "right", "left"),
    (re.compile(r"(^|[_\-\s.])l($|[_\-\s.])", re.I), "l", "r"),
    (re.compile(r"(^|[_\-\s.])r($|[_\-\s.])", re.I), "r", "l"),
]


def _mirror_name(name: str) -> str | None:
    for pattern, side, other in _SIDE_PATTERNS:
        match = pattern.search(name)
        if match:
            start, end = match.start() + len(match.group(1)), match.end() - len(match.group(2))
            token = name[start:end]
            replacement = other.upper() if token.isupper() else (other.capitalize() if token[0].isupper() else other)
            return name[:start] + replacement + name[end:]
    return None


def derive_flip_pairs(names: list[str]) -> list[list[int]]:
    """Pairs (i, j), i < j, whose names differ only by a left/right marker."""
    index = {n.lower(): i for i, n in enumerate(names)}
    pairs: set[tuple[int, int]] = set()
    for i, name in enumerate(names):
        mirrored = _mirror_name(name)
        if mirrored is None:
            continue
        j = index.get(mirrored.lower())
        if j is not None and j != i:
            pairs.add((min(i, j), max(i, j)))
    return [list(p) for p in sorted(pairs)]


def flip_index(num_keypoints: int, flip_pairs: list[list[int]]) -> list[int]:
    """Ultralytics' flip_idx: the index each keypoint takes after a horizontal flip."""
    idx = list(range(num_keypoints))
    for a, b in flip_pairs:
        idx[a], idx[b] = b, a
    return idx


def default_sigmas(names: list[str]) -> list[float]:
    """COCO sigmas for the COCO 17-point template, else a uniform value (Ultralytics' 1/K)."""
    if [n.lower() for n in names] == COCO_KEYPOINT_NAMES:
        return list(COCO_SIGMAS)
    return [round(1.0 / max(len(names), 1), 6)] * len(names)
