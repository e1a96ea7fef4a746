"""Strict readers for single values of a keypoint file (no Django imports).

Each takes the raw JSON (or text) value, the `field` path that names it and a human `label` for the
message, and returns a clean Python value or raises FormatError naming the field and showing the value.
Numbers may come as JSON numbers or as numeric strings (`"12.5"`, `"1e3"`); booleans, null, NaN, words,
lists and objects are refused.
"""
from __future__ import annotations

import math
import re
import reprlib

from .records import FormatError

_NUMERIC = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlong = 3, 40, 40, 40


def show(value) -> str:
    """A short repr for messages: hostile files hold megabytes or thousands of levels in one value."""
    try:
        text = _REPR.repr(value)
    except (ValueError, RecursionError):  # ints past Python's 4300-digit str limit
        return f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def to_float(value) -> float | None:
    """The number a value stands for (JSON number or numeric string), else None. May be NaN/inf."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:  # a JSON integer with hundreds of digits
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str) and len(value) < 64 and _NUMERIC.fullmatch(value):
        return float(value)
    return None


def read_number(value, field: str, label: str) -> float:
    """A finite number, from a JSON number or a numeric string."""
    number = to_float(value)
    if number is None or not math.isfinite(number):
        raise FormatError(f"{label} must be a finite number, got {show(value)}", field)
    return number


def read_id(value, field: str, label: str, *, allow_text: bool = True) -> int | str:
    """An id: an integer (also `7.0` or `"7"`), or, with allow_text, any other non-empty string used as an
    opaque key (some tools write `"img_001"`; at most 200 characters). Booleans, null, fractions and containers are refused."""
    number = to_float(value)
    if number is not None:
        if math.isfinite(number) and number.is_integer():
            return int(value) if isinstance(value, int) else int(number)
        raise FormatError(f"{label} must be an integer id, got {show(value)}", field)
    if allow_text and isinstance(value, str) and value.strip() and len(value) <= 200:
        return value
    raise FormatError(f"{label} must be an integer id, got {show(value)}", field)


def read_size(value, field: str, label: str) -> int:
    """A positive whole number of pixels."""
    number = read_number(value, field, label)
    if not number.is_integer() or number <= 0:
        raise FormatError(f"{label} must be a positive whole number of pixels, got {show(value)}", field)
    return int(number)


def read_text(value, field: str, label: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FormatError(f"{label} must be a non-empty text, got {show(value)}", field)
    return value


def read_visibility(value, field: str, label: str) -> tuple[int, bool]:
    """COCO visibility -> (v, mapped).

    0, 1 and 2 (also `2.0`, `"2"`) read as they are. A fraction between 0 and 2 (some sets store a
    confidence there, e.g. 0.104) is a labelled point, never an absent one: it is rounded up
    (0 < v <= 1 -> 1 "occluded", 1 < v < 2 -> 2 "visible") and `mapped` is True so the caller can warn.
    Negative values, values above 2, NaN, null and words are refused.
    """
    number = to_float(value)
    if number is None or not math.isfinite(number):
        raise FormatError(f"{label} must be 0 (absent), 1 (occluded) or 2 (visible), got {show(value)}", field)
    if number < 0 or number > 2:
        raise FormatError(f"{label} must be between 0 and 2, got {show(value)}", field)
    if number.is_integer():
        return int(number), False
    return math.ceil(number), True
