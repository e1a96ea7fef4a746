"""Skeleton helpers shared by formats, the API and training: flip pairs, flip_idx, OKS sigmas.

The flip-pair rule has a twin in JavaScript (labeling/static/labeling/flip_pairs.js, the template
editor); both are tested against one table, datasets/formats/flip_pair_cases.json. Change them together.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# COCO's 17 keypoints and their per-keypoint OKS sigmas, in COCO order.
COCO_KEYPOINT_NAMES = [
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
]
COCO_SIGMAS = [
    0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072,
    0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089,
]

# Words are split at separators and at case and digit changes: 'LeftEye' -> Left|Eye, 'LEye' -> L|Eye,
# 'eyeL' -> eye|L, 'legL1' -> leg|L|1. ASCII only, so Python and JavaScript split alike.
_CHUNK = re.compile(r"[^_\-. \t\r\n:/]+")  # separators: _ - . space : /
_WORD, _JOINED, _LETTER = 0, 1, 2  # marker kinds, strongest first


def _is_upper(c: str) -> bool:
    return "A" <= c <= "Z"


def _is_lower(c: str) -> bool:
    return "a" <= c <= "z"


def _is_digit(c: str) -> bool:
    return "0" <= c <= "9"


def _tokens(name: str) -> list[tuple[int, int]]:
    """(start, end) spans of the name's words."""
    spans = []
    for chunk in _CHUNK.finditer(name):
        s, e = chunk.span()
        start = s
        for k in range(s + 1, e):
            a, b = name[k - 1], name[k]
            alpha_a, alpha_b = _is_upper(a) or _is_lower(a), _is_upper(b) or _is_lower(b)
            if ((_is_lower(a) and _is_upper(b))
                    or (_is_upper(a) and _is_upper(b) and k + 1 < e and _is_lower(name[k + 1]))
                    or (alpha_a and _is_digit(b)) or (_is_digit(a) and alpha_b)):
                spans.append((start, k))
                start = k
        spans.append((start, e))
    return spans


def _markers(name: str) -> list[tuple[int, str, int, int]]:
    """(kind, side, start, end) of every left/right marker in the name."""
    found = []
    for s, e in _tokens(name):
        word = name[s:e].lower()
        if word in ("left", "right"):
            found.append((_WORD, word, s, e))
        elif word in ("l", "r"):
            found.append((_LETTER, "left" if word == "l" else "right", s, e))
        else:
            for side in ("left", "right"):
                # 'leftear', 'earleft': a side word joined to at least two more letters.
                if word.startswith(side) and len(word) - len(side) >= 2:
                    found.append((_JOINED, side, s, s + len(side)))
                if word.endswith(side) and len(word) - len(side) >= 2:
                    found.append((_JOINED, side, e - len(side), e))
    return found


def _key(name: str, kind: int, start: int, end: int) -> str:
    # Word and joined markers share a placeholder ('LeftEar' pairs with 'rightear'); single letters
    # only pair with single letters ('L_eye' with 'R_eye', never with 'right_eye').
    return name[:start].lower() + ("\0L" if kind == _LETTER else "\0W") + name[end:].lower()


@dataclass
class FlipPairs:
    """`pairs`: [i, j], i < j, sorted; `unpaired`: indices of names that say left or right (as a word or
    joined: 'left_paw', 'LeftEye', 'leftear') but found no partner; `warnings`: one text per such name."""

    pairs: list[list[int]]
    unpaired: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def name_key(name: str) -> str:
    """A key under which two spellings of one keypoint name are equal: words lower-cased and sorted, side
    markers spelled out ('LEye', 'l_eye', 'eye_left', 'Left Eye' and 'left_eye' all give 'eye left').

    Used to map a model's keypoint names onto a template's; a single letter l/r counts as a side only where
    it stands apart (as in flip_pairs_report)."""
    words = []
    for s, e in _tokens(str(name)):
        word = str(name)[s:e].lower()
        if word in ("l", "r") and len(_tokens(str(name))) > 1:
            words.append("left" if word == "l" else "right")
            continue
        for side in ("left", "right"):
            if word != side and len(word) - len(side) >= 2 and (word.startswith(side) or word.endswith(side)):
                words += [side, word[len(side):] if word.startswith(side) else word[:-len(side)]]
                break
        else:
            words.append(word)
    return " ".join(sorted(words))


def flip_pairs_report(names: list[str]) -> FlipPairs:
    """Pairs of keypoints that swap under a horizontal flip, from their names.

    Two names pair when they are equal, ignoring letter case, except for a side marker: a word
    (`left_eye`/`right_eye`, `eye_left`, `LeftEye`, `FrontLeftPaw`), a side word joined to the rest
    (`leftear`/`rightear`), or a single letter standing apart by a separator or a case change (`l_eye`,
    `L_eye`, `eye_R`, `LEye`, `EyeL`, `legL1`). Single letters joined in lower case (`lear`, `rear`) are
    not markers: too many words start with l or r. Each point is in at most one pair; where several
    partners fit, the strongest marker (word, then joined, then letter) and then the lowest indices win.
    """
    keys: dict[str, list[tuple[int, str, int]]] = {}
    marked: set[int] = set()
    for i, name in enumerate(names):
        for kind, side, s, e in _markers(str(name)):
            keys.setdefault(_key(str(name), kind, s, e), []).append((i, side, kind))
            if kind != _LETTER:
                marked.add(i)
    candidates = set()
    for entries in keys.values():
        for i, side_i, kind_i in entries:
            for j, side_j, kind_j in entries:
                if i < j and side_i != side_j:
                    candidates.add((max(kind_i, kind_j), i, j))
    used: set[int] = set()
    pairs = []
    for _, i, j in sorted(candidates):
        if i not in used and j not in used:
            used.update((i, j))
            pairs.append([i, j])
    unpaired = sorted(marked - used)
    warnings = [f"keypoint {names[i]!r} names a side but no keypoint of the other side matches it, so it "
                "gets no flip pair" for i in unpaired]
    return FlipPairs(pairs=sorted(pairs), unpaired=unpaired, warnings=warnings)


def derive_flip_pairs(names: list[str]) -> list[list[int]]:
    """Pairs [i, j], i < j, whose names differ only by a left/right marker (see flip_pairs_report)."""
    return flip_pairs_report(names).pairs


def flip_index(num_keypoints: int, flip_pairs: list[list[int]]) -> list[int]:
    """Ultralytics' flip_idx: the index each keypoint takes after a horizontal flip."""
    idx = list(range(num_keypoints))
    for a, b in flip_pairs:
        idx[a], idx[b] = b, a
    return idx


def pairs_from_flip_index(flip_idx: list[int]) -> list[list[int]]:
    """The inverse of flip_index: [i, j] for every i < j = flip_idx[i]. The caller checks that flip_idx is
    a permutation that is its own inverse."""
    return [[i, j] for i, j in enumerate(flip_idx) if i < j]


def default_sigmas(names: list[str]) -> list[float]:
    """COCO sigmas for the COCO 17-point template, else a uniform value (Ultralytics' 1/K)."""
    if [n.lower() for n in names] == COCO_KEYPOINT_NAMES:
        return list(COCO_SIGMAS)
    return [round(1.0 / max(len(names), 1), 6)] * len(names)
