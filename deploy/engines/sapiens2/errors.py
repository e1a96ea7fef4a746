"""Domain errors of the Sapiens2 engine, each with a stable `code` the API layer can answer with."""
from __future__ import annotations


class Sapiens2Error(Exception):
    code = "sapiens2_error"

    def as_dict(self) -> dict:
        return {"error": self.code, "message": str(self)}


class CheckpointNotFound(Sapiens2Error, FileNotFoundError):
    """A pose checkpoint or the detector directory is not where we look; the message says how to get it."""

    code = "checkpoint_not_found"

    def __init__(self, message: str, *, path: str, download_command: str):
        super().__init__(message)
        self.path = path
        self.download_command = download_command

    def as_dict(self) -> dict:
        return {**super().as_dict(), "path": self.path, "download_command": self.download_command}


class CheckpointInvalid(Sapiens2Error, ValueError):
    """The file exists but is not a complete Sapiens2 pose checkpoint (or DETR directory)."""

    code = "checkpoint_invalid"


class UnknownModelSize(Sapiens2Error, ValueError):
    code = "unknown_model_size"


class InputNotSupported(Sapiens2Error, ValueError):
    code = "input_not_supported"


class InvalidOption(Sapiens2Error, ValueError):
    code = "invalid_option"
