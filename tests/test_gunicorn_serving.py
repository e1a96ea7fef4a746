"""Production serving: a real gunicorn process with config/gunicorn.conf.py, on a free port, against the test
database, answers pages, the API with a token, and static files (the Swagger UI bundle, via WhiteNoise)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import worker_env

pytestmark = pytest.mark.django_db(transaction=True)
REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "config" / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    """Start `gunicorn -c config/gunicorn.conf.py config.wsgi` (2 workers x 2 threads, from the environment)."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = worker_env({"WEB_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "WEB_THREADS": "2",
                      "WEB_TIMEOUT": "60", "DEBUG": "false"})
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "config.wsgi"], cwd=REPO, env=env,
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"gunicorn exited {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            requests.get(f"{base}/accounts/login/", timeout=5)
            break
        except requests.ConnectionError:
            assert time.monotonic() < deadline, f"gunicorn did not answer in 90 s:\n{log.read_text()[-4000:]}"
            time.sleep(0.3)
    proc.base, proc.log = base, log
    yield proc
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def test_gunicorn_with_our_config_serves_pages_api_and_static_files(gunicorn, make_user):
    make_user("gina", "s3cret-pass-1")  # committed (transactional test): the gunicorn workers see it

    page = requests.get(f"{gunicorn.base}/accounts/login/", timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert 'name="username"' in page.text

    token = requests.post(f"{gunicorn.base}/api/v1/auth/token/", json={"username": "gina", "password": "s3cret-pass-1"},
                          timeout=30)
    assert token.status_code in (200, 201), token.text
    headers = {"Authorization": f"Token {token.json()['token']}"}
    created = requests.post(f"{gunicorn.base}/api/v1/datasets/", json={"name": "served by gunicorn"}, headers=headers,
                            timeout=30)
    assert created.status_code == 201, created.text
    listed = requests.get(f"{gunicorn.base}/api/v1/datasets/", headers=headers, timeout=30)
    assert listed.status_code == 200
    assert [d["name"] for d in listed.json()["results"]] == ["served by gunicorn"]
    assert requests.get(f"{gunicorn.base}/api/v1/datasets/", timeout=30).status_code == 401  # no key, no data

    bundle = requests.get(f"{gunicorn.base}/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
                          timeout=30)
    assert bundle.status_code == 200 and len(bundle.content) > 100_000
    docs = requests.get(f"{gunicorn.base}/api/docs/", timeout=30)
    assert docs.status_code == 200 and "/static/drf_spectacular_sidecar/" in docs.text and "cdn" not in docs.text

    # Several requests at once are answered (2 workers x 2 threads), and the log shows gunicorn's gthread workers.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: requests.get(f"{gunicorn.base}/api/v1/datasets/", headers=headers,
                                                     timeout=60).status_code, range(8)))
    assert codes == [200] * 8
    log = gunicorn.log.read_text()
    assert "Using worker: gthread" in log and log.count("Booting worker with pid") >= 2
