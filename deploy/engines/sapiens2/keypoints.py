"""The 308 Goliath keypoints: names, skeleton, colours and flip pairs, read from the data file shipped here.

The file is a copy of the upstream `keypoints308.py` dataset info (see its `source` field), kept as JSON
so that neither the network nor the upstream package is needed at run time.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "goliath_keypoints.json"


@dataclass(frozen=True)
class KeypointSpec:
    names: tuple[str, ...]
    keypoint_colors: tuple[tuple[int, int, int], ...]  # RGB
    skeleton: tuple[tuple[int, int], ...]
    skeleton_colors: tuple[tuple[int, int, int], ...]  # RGB
    flip_pairs: tuple[tuple[int, int], ...]
    flip_indices: tuple[int, ...]

    @property
    def num_keypoints(self) -> int:
        return len(self.names)


def load_spec(path: Path = DATA_FILE) -> KeypointSpec:
    raw = json.loads(Path(path).read_text())
    spec = KeypointSpec(
        names=tuple(raw["keypoints"]),
        keypoint_colors=tuple(tuple(c) for c in raw["keypoint_colors"]),
        skeleton=tuple(tuple(link) for link in raw["skeleton"]),
        skeleton_colors=tuple(tuple(c) for c in raw["skeleton_colors"]),
        flip_pairs=tuple(tuple(p) for p in raw["flip_pairs"]),
        flip_indices=tuple(raw["flip_indices"]),
    )
    _check(spec, raw.get("num_keypoints", len(spec.names)))
    return spec


def _check(spec: KeypointSpec, expected: int) -> None:
    # A corrupt data file would silently swap left and right in every flip-tested prediction.
    n = spec.num_keypoints
    if n != expected or len(spec.keypoint_colors) != n or len(spec.flip_indices) != n:
        raise ValueError(f"keypoint data file is inconsistent: {n} names, expected {expected}")
    if len(spec.skeleton) != len(spec.skeleton_colors):
        raise ValueError("keypoint data file is inconsistent: skeleton and skeleton_colors differ in length")
    flips = spec.flip_indices
    if sorted(flips) != list(range(n)) or any(flips[flips[i]] != i for i in range(n)):
        raise ValueError("keypoint data file is inconsistent: flip_indices is not an involution")
    for a, b in spec.flip_pairs:
        if spec.flip_indices[a] != b:
            raise ValueError(f"keypoint data file is inconsistent: flip pair ({a}, {b}) disagrees with flip_indices")


@lru_cache(maxsize=1)
def goliath() -> KeypointSpec:
    return load_spec()
