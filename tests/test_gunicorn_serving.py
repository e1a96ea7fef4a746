"""Production serving: the Dockerfile's own start command (migrate, then gunicorn with config/gunicorn.conf.py),
run as a real process on a free port against the test database, answers pages, the API with a token, and static
files (the Swagger UI bundle, via WhiteNoise)."""
from __future__ import annotations

import json
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dockerfile_command() -> str:
    """The shell command of the Dockerfile's `CMD ["sh", "-c", "..."]`."""
    [line] = [ln for ln in (REPO / "Dockerfile").read_text().splitlines() if ln.startswith("CMD ")]
    shell, flag, command = json.loads(line[4:])
    assert (shell, flag) == ("sh", "-c")
    return command


def test_the_image_and_compose_serve_with_gunicorn_and_our_config():
    command = dockerfile_command()
    assert "gunicorn -c config/gunicorn.conf.py config.wsgi" in command and "runserver" not in command
    import yaml

    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert "command" not in compose["services"]["web"]  # the image's CMD: gunicorn
    assert "runserver" not in (REPO / "docker-compose.yml").read_text()


@pytest.fixture
def gunicorn(tmp_path):
    """Run the Dockerfile's start command (2 workers x 2 threads, from the environment) with this venv's
    `python` and `gunicorn` first on PATH."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = worker_env({"WEB_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "WEB_THREADS": "2",
                      "WEB_TIMEOUT": "60", "DEBUG": "false"})
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.Popen(["sh", "-c", dockerfile_command()], cwd=REPO, env=env,
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"gunicorn exited {proc.returncode}:\n{log.read_text()[-4000:]}")
            try:
                requests.get(f"{base}/accounts/login/", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still booting under load
                assert time.monotonic() < deadline, f"gunicorn did not answer in 180 s:\n{log.read_text()[-4000:]}"
                time.sleep(0.3)
    except BaseException:  # never leave the server running when it did not come up
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        raise
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
