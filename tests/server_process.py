"""Real processes for the fault tests: the web server (`manage.py runserver` on a free port, seeing the test
database and media through conftest.worker_env, stopped with its whole process group) and a private
redis-server."""
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


class PrivateRedis:
    """A redis-server of the test's own: a free port, its own folder, no persistence (like CI's), never the
    shared one. `start()` again after `kill9()` gives an empty server on the same port."""

    def __init__(self, folder: Path):
        self.port, self.folder, self.proc = free_port(), folder, None
        self.url = f"redis://127.0.0.1:{self.port}/0"
        folder.mkdir(parents=True, exist_ok=True)

    def start(self) -> "PrivateRedis":
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                                     stdout=open(self.folder / "redis.log", "ab"), stderr=subprocess.STDOUT)
        wait_until(self.ping, 30, "redis-server answers", (self.proc, self.folder / "redis.log"))
        return self

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_connect_timeout=1)

    def ping(self) -> bool:
        import redis

        try:
            return self.client().ping()
        except redis.ConnectionError:
            return False

    def llen(self, key: str) -> int:
        return self.client().llen(key)

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
