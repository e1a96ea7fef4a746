"""Serializer fields stricter than DRF's where DRF's leniency lets bad input through as a value."""
from __future__ import annotations

import math

from rest_framework import serializers


class StrictFloatField(serializers.FloatField):
    """A JSON number (or numeric text). DRF's FloatField reads `true` as 1.0 and accepts NaN and infinity; here
    a boolean, NaN or ±infinity is a validation error ("A valid number is required.")."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class FormFloatField(StrictFloatField):
    """A number from a form that may be left out (then the default) but not sent empty: DRF reads `conf_thres=`
    in a multipart form as "not sent" and uses the default; a caller who sent the field meant a value, so ""
    (or blanks) is a validation error naming it."""

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist") and self.field_name in dictionary and not str(
                dictionary.get(self.field_name)).strip():
            return ""
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        if isinstance(data, str) and not data.strip():
            self.fail("invalid")
        return super().to_internal_value(data)
