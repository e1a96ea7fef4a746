"""`make run`: the web server and both Celery workers under one supervisor that stops them all on Ctrl+C.

    python -m config.serve [--port 8000] [--host 127.0.0.1] [--loglevel warning] [--grace 10]

Each child runs in its own session (process group), so a Ctrl+C in the terminal reaches only this
supervisor, which then stops the children in order: SIGTERM to the workers (Celery's warm shutdown:
finish or give back the current task), SIGINT to the web server. Whoever is still alive after `--grace`
seconds gets SIGKILL on its whole process group (Celery's pool processes included). A child that dies on
its own stops the others too, and the supervisor exits with that child's status.

Exit status: 0 after a requested stop (SIGINT/SIGTERM), else the first failed child's status (1 if it was
killed by a signal).
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def commands(port: int, host: str, loglevel: str) -> dict[str, list[str]]:
    """The children: name -> argv. Workers: `default,inference` (imports, exports, autolabel) and `gpu`."""
    py = sys.executable
    celery = [py, "-m", "celery", "-A", "config", "worker", "-l", loglevel]
    return {
        "worker-default": [*celery, "-Q", "default,inference", "-c", "2", "-n", "web@%h"],
        "worker-gpu": [*celery, "-Q", "gpu", "-c", "1", "-n", "gpu@%h"],
        "web": [py, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
    }


class Supervisor:
    def __init__(self, argv_by_name: dict[str, list[str]], grace: float):
        self.argv_by_name, self.grace = argv_by_name, grace
        self.children: dict[str, subprocess.Popen] = {}
        self.stop_requested = False

    def _request_stop(self, signum, frame):
        self.stop_requested = True

    def start(self) -> None:
        # Handlers first: a Ctrl+C while the children start must still stop the ones already started.
        signal.signal(signal.SIGINT, self._request_stop)
        signal.signal(signal.SIGTERM, self._request_stop)
        for name, argv in self.argv_by_name.items():
            self.children[name] = subprocess.Popen(argv, cwd=REPO, start_new_session=True)
            print(f"[serve] {name} started (pid {self.children[name].pid})", flush=True)

    def wait(self) -> int:
        """Block until a stop is asked for or a child exits; returns the exit status to use."""
        status = 0
        while not self.stop_requested:
            for name, proc in self.children.items():
                code = proc.poll()
                if code is not None:
                    print(f"[serve] {name} exited with {code}; stopping the others", file=sys.stderr, flush=True)
                    status = code if code > 0 else 1
                    break
            else:
                time.sleep(0.2)
                continue
            break
        self.stop()
        return status

    def stop(self) -> None:
        # Ctrl+C pressed again while stopping must not interrupt the cleanup itself.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for name, proc in self.children.items():
            if proc.poll() is None:  # the main process only: a Celery worker stops its own pool
                proc.send_signal(signal.SIGINT if name == "web" else signal.SIGTERM)
        began = time.monotonic()
        running = dict(self.children)
        while running and time.monotonic() - began < self.grace:
            for name, proc in list(running.items()):
                if proc.poll() is not None:
                    print(f"[serve] {name} stopped ({proc.returncode}) after {time.monotonic() - began:.1f} s",
                          flush=True)
                    del running[name]
            time.sleep(0.1)
        for name in running:
            print(f"[serve] {name} still running after {self.grace:g} s: killing it", file=sys.stderr, flush=True)
        for proc in self.children.values():
            # The whole group, always: a worker's pool processes may outlive their parent.
            self._signal_group(proc, signal.SIGKILL)
            proc.wait()
        print("[serve] stopped", flush=True)

    @staticmethod
    def _signal_group(proc: subprocess.Popen, sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--loglevel", default="warning", help="the workers' log level")
    parser.add_argument("--grace", type=float, default=10.0, help="seconds the children get to stop")
    args = parser.parse_args(argv)
    sup = Supervisor(commands(args.port, args.host, args.loglevel), args.grace)
    sup.start()
    return sup.wait()


if __name__ == "__main__":
    sys.exit(main())
