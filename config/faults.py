"""Faults of the machine under a request, answered plainly instead of with a 500 page:

- the database went away (a dropped PostgreSQL connection, a restart, SQLite locked past its timeout):
  503 {"error": "database_unavailable", ...} with Retry-After. Django marks the connection as errored, and
  at the end of the request (`close_old_connections`) closes it when it is no longer usable; with persistent
  connections `CONN_HEALTH_CHECKS` tests a reused one first, so the next request gets a working connection.
- the disk is full (OSError ENOSPC or EDQUOT): 507 {"error": "storage_full", ...}. Code that writes files
  takes back what it wrote first (config.storage, datasets.services.images_upload).

`exception_handler` in config.errors asks `fault_response` for API views; `FaultMiddleware` covers the
other views (pages: a short text answer; anything under /api/: the same JSON).
"""
from __future__ import annotations

import errno
import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

log = logging.getLogger(__name__)
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
RETRY_AFTER_S = 5


def fault_response(exc: BaseException) -> tuple[int, dict, dict] | None:
    """(status, JSON body, headers) for a machine fault, or None for anything else."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        log.warning("database unavailable during a request: %s", exc)
        return 503, {"error": "database_unavailable",
                     "message": "the database cannot be reached right now; try again in a few seconds"}, {
            "Retry-After": str(RETRY_AFTER_S)}
    if isinstance(exc, OSError) and exc.errno in DISK_FULL:
        log.error("storage full during a request: %s", exc)
        return 507, {"error": "storage_full",
                     "message": "the server's storage is full; nothing of this request was kept"}, {}
    return None


class FaultMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        fault = fault_response(exc)
        if fault is None:
            return None
        status, body, headers = fault
        if request.path.startswith("/api/"):
            response = JsonResponse(body, status=status)
        else:
            response = HttpResponse(body["message"], status=status, content_type="text/plain; charset=utf-8")
        for key, value in headers.items():
            response[key] = value
        return response
