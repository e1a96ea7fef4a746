"""Abuse: log-in attempts throttled per address and per account (429 + Retry-After) on the page and the token
endpoint, with the local-memory cache and with a real Redis; SIGNUP_OPEN closes sign-up except to holders of a
valid invitation link."""
from __future__ import annotations

import shutil

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    settings.LOGIN_THROTTLE_RATES = {"address": "6/min", "account": "3/min"}
    return settings.LOGIN_THROTTLE_RATES


def token_attempt(username, password="wrong-password", addr="10.0.0.1", **extra):
    return APIClient(REMOTE_ADDR=addr).post("/api/v1/auth/token/", {"username": username, "password": password},
                                            format="json", **extra)


def page_attempt(username, password="wrong-password", addr="10.0.0.1"):
    from django.test import Client

    return Client(REMOTE_ADDR=addr).post("/accounts/login/", {"username": username, "password": password})


def assert_throttled(response):
    assert response.status_code == 429, (response.status_code, response.content[:300])
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    return wait


def test_token_endpoint_is_throttled_per_account_across_addresses(rates, user):
    for i in range(3):
        assert token_attempt("alice", addr=f"10.0.1.{i}").status_code == 400
    r = token_attempt("alice", password="s3cret-pass-1", addr="10.0.1.99")  # even the right password now waits
    assert_throttled(r)
    assert r.json()["error"] == "throttled" and "seconds" in r.json()["message"]
    assert token_attempt("ALICE ", addr="10.0.1.98").status_code == 429  # the same account, spelled otherwise
    assert token_attempt("bob", addr="10.0.1.97").status_code == 400  # other accounts are not affected


def test_token_endpoint_is_throttled_per_address_across_accounts(rates, user):
    for i in range(6):
        assert token_attempt(f"user{i}", addr="10.0.2.1").status_code == 400
    assert_throttled(token_attempt("alice", password="s3cret-pass-1", addr="10.0.2.1"))
    # X-Forwarded-For is not trusted without NUM_PROXIES: a client cannot pick a fresh address.
    assert_throttled(token_attempt("carol", addr="10.0.2.1", HTTP_X_FORWARDED_FOR="192.0.2.7"))
    ok = token_attempt("alice", password="s3cret-pass-1", addr="10.0.2.2")
    assert ok.status_code == 200 and ok.json()["token"]


def test_login_page_is_throttled_with_the_same_counters(rates, user):
    for i in range(3):
        r = page_attempt("alice", addr=f"10.0.3.{i}")
        assert r.status_code == 200 and b"Please enter a correct username" in r.content
    r = page_attempt("alice", password="s3cret-pass-1", addr="10.0.3.50")
    wait = assert_throttled(r)
    assert f"Try again in {wait} seconds".encode() in r.content
    assert "_auth_user_id" not in r.wsgi_request.session  # not logged in
    assert token_attempt("alice", addr="10.0.3.51").status_code == 429  # the page's attempts count for the API
    ok = page_attempt("bob-never-seen", addr="10.0.3.52")
    assert ok.status_code == 200


def test_the_admin_login_form_counts_with_the_same_throttles(rates, user):
    from django.test import Client

    for i in range(3):
        r = Client(REMOTE_ADDR=f"10.0.6.{i}").post("/admin/login/", {"username": "alice", "password": "nope"})
        assert r.status_code == 200
    r = Client(REMOTE_ADDR="10.0.6.9").post("/admin/login/", {"username": "alice", "password": "nope"})
    assert_throttled(r)
    assert b"Too many log-in attempts" in r.content
    assert page_attempt("alice", addr="10.0.6.10").status_code == 429


def test_a_successful_login_below_the_limit_still_works(rates, user):
    from django.test import Client

    client = Client(REMOTE_ADDR="10.0.4.1")
    r = client.post("/accounts/login/", {"username": "alice", "password": "s3cret-pass-1"})
    assert r.status_code == 302 and client.get("/api/v1/auth/me/").json()["username"] == "alice"


def test_throttles_default_to_generous_rates(settings):
    assert settings.LOGIN_THROTTLE_RATES == {"address": "30/min", "account": "10/min"}
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


@pytest.fixture
def redis_cache(settings, tmp_path):
    """A private redis-server on a free port (never the shared one), as the Django cache; stopped afterwards."""
    from tests.server_process import PrivateRedis

    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed (apt-get install redis-server)")
    server = PrivateRedis(tmp_path / "redis").start()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": server.url, "KEY_PREFIX": "posedeck"}}
    yield server.client()
    server.stop()


def test_throttles_count_in_redis_when_the_cache_is_redis(rates, user, redis_cache):
    for i in range(3):
        assert token_attempt("alice", addr=f"10.0.5.{i}").status_code == 400
    keys = {k.decode() for k in redis_cache.keys("*")}
    assert any("throttle_login_account_" in k for k in keys), keys
    assert any("throttle_login_address_10.0.5.0" in k for k in keys), keys
    assert_throttled(token_attempt("alice", addr="10.0.5.9"))


# ---------------------------------------------------------------- SIGNUP_OPEN
def test_signup_closed_refuses_new_accounts_with_a_clear_page(settings, client):
    settings.SIGNUP_OPEN = False
    r = client.get("/accounts/signup/")
    assert r.status_code == 403 and b"Sign-up is closed" in r.content and b"invitation link" in r.content
    r = client.post("/accounts/signup/", {"username": "eve", "password1": "a-long-pass-77", "password2": "a-long-pass-77"})
    assert r.status_code == 403 and not get_user_model().objects.filter(username="eve").exists()
    assert b"No account yet?" not in client.get("/accounts/login/").content


def test_signup_closed_still_admits_holders_of_a_valid_invitation(settings, client, user):
    from accounts import services

    settings.SIGNUP_OPEN = False
    ws = services.workspace_create(user=user, name="Lab")
    inv, key = services.invitation_create(workspace=ws, role="labeller", created_by=user)
    link = f"/accounts/invite/{key}/"
    assert b"invite-signup" in client.get(link).content
    assert client.get(f"/accounts/signup/?next={link}").status_code == 200
    r = client.post("/accounts/signup/", {"username": "eve", "password1": "a-long-pass-77",
                                          "password2": "a-long-pass-77", "next": link})
    assert r.status_code == 302 and r["Location"] == link
    assert client.post(link).status_code == 302
    eve = get_user_model().objects.get(username="eve")
    assert ws.memberships.get(user=eve).role == "labeller"
    # The link is used now: it opens sign-up no more; nor does a revoked one, nor any other page.
    other = APIClient()
    assert other.get(f"/accounts/signup/?next={link}").status_code == 403
    inv2, key2 = services.invitation_create(workspace=ws, role="viewer", created_by=user)
    services.invitation_revoke(invitation=inv2)
    assert other.get(f"/accounts/signup/?next=/accounts/invite/{key2}/").status_code == 403
    assert other.get("/accounts/signup/?next=/").status_code == 403


def test_signup_open_by_default(settings, client):
    assert settings.SIGNUP_OPEN is True
    assert client.get("/accounts/signup/").status_code == 200
    assert b"No account yet?" in client.get("/accounts/login/").content
