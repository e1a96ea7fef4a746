"""API tokens: named, expiring, revocable, listed per user; only a digest is stored.

Built on django-rest-knox 5 (a maintained Jazzband library): it stores the SHA-512 digest of a random
256-bit token and its first 15 characters to find it, compares digests in constant time, and deletes a
user's expired tokens when one of their tokens is used. Posedeck's token model (`accounts.models.ApiToken`)
adds a `name` and `last_used_at`. The header stays `Authorization: Token <t>`.

Two ways to get a token:
- `POST /api/v1/auth/token/` {username, password} (scripts): named "login", lasting `API_TOKEN_DAYS`;
  a user keeps at most `API_TOKEN_LOGIN_LIMIT` of them (the oldest is revoked first), so a script that
  logs in on every run does not pile up tokens;
- the "API tokens" page or `POST /api/v1/auth/tokens/` {name, days}: a named token for 1-365 days.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.signals import token_expired

from core.errors import InvalidInput, NotFound

from .models import ApiToken

LOGIN_NAME = "login"
MAX_DAYS = 365
# A token's last use is written at most this often: one UPDATE a minute, not one per request.
TOUCH_EVERY = timedelta(minutes=1)


def token_create(*, user, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token for `user` and its secret (shown once). `days`: 1-365 (InvalidInput naming the field)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("give the token a name (what it is for)", field="name")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"a token lasts 1 to {MAX_DAYS} days", field="days")
    _drop_expired(user)
    return ApiToken.objects.create(user=user, expiry=timedelta(days=days), name=name[:100])


def _drop_expired(user) -> None:
    ApiToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()


@transaction.atomic
def token_for_login(*, user) -> tuple[ApiToken, str]:
    """The token `POST /api/v1/auth/token/` answers with; revokes the oldest login tokens beyond the limit."""
    _drop_expired(user)
    token, secret = ApiToken.objects.create(user=user, expiry=timedelta(days=settings.API_TOKEN_DAYS),
                                            name=LOGIN_NAME)
    keep = max(1, settings.API_TOKEN_LOGIN_LIMIT)
    stale = list(ApiToken.objects.filter(user=user, name=LOGIN_NAME).order_by("-created", "-id")
                 .values_list("id", flat=True)[keep:])
    if stale:
        ApiToken.objects.filter(id__in=stale).delete()
    return token, secret


def tokens_of(user) -> QuerySet[ApiToken]:
    """The user's tokens that have not expired, newest first."""
    return ApiToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created", "-id")


def token_revoke(*, user, pk) -> None:
    """Delete one of the user's tokens; another user's token (or none) is NotFound."""
    try:
        deleted, _ = ApiToken.objects.filter(user=user, pk=int(pk)).delete()
    except (TypeError, ValueError):
        deleted = 0
    if not deleted:
        raise NotFound("no such token", field="id")


class ApiTokenAuthentication(TokenAuthentication):
    """knox's `Token` authentication, recording when each token was last used (at most once a minute).

    knox also deletes the user's *other* expired tokens on every request (one more query each time); here
    only the presented token is checked (an expired one is deleted and refused), and the sweep happens when a
    token is made (`_drop_expired`). Lists never show expired tokens (`tokens_of`)."""

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return user, token
