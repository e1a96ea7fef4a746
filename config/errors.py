"""One place that maps domain errors (core.errors) to HTTP answers shaped {"error": code, "message": text, ...}."""
from __future__ import annotations

import logging

from django.core.exceptions import BadRequest, PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.urls import is_valid_path
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.faults import fault_response
from core.errors import Conflict, Forbidden, InvalidInput, NotFound, PosedeckError, TooLarge, Unavailable  # noqa: F401


OVERFLOW_MESSAGE = "a number in the request is too large (whole numbers must fit in 64 bits)"

# The framework-free cores raise these; this module only maps them to HTTP.
DomainError = PosedeckError


def _first_field(detail, prefix: str = "") -> str | None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # a ListField's error for item `key`
                name = f"{prefix}[{key}]"
            else:
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
    if isinstance(exc, RecursionError):  # safety net: recursive code met input nested too deeply
        return Response({"error": "too_deep", "message": "the input is nested too deeply"}, status=400)
    if isinstance(exc, OverflowError):  # safety net: a number too large for a 64-bit column reached the database
        return Response({"error": "invalid", "message": OVERFLOW_MESSAGE}, status=400)
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


# ---------------------------------------------------------------- everything under /api/ answers JSON
# DRF's handler above covers exceptions inside DRF views. What happens outside them (no route matched, a
# request Django refuses before any view, an exception DRF does not know) would otherwise be Django's HTML
# page; the middleware below gives those the same {"error", "message"} shape.
API_PREFIX = "/api/"
_CODES = {400: "invalid", 401: "not_authenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          406: "not_acceptable", 413: "too_large", 415: "unsupported_media_type", 429: "throttled",
          500: "server_error", 502: "bad_gateway", 503: "unavailable"}
_MESSAGES = {404: "no such API route or object", 500: "the server failed on this request; it has been logged",
             403: "forbidden", 400: "bad request", 413: "the request body is too large"}

log = logging.getLogger("django.request")


def api_error_response(status: int, message: str | None = None, code: str | None = None) -> JsonResponse:
    """A JSON error body {"error": code, "message": text} for `status`."""
    return JsonResponse({"error": code or _CODES.get(status, "error"),
                         "message": message or _MESSAGES.get(status, f"HTTP {status}")}, status=status)


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


class ApiErrorMiddleware:
    """JSON errors for every path under /api/: 404 of unknown routes, Django's own 400/403/413, and a 500 for
    any exception a view lets through (logged with its traceback, never shown). RecursionError (input nested
    too deeply for some recursive code) is the client's: 400. Pages keep Django's HTML answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (_is_api(request) and response.status_code >= 400
                and not response.get("Content-Type", "").startswith("application/json")
                and not getattr(response, "streaming", False)):
            fixed = api_error_response(response.status_code, _message_for(request, response.status_code))
            for header, value in response.items():  # Allow, Retry-After, security headers set further in...
                if header.lower() not in ("content-type", "content-length"):
                    fixed[header] = value
            fixed.cookies = response.cookies
            return fixed
        return response

    def process_exception(self, request, exc):
        if not _is_api(request):
            return None
        if isinstance(exc, RecursionError):
            return api_error_response(400, "the input is nested too deeply", "too_deep")
        if isinstance(exc, OverflowError):
            return api_error_response(400, OVERFLOW_MESSAGE, "invalid")
        if isinstance(exc, Http404):
            return api_error_response(404)
        if isinstance(exc, PermissionDenied):
            return api_error_response(403)
        if isinstance(exc, RequestDataTooBig):
            return api_error_response(413, str(exc) or None)
        if isinstance(exc, (BadRequest, SuspiciousOperation)):
            return api_error_response(400, str(exc) or None)
        log.error("Internal Server Error: %s", request.path, exc_info=exc, extra={"status_code": 500,
                                                                                  "request": request})
        return api_error_response(500)


def _message_for(request, status: int) -> str | None:
    if status == 404:
        if not request.path.endswith("/") and is_valid_path(request.path_info + "/", getattr(request, "urlconf", None)):
            return f"no API route at {request.path}; API routes end with a slash: {request.path}/"
        return f"no API route or object at {request.path}"
    if status == 405:
        return f"method {request.method} is not allowed on {request.path}"
    return None
