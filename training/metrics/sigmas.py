"""Per-keypoint OKS sigmas: presets, the default a class trains on, and whether that default is the uniform one.

The presets live in one JSON file, training/static/training/sigma_presets.json, which the template editor's JS
loads as ``/static/training/sigma_presets.json`` and this module reads, so both sides offer the same values:

    {"custom_point_default": 0.025, "custom_point_default_reason": str,
     "kinds": [{"id": "crisp"|"joint"|"soft", "label", "sigma", "source"}],
     "presets": [{"id": "coco17"|"goliath308", "label", "keypoints": [names], "sigmas": [floats], "source"}]}

Definition (cocodataset.org/#keypoints-eval, 1.2-1.3): OKS = mean over labelled keypoints of
exp(-d_i^2 / (2 s k_i^2)) with k_i = 2 sigma_i, s the object's area and sigma_i the standard deviation of
annotators' error on keypoint i relative to the object's scale, measured by COCO on 5000 redundantly annotated
images. COCO's values run from 0.025 (eyes, the crispest points) to 0.107 (hips). A custom point such as "tip
of a tool" is a crisp, well-defined point, so it defaults to 0.025 (`CUSTOM_POINT_DEFAULT`).

Training (the snapshot and Ultralytics) falls back to COCO's sigmas for the COCO-17 template and to a uniform
1/K otherwise; 1/K depends on how many keypoints the class has, not on the task (0.2 for 5 points: eight times
looser than an eye; 0.0032 for 308 points), hence `trains_on_uniform_default` for the warning.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

from core.errors import InvalidInput

PRESETS_PATH = Path(__file__).resolve().parent.parent / "static" / "training" / "sigma_presets.json"


@lru_cache(maxsize=1)
def presets() -> dict:
    """The whole presets file (see the module docstring for its shape)."""
    return json.loads(PRESETS_PATH.read_text())


def preset(preset_id: str) -> dict:
    """One preset: {"id", "label", "keypoints", "sigmas", "source"}. NotFound-style InvalidInput when unknown."""
    for p in presets()["presets"]:
        if p["id"] == preset_id:
            return p
    known = ", ".join(p["id"] for p in presets()["presets"])
    raise InvalidInput(f"unknown sigma preset {preset_id!r}; known: {known}", field="preset")


CUSTOM_POINT_DEFAULT: float = presets()["custom_point_default"]
COCO17 = preset("coco17")
COCO_KEYPOINT_NAMES: list[str] = list(COCO17["keypoints"])
COCO_SIGMAS: list[float] = list(COCO17["sigmas"])


def uniform_sigmas(k: int) -> list[float]:
    """Ultralytics' fallback for a skeleton that is not COCO-17: 1/K for every keypoint (rounded to 6 places)."""
    return [round(1.0 / max(k, 1), 6)] * k


def default_sigmas(names: list[str]) -> list[float]:
    """What a class without its own sigmas trains and is scored with: COCO's for the COCO-17 names (in COCO
    order, case-insensitive), else uniform 1/K. Same rule as datasets.formats.skeleton.default_sigmas."""
    if [n.lower() for n in names] == COCO_KEYPOINT_NAMES:
        return list(COCO_SIGMAS)
    return uniform_sigmas(len(names))


def sigmas_source(names: list[str], sigmas: list[float] | None) -> str:
    """Where a class's effective sigmas come from: "class" (its own), "coco" (COCO-17 default) or "uniform"."""
    own = sigmas is not None and len(sigmas) == len(names) and len(names) > 0
    if own and not _is_uniform_default(sigmas):
        return "class"
    if not own and [n.lower() for n in names] == COCO_KEYPOINT_NAMES:
        return "coco"
    return "uniform"  # no own sigmas on a custom skeleton, or own ones that are exactly 1/K


def _is_uniform_default(sigmas: list[float]) -> bool:
    expected = uniform_sigmas(len(sigmas))[0]
    return all(math.isclose(float(s), expected, rel_tol=1e-4) for s in sigmas)


def trains_on_uniform_default(names: list[str], sigmas: list[float] | None) -> bool:
    """True when the class has no usable sigmas of its own (none, wrong length, or exactly the 1/K values) and
    its names are not COCO-17, i.e. training and scoring use 1/K: show the warning."""
    return sigmas_source(names, sigmas) == "uniform"


def sigmas_by_name(names: list[str]) -> list[dict]:
    """A suggestion per keypoint: [{"name", "sigma", "source": "coco17"|"goliath308"|"custom_point_default"}].

    Names are compared case-insensitively with spaces and dashes read as underscores; COCO-17 wins over
    Goliath (they agree on the 17 shared names); anything else gets CUSTOM_POINT_DEFAULT.
    """
    table: dict[str, tuple[float, str]] = {}
    for p in reversed(presets()["presets"]):  # earlier presets win
        for name, sigma in zip(p["keypoints"], p["sigmas"]):
            table[_norm(name)] = (float(sigma), p["id"])
    out = []
    for name in names:
        sigma, source = table.get(_norm(name), (CUSTOM_POINT_DEFAULT, "custom_point_default"))
        out.append({"name": name, "sigma": sigma, "source": source})
    return out


def _norm(name: str) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def check_sigmas(sigmas, k: int, field: str = "sigmas") -> list[float]:
    """K finite positive floats, or InvalidInput naming `field`."""
    if not isinstance(sigmas, (list, tuple)) or len(sigmas) != k:
        got = len(sigmas) if isinstance(sigmas, (list, tuple)) else type(sigmas).__name__
        raise InvalidInput(f"{field} must hold {k} values (one per keypoint), got {got}", field=field)
    out = []
    for i, s in enumerate(sigmas):
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not math.isfinite(s) or s <= 0:
            raise InvalidInput(f"each sigma must be a positive number, got {s!r:.20}", field=f"{field}[{i}]")
        out.append(float(s))
    return out
