"""`make run`'s supervisor (config/serve.py) as a real process: web server and both workers come up, and one
SIGINT (what Ctrl+C sends) stops every one of them, pool processes included, with exit status 0."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

from .conftest import REPO

pytestmark = pytest.mark.worker
START_WAIT = int(os.environ.get("TRAINING_TEST_WAIT", "420"))  # generous for a loaded 2-core box


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _isolated_env(tmp_path) -> dict:
    """Its own SQLite, media and filesystem broker: the supervisor's workers must never take tasks of
    another run (CI's REDIS_URL is left out on purpose)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", MEDIA_ROOT=str(tmp_path / "media"),
               BROKER_DIR=str(tmp_path / "broker"), TRAINING_WORK_DIR=str(tmp_path / "work"), PYTHONUNBUFFERED="1")
    return env


def _http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except Exception:
        return None


def test_sigint_stops_the_server_and_both_workers_and_leaves_no_process(tmp_path):
    env = _isolated_env(tmp_path)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True,
                   timeout=START_WAIT)
    port = _free_port()
    log = tmp_path / "serve.log"
    proc = subprocess.Popen([sys.executable, "-m", "config.serve", "--port", str(port), "--loglevel", "info",
                             "--grace", "10"], cwd=REPO, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    family: list[psutil.Process] = []
    try:
        deadline = time.time() + START_WAIT
        while time.time() < deadline:
            text = log.read_text(errors="replace")
            if text.count(" ready.") >= 2 and _http_status(f"http://127.0.0.1:{port}/accounts/login/") == 200:
                break
            assert proc.poll() is None, f"supervisor exited {proc.returncode}:\n{text[-4000:]}"
            time.sleep(0.5)
        else:
            raise AssertionError(f"not up in {START_WAIT}s:\n{log.read_text(errors='replace')[-4000:]}")

        family = psutil.Process(proc.pid).children(recursive=True)
        # runserver, two worker main processes and the default worker's two pool processes, at least.
        assert len(family) >= 5, [p.cmdline() for p in family]

        stopped_at = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl+C does: SIGINT to the foreground group
        assert proc.wait(30) == 0, log.read_text(errors="replace")[-4000:]
        gone, alive = psutil.wait_procs(family, timeout=5)
        took = time.monotonic() - stopped_at
        assert not alive, [(p.pid, p.cmdline()) for p in alive]
        text = log.read_text(errors="replace")
        assert "[serve] stopped" in text and "Traceback" not in text, text[-4000:]
        print(f"stopped {len(family)} processes in {took:.1f} s"); print("\n".join(l for l in text.splitlines() if "[serve]" in l))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in family:  # only what this test started, and only if the assertion above failed
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
