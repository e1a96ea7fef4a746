"""Readable labels for per-epoch metric keys, from the one file the dashboard JS also loads.

training/static/training/metric_labels.json (served as /static/training/metric_labels.json):
    {"keys": {key: {"label", "short", "source": "coco"|"ultralytics", "headline"?: true}},
     "patterns": [{"match": regex, "label": "... {1} ...", "short", "source", "groups"?: {"n": {value: word}}}],
     "loss_names": {"box": "box", "pose": "keypoint position", ...}}
A pattern's {n} is the regex group n, put through `groups[n]` or, for loss keys, `loss_names`. Unknown keys
are labelled with the key itself (source "unknown"), so a new Ultralytics key still shows.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

LABELS_PATH = Path(__file__).resolve().parent.parent / "static" / "training" / "metric_labels.json"


@lru_cache(maxsize=1)
def table() -> dict:
    return json.loads(LABELS_PATH.read_text())


def describe(key: str) -> dict:
    """{"key", "label", "short", "source", "headline"} for one metric key."""
    data = table()
    if key in data["keys"]:
        entry = data["keys"][key]
        return {"key": key, "label": entry["label"], "short": entry["short"], "source": entry["source"],
                "headline": bool(entry.get("headline"))}
    for pattern in data["patterns"]:
        found = re.match(pattern["match"], key)
        if found:
            return {"key": key, "label": _fill(pattern["label"], found, pattern, data),
                    "short": _fill(pattern["short"], found, pattern, data), "source": pattern["source"],
                    "headline": False}
    return {"key": key, "label": key, "short": key, "source": "unknown", "headline": False}


def label(key: str) -> str:
    return describe(key)["label"]


def _fill(text: str, found: re.Match, pattern: dict, data: dict) -> str:
    def word(m: re.Match) -> str:
        n = m.group(1)
        value = found.group(int(n))
        return pattern.get("groups", {}).get(n, {}).get(value) or data["loss_names"].get(value, value)

    return re.sub(r"\{(\d+)\}", word, text)
