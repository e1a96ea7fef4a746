"""API tokens: hashed at rest, named, expiring, revocable, listed per user; the login endpoint's contract holds."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient


def _login_token(username="alice", password="s3cret-pass-1") -> str:
    r = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert r.status_code == 200, r.content
    return r.json()["token"]


def _as(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_login_token_is_stored_only_as_a_digest_and_is_listed_as_login(user):
    from accounts.models import ApiToken

    token = _login_token()
    assert token.startswith("pdk_") and len(token) == 68
    stored = ApiToken.objects.get(user=user)
    assert stored.digest == hashlib.sha512(token.encode()).hexdigest()
    assert token not in {stored.digest, stored.token_key} and stored.token_key == token[:15]
    client = _as(token)
    listed = client.get("/api/v1/auth/tokens/").json()
    assert [(t["name"], t["current"]) for t in listed] == [("login", True)]
    assert "token" not in listed[0] and listed[0]["last_used_at"] is not None
    days = (stored.expiry - timezone.now()) / timedelta(days=1)
    assert 29.9 < days <= 30


def test_named_token_authenticates_until_revoked(user):
    client = _as(_login_token())
    made = client.post("/api/v1/auth/tokens/", {"name": "nightly export", "days": 7}, format="json")
    assert made.status_code == 201
    body = made.json()
    assert body["name"] == "nightly export" and body["prefix"] == body["token"][:15]
    script = _as(body["token"])
    assert script.get("/api/v1/auth/me/").json()["username"] == "alice"
    names = {t["name"] for t in client.get("/api/v1/auth/tokens/").json()}
    assert names == {"login", "nightly export"}
    assert client.delete(f"/api/v1/auth/tokens/{body['id']}/").status_code == 204
    refused = script.get("/api/v1/auth/me/")
    assert refused.status_code == 401 and refused.json()["error"] == "authentication_failed"
    assert {t["name"] for t in client.get("/api/v1/auth/tokens/").json()} == {"login"}


def test_expired_token_is_refused_and_dropped(user):
    from accounts.models import ApiToken

    token = _login_token()
    ApiToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(seconds=1))
    assert _as(token).get("/api/v1/auth/me/").status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()


def test_a_user_cannot_see_or_revoke_anothers_token(user, make_user):
    mine = _as(_login_token())
    make_user("bob")
    bobs = _as(_login_token("bob"))
    bob_token = bobs.get("/api/v1/auth/tokens/").json()[0]
    assert [t["id"] for t in mine.get("/api/v1/auth/tokens/").json()] != [bob_token["id"]]
    r = mine.delete(f"/api/v1/auth/tokens/{bob_token['id']}/")
    assert r.status_code == 404
    assert bobs.get("/api/v1/auth/me/").status_code == 200


@pytest.mark.parametrize("payload,field", [({"name": "x", "days": 0}, "days"), ({"name": "x", "days": 366}, "days"),
                                           ({"name": "", "days": 5}, "name"), ({"days": 5}, "name")])
def test_token_needs_a_name_and_an_expiry_within_a_year(api, payload, field):
    r = api.post("/api/v1/auth/tokens/", payload, format="json")
    assert r.status_code == 400 and r.json()["field"] == field


def test_login_tokens_are_capped_oldest_first(user, settings):
    settings.API_TOKEN_LOGIN_LIMIT = 3
    tokens = [_login_token() for _ in range(5)]
    assert [_as(t).get("/api/v1/auth/me/").status_code for t in tokens] == [401, 401, 200, 200, 200]


def test_anonymous_api_call_answers_401_naming_the_token_scheme(db):
    r = APIClient().get("/api/v1/datasets/")
    assert r.status_code == 401 and r["WWW-Authenticate"] == "Token"


@pytest.mark.django_db(transaction=True)
def test_plain_text_drf_tokens_are_migrated_to_hashed_ones_that_keep_working():
    """An install from before hashed tokens kept DRF's `authtoken_token` rows in plain text."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from accounts.models import ApiToken

    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0003_api_tokens")])
    user = get_user_model().objects.create_user("legacy", password="x-long-pass-9")
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp NOT NULL, "
                       "user_id integer NOT NULL)")
        cursor.execute("INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
                       [key, timezone.now(), user.pk])
    try:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM authtoken_token")
            assert cursor.fetchone()[0] == 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE authtoken_token")
    migrated = ApiToken.objects.get(user=user)
    assert migrated.name == "migrated" and migrated.token_key == key[:15]
    assert migrated.digest == hashlib.sha512(key.encode()).hexdigest()
    assert 89 < (migrated.expiry - timezone.now()) / timedelta(days=1) <= 90
    assert _as(key).get("/api/v1/auth/me/").json()["username"] == "legacy"


@pytest.mark.django_db(transaction=True)
def test_no_unused_knox_table_blocks_flushing_users_and_older_installs_lose_theirs():
    """knox's own token table (swapped out for ApiToken) referenced auth_user, so PostgreSQL refused to
    TRUNCATE users: every transactional test's teardown failed. A fresh install has no such table; an older
    install's table is dropped by accounts 0005; flushing then works on either database."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    assert "knox_authtoken" not in connection.introspection.table_names()
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0004_hash_plain_drf_tokens")])
    with connection.cursor() as cursor:  # what knox's migrations left on an older install
        cursor.execute("CREATE TABLE knox_authtoken (digest varchar(128) PRIMARY KEY, "
                       "user_id integer NOT NULL REFERENCES auth_user (id))")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert "knox_authtoken" not in connection.introspection.table_names()
    from django.contrib.auth import get_user_model
    get_user_model().objects.create_user("to-flush", password="x-long-pass-9")
    call_command("flush", interactive=False, verbosity=0)
    assert not get_user_model().objects.exists()
