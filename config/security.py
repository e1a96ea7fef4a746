"""Security headers Django's SecurityMiddleware does not set: Content-Security-Policy and Permissions-Policy.

The pages load only their own scripts and styles (`script-src 'self'; style-src 'self'`: no inline <script>,
no style="" attributes; JavaScript may still set element.style), images from the API (`blob:` and `data:` for
canvases and generated thumbnails), and talk only to their own origin. `frame-ancestors 'none'` repeats
X-Frame-Options for browsers that follow CSP. The policy is `settings.CONTENT_SECURITY_POLICY`; an empty value
sends none. Responses that already carry a policy keep it.
"""
from __future__ import annotations

from django.conf import settings

DEFAULT_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                  "font-src 'self'; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; "
                  "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
DEFAULT_PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response
