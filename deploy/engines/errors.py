"""Errors of the engine layer: core.errors types with stable codes the web layer answers with. No Django."""
from __future__ import annotations

from core.errors import InvalidInput, PosedeckError, Unavailable


class ImageUnreadable(InvalidInput):
    """The bytes or file given as an image cannot be decoded (or are over Pillow's pixel limit)."""

    code = "not_an_image"


class UnsupportedFormat(InvalidInput):
    """A readable image in a format the caller does not take (detect takes what dataset uploads take)."""

    code = "unsupported_format"


class WeightsInvalid(InvalidInput):
    """A weights file that is not a usable model of the kind asked for (not an Ultralytics pose checkpoint...)."""

    code = "weights_invalid"


class ExportFailed(PosedeckError):
    """Ultralytics' ONNX exporter did not produce a file; the message carries its reason."""

    code = "export_failed"
    status = 500


class ModelLoading(Unavailable):
    """The model is being loaded in the background and was not ready within the wait; try again shortly."""

    code = "model_loading"


class ModelNotLoaded(Unavailable):
    """The model is not in the cache and the caller gave no way to load it."""

    code = "model_not_loaded"
