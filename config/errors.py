"""One place that maps domain errors (core.errors) to HTTP answers shaped {"error": code, "message": text, ...}."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.faults import fault_response
from core.errors import Conflict, Forbidden, InvalidInput, NotFound, PosedeckError, TooLarge, Unavailable  # noqa: F401


# The framework-free cores raise these; this module only maps them to HTTP.
DomainError = PosedeckError


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
    fault = fault_response(exc)  # the database away, the disk full: 503 / 507 (config.faults)
    if fault is not None:
        status, body, headers = fault
        return Response(body, status=status, headers=headers)
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
