"""Domain errors of the Sapiens2 engine: core.errors.PosedeckError subclasses with stable codes.

`as_dict()` gives the JSON error body ({"error": code, "message", ...extra}); the library answers these as
`{"status": "error", ...}` tool results, the web layer maps them to HTTP through config.errors.
"""
from __future__ import annotations

from core.errors import PosedeckError


class Sapiens2Error(PosedeckError):
    code = "sapiens2_error"
    status = 400


class CheckpointNotFound(Sapiens2Error, FileNotFoundError):
    """A pose checkpoint or the detector directory is not where we look; the message says how to get it."""

    code = "checkpoint_not_found"

    def __init__(self, message: str, *, path: str, download_command: str):
        super().__init__(message, path=path, download_command=download_command)
        self.path = path
        self.download_command = download_command


class CheckpointInvalid(Sapiens2Error, ValueError):
    """The file exists but is not a complete Sapiens2 pose checkpoint (or DETR directory)."""

    code = "checkpoint_invalid"


class UnknownModelSize(Sapiens2Error, ValueError):
    code = "unknown_model_size"


class InputNotSupported(Sapiens2Error, ValueError):
    code = "input_not_supported"


class InvalidOption(Sapiens2Error, ValueError):
    code = "invalid_option"


class OutputNotAllowed(Sapiens2Error, ValueError):
    """`output_dir` would overwrite the inputs (it is their folder) or is not a folder we can write."""

    code = "output_not_allowed"


class PathUnusable(Sapiens2Error, OSError):
    """The operating system refused an input or output path (name too long, no permission, ...)."""

    code = "io_error"
