"""The pose model configs the installed Ultralytics ships: cfg/models/*/<family>-pose*.yaml x scales."""
from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT = "yolo11n-pose"
_FAMILY = re.compile(r"^(yolo(?:v)?\d+)(.*)$")
# Newest families first, then by scale: what a person most likely wants is near the top.
_FAMILY_ORDER = {"yolo11": 0, "yolo26": 1, "yolov8": 2, "yolo12": 3}
_SCALE_ORDER = "nsmlx"


@dataclass(frozen=True)
class Algorithm:
    name: str  # e.g. yolo11n-pose; "<name>.yaml" is what YOLO() is given
    family: str  # yolo11
    scale: str  # n
    config: str  # yolo11-pose.yaml, the file in the package
    params: str  # "2.9M params, 7.4 GFLOPs" when the config says so

    @property
    def yaml_name(self) -> str:
        return f"{self.name}.yaml"


def _models_dir() -> Path:
    # Locate the package without importing it: `import ultralytics` pulls in torch (seconds, in a web request).
    spec = importlib.util.find_spec("ultralytics")
    return Path(next(iter(spec.submodule_search_locations))) / "cfg" / "models"


@lru_cache(maxsize=1)
def available() -> tuple[Algorithm, ...]:
    found = []
    for path in sorted(_models_dir().glob("*/*-pose*.yaml")):
        match = _FAMILY.match(path.stem)
        if not match:
            continue
        family, rest = match.groups()
        try:
            cfg = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError):
            continue
        scales = cfg.get("scales") or {}
        for scale in scales:
            if scale not in _SCALE_ORDER:
                continue
            name = f"{family}{scale}{rest}"
            found.append(Algorithm(name=name, family=family, scale=scale, config=path.name,
                                   params=_describe(scales[scale])))
    found.sort(key=lambda a: (_FAMILY_ORDER.get(a.family, 9), a.family, not a.config.endswith("-pose.yaml"), a.config,
                             _SCALE_ORDER.index(a.scale)))
    return tuple(found)


def _describe(scale_values) -> str:
    try:
        depth, width, max_channels = scale_values[:3]
        return f"depth {depth}, width {width}, max channels {max_channels}"
    except (TypeError, ValueError):
        return ""


def get(name: str) -> Algorithm | None:
    return next((a for a in available() if a.name == name), None)
