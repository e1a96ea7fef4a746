"""Django's CommonMiddleware, except that /api/ paths are never redirected to add a trailing slash.

APPEND_SLASH answers a 301 to `<path>/`; a client that follows it turns POST into GET and loses the body, and
the answer is an empty HTML page. Under /api/ the missing slash is a JSON 404 instead (config.errors.
ApiErrorMiddleware says which path exists); pages keep the redirect."""
from __future__ import annotations

from django.middleware.common import CommonMiddleware

API_PREFIX = "/api/"


class ApiAwareCommonMiddleware(CommonMiddleware):
    def should_redirect_with_slash(self, request) -> bool:
        if request.path.startswith(API_PREFIX):
            return False
        return super().should_redirect_with_slash(request)
