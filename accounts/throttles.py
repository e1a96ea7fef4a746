"""Log-in throttles: attempts counted per client address and per account name, in the Django cache.

Every log-in door uses them: the page (`accounts.views.LoginView`), `POST /api/v1/auth/token/`, and the Django
admin's log-in form (`throttle_admin_login`). Every
attempt counts (a success too: a script should keep a named token rather than log in in a loop). Past
`settings.LOGIN_THROTTLE_RATES` ("address": default 30/min, "account": default 10/min) the answer is 429 with
`Retry-After` (seconds) until the oldest counted attempt leaves the window. Per address stops one client from
trying many accounts; per account stops many clients from trying one password after another.

The counters live in `settings.CACHES["default"]`: in-process memory by default (each server process counts
alone), Redis when `CACHE_URL` names one (all processes count together). The address is REMOTE_ADDR unless
`NUM_PROXIES` says how many proxies in front append to X-Forwarded-For (DRF's rule), so a client cannot
pick its own address.
"""
from __future__ import annotations

import hashlib

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class _LoginThrottle(SimpleRateThrottle):
    kind = ""

    def get_rate(self) -> str:
        # Read at call time (not class creation), so a changed setting applies at once.
        return settings.LOGIN_THROTTLE_RATES[self.kind]

    def allow_request(self, request, view) -> bool:
        if request.method != "POST":
            return True
        return super().allow_request(request, view)


class LoginAddressThrottle(_LoginThrottle):
    scope = "login_address"
    kind = "address"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginAccountThrottle(_LoginThrottle):
    scope = "login_account"
    kind = "account"

    def get_cache_key(self, request, view) -> str | None:
        name = _username(request)
        if not name:
            return None  # no account named: the address throttle still counts it
        ident = hashlib.sha256(name.strip().casefold().encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _username(request) -> str:
    data = getattr(request, "data", None)  # a DRF request (parsed JSON or form)
    if data is None:
        data = request.POST
    value = data.get("username") if hasattr(data, "get") else None
    return value if isinstance(value, str) else ""


LOGIN_THROTTLES = (LoginAddressThrottle, LoginAccountThrottle)


def login_wait(request) -> int | None:
    """Count this log-in attempt; None when allowed, else the whole seconds to wait (for Retry-After)."""
    waits = []
    for throttle_class in LOGIN_THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait() or 1)
    return max(1, int(round(max(waits)))) if waits else None


def throttle_admin_login() -> None:
    """The Django admin's log-in form is a third door to the same accounts: count it with the same throttles
    (called once from AccountsConfig.ready, before the admin builds its URLs)."""
    from django.contrib import admin
    from django.http import HttpResponse

    site = admin.site
    if getattr(site.login, "throttled", False):
        return
    plain_login = site.login

    def login(request, extra_context=None):
        if request.method == "POST":
            wait = login_wait(request)
            if wait is not None:
                response = HttpResponse(f"Too many log-in attempts. Try again in {wait} seconds.\n", status=429,
                                        content_type="text/plain; charset=utf-8")
                response["Retry-After"] = str(wait)
                return response
        return plain_login(request, extra_context)

    login.throttled = True
    site.login = login
