"""A PostgreSQL connection dropped in the middle of a request: the web server (a real process, persistent
connections on) answers 503 JSON `database_unavailable`, and the next request on the same server works.

The drop is PostgreSQL's own: the request is made to wait on a table lock held by another connection, and
that connection's session ends the request's backend with pg_terminate_backend()."""
from __future__ import annotations

import threading
import time

import pytest
import requests
from django.db import connection

from .server_process import web_server

pytestmark = [pytest.mark.worker,
              pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="needs PostgreSQL (DATABASE_URL, as in CI): SQLite has no server connection "
                                        "to drop")]


def _pg_connect():
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432, user=db.get("USER") or None,
                           password=db.get("PASSWORD") or None, dbname=db["NAME"], autocommit=True)


def test_a_dropped_connection_answers_503_json_then_the_server_recovers(transactional_db, user, tmp_path):
    from accounts.tokens import token_create

    _, token = token_create(user=user, name="db fault", days=1)
    auth = {"Authorization": f"Token {token}"}
    with web_server(tmp_path / "web.log", {"CONN_MAX_AGE": "600"}) as base:
        ds = requests.post(f"{base}/api/v1/datasets/", json={"name": "locked"}, headers=auth, timeout=60).json()
        url = f"{base}/api/v1/datasets/{ds['id']}/"
        assert requests.get(url, headers=auth, timeout=60).status_code == 200  # the server holds a connection now

        locker, killer = _pg_connect(), _pg_connect()
        answer: dict = {}
        try:
            locker.execute("BEGIN")
            locker.execute("LOCK TABLE datasets_dataset IN ACCESS EXCLUSIVE MODE")
            request = threading.Thread(target=lambda: answer.update(r=requests.get(url, headers=auth, timeout=120)))
            request.start()
            deadline, waiting = time.time() + 60, None
            while waiting is None and time.time() < deadline:
                waiting = killer.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
                    "AND pid <> %s", [locker.info.backend_pid]).fetchone()
                time.sleep(0.1)
            assert waiting is not None, "the request never waited on the lock"
            assert killer.execute("SELECT pg_terminate_backend(%s)", [waiting[0]]).fetchone()[0] is True
            request.join(60)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
            killer.close()

        r = answer["r"]
        assert r.status_code == 503, r.text
        assert r.headers["Content-Type"] == "application/json" and r.headers["Retry-After"]
        assert r.json()["error"] == "database_unavailable" and r.json()["message"]
        again = requests.get(url, headers=auth, timeout=60)
        assert again.status_code == 200 and again.json()["name"] == "locked"
