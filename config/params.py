"""Whole numbers from query strings: one parser for every `?name=<int>` so no view hands the database a number
it cannot store (SQLite and PostgreSQL keep 64-bit integers; Python's int has no bound)."""
from __future__ import annotations

from core.errors import InvalidInput

# The largest value a 64-bit signed database column holds; ids are positive and below it.
MAX_ID = 2**63 - 1


def parse_int(raw, name: str, *, low: int | None = None, high: int | None = None, clamp: bool = False,
              what: str = "a whole number") -> int:
    """`raw` (text or int) as an int in [low, high]. Outside the range: clamped when `clamp`, else InvalidInput.
    Not a plain ASCII whole number (also "", "1.5", "²", "1e3"), or beyond 64 bits: InvalidInput naming `name`."""
    text = str(raw).strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
        raise InvalidInput(f"{name} must be {what}, got {text[:40]!r}", field=name)
    value = int(text)
    if not -MAX_ID <= value <= MAX_ID:
        raise InvalidInput(f"{name} must be {what}, got {text[:40]!r}", field=name)
    if clamp:
        if low is not None:
            value = max(value, low)
        if high is not None:
            value = min(value, high)
        return value
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"from {low} to {high}" if low is not None and high is not None else (
            f"at least {low}" if low is not None else f"at most {high}")
        raise InvalidInput(f"{name} must be {what} {span}, got {value}", field=name)
    return value


def parse_id(raw, name: str) -> int:
    """A database id (1..2^63-1) from text; anything else is InvalidInput naming `name`."""
    return parse_int(raw, name, low=1, high=MAX_ID, what="an id")


def query_int(request, name: str, default=None, *, low: int | None = None, high: int | None = None,
              clamp: bool = False, what: str = "a whole number"):
    """The query parameter `name` as an int (see parse_int); `default` when it is absent or empty."""
    raw = request.query_params.get(name) if hasattr(request, "query_params") else request.GET.get(name)
    if raw in (None, ""):
        return default
    return parse_int(raw, name, low=low, high=high, clamp=clamp, what=what)


def query_id(request, name: str, default=None):
    """The query parameter `name` as a database id, `default` when absent or empty."""
    return query_int(request, name, default, low=1, high=MAX_ID, what="an id")


def int_list(raw, name: str) -> list[int] | None:
    """Comma-separated ids (or a list of them) as ints; None when empty. Bad items: InvalidInput naming `name`."""
    if raw in (None, "", []):
        return None
    values = raw if isinstance(raw, list) else [v for v in str(raw).split(",") if v.strip()]
    return [parse_int(v, name, low=-MAX_ID, high=MAX_ID, what="comma-separated ids") for v in values] or None
