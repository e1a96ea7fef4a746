"""How deeply a JSON text nests, measured without parsing it (no recursion, no Python objects built).

`json_depth(text)` is the largest number of arrays/objects open at once: `1` for `[1, 2]`, `2` for `[{"a": 1}]`,
`0` for a bare scalar. Brackets inside strings do not count (strings, escapes included, are removed first).
Python's own decoder recurses once per level and raises RecursionError near 1,000 levels, so a parser checks
this first and refuses deep input as a client error. Linear time: one regex pass, then numpy over the brackets.
No Django imports.
"""
from __future__ import annotations

import re

import numpy as np

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth(text: str) -> int:
    """The deepest nesting of `[`/`{` in `text` (a JSON document, valid or not); 0 when there is none."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if not brackets:
        return 0
    codes = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1).astype(np.int32)
    return int(max(0, np.cumsum(steps, dtype=np.int32).max()))
