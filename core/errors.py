"""The one error type of Posedeck's framework-free cores (formats, metrics, engines). No Django imports.

A `PosedeckError` carries what a person needs to fix the input: a stable `code`, a `message`, the `field`
that is wrong (a path such as ``annotations[3].keypoints[1].v``), and an HTTP-like `status` that the web
layer (config.errors) answers with. Extra keyword arguments become extra keys of the JSON error body.
"""
from __future__ import annotations


class PosedeckError(Exception):
    """Base for errors a user can cause and fix. Subclasses set `code` and `status`."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.extra = extra

    def as_dict(self) -> dict:
        """The JSON error body: {"error": code, "message": text, "field"?: path, **extra}."""
        body = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body

    def __str__(self) -> str:
        return self.message


class InvalidInput(PosedeckError):
    code = "invalid"
    status = 400


class NotFound(PosedeckError):
    code = "not_found"
    status = 404


class Forbidden(PosedeckError):
    code = "forbidden"
    status = 403


class Conflict(PosedeckError):
    code = "conflict"
    status = 409


class TooLarge(PosedeckError):
    code = "too_large"
    status = 413


class Unavailable(PosedeckError):
    code = "unavailable"
    status = 503


class StorageFull(PosedeckError):
    """The server's storage has no room left (ENOSPC, a quota): nothing of the request was kept."""

    code = "storage_full"
    status = 507
