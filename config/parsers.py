"""The JSON parser of every API endpoint: DRF's, refusing input nested deeper than API_JSON_MAX_DEPTH.

Python's json decoder recurses once per nesting level; a body such as `[[[[...]]]]` 1,000 deep made it
raise RecursionError, a 500 on every JSON endpoint (the login-free token endpoint included). Posedeck's
deepest real document (an annotation: instances → keypoints → [x, y, v]) is 4 levels, so the default of 32
leaves room and answers 400 `{"error": "parse_error", "message": "JSON nested N levels deep ..."}` before
decoding anything.
"""
from __future__ import annotations

import json

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings

from core.jsondepth import json_depth


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


class JSONParser(parsers.JSONParser):
    """`application/json` bodies: UTF-8 (or the declared charset), strict (no NaN), at most
    `settings.API_JSON_MAX_DEPTH` levels of arrays/objects. Any bad body is a ParseError (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - the body is not {encoding} text") from exc
        limit = settings.API_JSON_MAX_DEPTH
        depth = json_depth(text)
        if depth > limit:
            raise ParseError(f"JSON nested {depth} levels deep; at most {limit} levels are accepted")
        try:
            if api_settings.STRICT_JSON:
                return json.loads(text, parse_constant=_reject_constant)
            return json.loads(text)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}")
        except RecursionError:  # a safety net: json_depth should have refused it already
            raise ParseError(f"JSON nested too deeply; at most {limit} levels are accepted")
