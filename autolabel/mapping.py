"""Mapping a model's classes and keypoints onto a dataset's skeleton classes. No Django imports.

By default names decide (as CVAT maps an auto-annotation function's labels and skeleton points): a model class
maps to the dataset class of the same name (or, with one class on each side, to that class), and each template
keypoint to the model keypoint whose name means the same (`name_key`: 'LEye', 'l_eye', 'left_eye' are one).
A template point no model point maps to stays absent (v=0) in every suggestion. A person can override any of
this; the mapping is stored per (deployment, class) and reused.
"""
from __future__ import annotations

from dataclasses import dataclass

from datasets.formats.skeleton import name_key


@dataclass(frozen=True)
class ClassTemplate:
    id: int
    name: str
    keypoints: tuple[str, ...]


def map_keypoints(model_keypoints: list[str], template_keypoints: list[str]) -> list[str | None]:
    """For each template keypoint, the model keypoint name it takes its place from, or None.

    Equal names first, then equal `name_key`s; each model point is used once. A model whose points are only
    numbered ('0', '1', ... as Ultralytics names them without kpt_names) maps by index when the counts agree.
    """
    out: list[str | None] = [None] * len(template_keypoints)
    used: set[str] = set()
    by_name = {n: n for n in model_keypoints}
    by_key: dict[str, str] = {}
    for n in model_keypoints:
        by_key.setdefault(name_key(n), n)
    for i, t in enumerate(template_keypoints):
        if t in by_name and t not in used:
            out[i] = t
            used.add(t)
    for i, t in enumerate(template_keypoints):
        if out[i] is None:
            candidate = by_key.get(name_key(t))
            if candidate is not None and candidate not in used:
                out[i] = candidate
                used.add(candidate)
    numbered = all(n.isdigit() for n in model_keypoints)
    if numbered and not any(out) and len(model_keypoints) == len(template_keypoints):
        return list(model_keypoints)
    return out


def map_classes(model_classes: list[str], templates: list[ClassTemplate]) -> dict[str, int | None]:
    """model class name -> dataset class id (or None: its detections are not suggested)."""
    by_name = {t.name: t.id for t in templates}
    by_key = {name_key(t.name): t.id for t in templates}
    out = {}
    for name in model_classes:
        out[name] = by_name.get(name, by_key.get(name_key(name)))
    if len(model_classes) == 1 and len(templates) == 1 and out[model_classes[0]] is None:
        out[model_classes[0]] = templates[0].id  # one class each: a person, a hand, a part
    return out


def check_mapping(mapping: list, template_keypoints: list[str], model_keypoints: list[str]) -> list[str | None]:
    """A person's mapping, checked: one entry per template keypoint, each a model keypoint name or None.
    Raises ValueError naming the first bad entry."""
    if not isinstance(mapping, list) or len(mapping) != len(template_keypoints):
        raise ValueError(f"the mapping needs one entry per template keypoint ({len(template_keypoints)})")
    known, seen = set(model_keypoints), set()
    for i, entry in enumerate(mapping):
        if entry is None:
            continue
        if not isinstance(entry, str) or entry not in known:
            raise ValueError(f"entry {i} ({template_keypoints[i]!r}): {entry!r} is not a keypoint of the model")
        if entry in seen:
            raise ValueError(f"entry {i} ({template_keypoints[i]!r}): {entry!r} is mapped twice")
        seen.add(entry)
    return list(mapping)


def suggest(instance, class_id: int, mapping: list[str | None], *, visible_from: float) -> dict:
    """One engine Instance (deploy.engines.types) as a suggested instance of `class_id`:
    {"class", "bbox", "keypoints": [[x, y, v]], "score", "keypoint_scores"}. A mapped point whose confidence is
    below `visible_from` is suggested absent (v=0) but keeps its place and score, so the labeler can show it
    (highlighted) and a person can place it; accepting stores it absent unless they do."""
    by_name = {k.name: k for k in instance.keypoints}
    keypoints, scores = [], []
    for name in mapping:
        k = by_name.get(name) if name is not None else None
        if k is None:
            keypoints.append([0.0, 0.0, 0])
            scores.append(None)
            continue
        v = 2 if k.confidence >= visible_from else 0
        keypoints.append([round(float(k.x), 2), round(float(k.y), 2), v])
        scores.append(round(float(k.confidence), 4))
    return {"class": class_id, "bbox": [round(float(instance.x), 2), round(float(instance.y), 2),
                                        round(float(instance.width), 2), round(float(instance.height), 2)],
            "keypoints": keypoints, "score": round(float(instance.confidence), 4), "keypoint_scores": scores}

