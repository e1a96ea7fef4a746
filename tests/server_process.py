"""The web server as a real process for the fault tests: `manage.py runserver` on a free port, seeing the test
database and media (conftest.worker_env), stopped with its whole process group."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

from .conftest import REPO, worker_env

WAIT = int(os.environ.get("TRAINING_TEST_WAIT", "420"))  # generous for a loaded 2-core box; not a timing assertion


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, *procs: tuple[subprocess.Popen, Path]) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        for proc, log in procs:
            assert proc.poll() is None, f"{proc.args[:4]} exited {proc.returncode}:\n{log.read_text()[-4000:]}"
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {timeout}s\n" + "\n".join(log.read_text()[-3000:] for _, log in procs))


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextlib.contextmanager
def web_server(log: Path, extra_env: dict | None = None) -> Iterator[str]:
    """Yields the base URL once GET /accounts/login/ answers 200."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=REPO,
                            env=worker_env(extra_env), stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return urllib.request.urlopen(base + "/accounts/login/", timeout=5).status == 200
        except OSError:
            return False

    try:
        wait_until(up, WAIT, "web server up", (proc, log))
        yield base
    finally:
        stop(proc)
