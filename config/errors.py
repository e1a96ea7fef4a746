"""One place that maps domain errors to HTTP answers shaped {"error": code, "message": text, ...}."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class DomainError(Exception):
    """Base for errors a user can cause and fix. Subclasses set code and status."""

    code = "invalid"
    status = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, field: str | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra

    def as_dict(self) -> dict:
        body = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class InvalidInput(DomainError):
    code = "invalid"


class Conflict(DomainError):
    code = "conflict"
    status = status.HTTP_409_CONFLICT


class TooLarge(DomainError):
    code = "too_large"
    status = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


def _first_field(detail, prefix: str = "") -> str | None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors":
                name = prefix or None
            deeper = _first_field(value, name or "")
            return deeper or name
    if isinstance(detail, list):
        for i, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                deeper = _first_field(value, f"{prefix}[{i}]")
                if deeper:
                    return deeper
    return None


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
    if isinstance(detail, list):
        for value in detail:
            msg = _first_message(value)
            if msg:
                return msg
        return ""
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        field = _first_field(exc.detail)
        msg = _first_message(exc.detail)
        body = {"error": "invalid", "message": f"{field}: {msg}" if field else msg, "fields": exc.detail}
        if field:
            body["field"] = field
        response.data = body
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        code = getattr(getattr(exc, "detail", None), "code", None) or exc.default_code
        response.data = {"error": str(code), "message": str(detail)}
    return response
