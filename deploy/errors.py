"""The deploy app's domain errors, answered by config.errors (API) and deploy.detect (the detect endpoint) as
{"error": code, "message": text, ...} with their status."""
from __future__ import annotations

from core.errors import Forbidden, PosedeckError, TooLarge


class KeyInvalid(PosedeckError):
    """No API key, or one that is not a live key of this deployment."""

    code = "invalid_key"
    status = 401


class QuotaExceeded(Forbidden):
    code = "quota_exceeded"


class BurstExceeded(PosedeckError):
    """More calls this minute than the deployment's burst_per_minute; `retry_after` seconds to the next minute."""

    code = "rate_limited"
    status = 429


class ImageTooLarge(TooLarge):
    code = "image_too_large"
