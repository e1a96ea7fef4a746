"""Redis killed (-9) and restarted empty while an export job and a training session are queued: the messages
are gone, yet both run, because every worker's requeue sweep (config/requeue.py) sends again what the
database says is queued and the broker no longer holds.

All real processes: a redis-server of the test's own (port and data folder; no persistence, like CI's),
the web server that queues the work over HTTP, and a Celery worker started after the restart.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.request

import pytest

from tests.conftest import REPO, worker_env
from tests.server_process import PrivateRedis, free_port, wait_until
from tests.training_fixtures import coco_dataset  # noqa: F401

pytestmark = [pytest.mark.worker,
              pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server program")]
WAIT = int(os.environ.get("TRAINING_TEST_WAIT", "420"))  # generous for a loaded 2-core box; not a timing assertion


def _call(base, token, method, path, body=None) -> dict:
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None,
                                 headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def test_queued_work_survives_a_redis_restart_that_lost_its_messages(transactional_db, user, coco_dataset, tmp_path,
                                                                     settings):
    from accounts.tokens import token_create

    _, token = token_create(user=user, name="redis restart", days=1)
    redis_server = PrivateRedis(tmp_path / "redis")
    redis_server.start()
    url = redis_server.url
    prefix = settings.BROKER_KEY_PREFIX
    env = worker_env({"REDIS_URL": url, "QUEUE_REQUEUE_AFTER_S": "1", "QUEUE_SWEEP_S": "2"})

    port = free_port()
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    web = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=REPO,
                           env=env, stdout=open(web_log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    worker = None
    try:
        base = f"http://127.0.0.1:{port}"

        def web_up():
            try:
                return urllib.request.urlopen(base + "/accounts/login/", timeout=5).status == 200
            except OSError:
                return False

        wait_until(web_up, WAIT, "web server up", (web, web_log))
        ds = coco_dataset["id"]
        job = _call(base, token, "POST", f"/api/v1/datasets/{ds}/exports/", {"format": "yolo"})
        session = _call(base, token, "POST", "/api/v1/training-sessions/", {
            "dataset": ds, "algorithm": "yolo11n-pose", "epochs": 1, "imgsz": 64, "batch": 8, "plots": False})
        assert job["status"] == "queued" and session["status"] == "queued"
        assert redis_server.llen(prefix + "default") == 1 and redis_server.llen(prefix + "gpu") == 1

        redis_server.kill9()  # no clean shutdown, no persistence: the queued messages die with it
        redis_server.start()
        assert redis_server.llen(prefix + "default") == 0 and redis_server.llen(prefix + "gpu") == 0

        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default,gpu", "-c", "1", "--pool", "solo",
             "-n", f"restart{os.getpid()}@%h", "-l", "info"],
            cwd=REPO, env=env, stdout=open(worker_log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)

        def status(path):
            return _call(base, token, "GET", path)

        wait_until(lambda: status(f"/api/v1/jobs/{job['id']}/")["status"] in ("done", "failed"), WAIT, "export job ran",
              (worker, worker_log))
        ran = status(f"/api/v1/jobs/{job['id']}/")
        assert ran["status"] == "done" and ran["result"]["images"] == 16, ran
        wait_until(lambda: status(f"/api/v1/training-sessions/{session['id']}/")["status"] in ("completed", "failed"),
              WAIT, "training session ran", (worker, worker_log))
        trained = status(f"/api/v1/training-sessions/{session['id']}/")
        assert trained["status"] == "completed" and trained["attempt"] == 2, (trained.get("error"),
                                                                             worker_log.read_text()[-6000:])
        assert "requeue sweep sent again" in worker_log.read_text()
        # Nothing waits in the new Redis either: each lost message was sent once, and run.
        assert redis_server.llen(prefix + "default") == 0 and redis_server.llen(prefix + "gpu") == 0
    finally:
        for proc in (worker, web):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        if redis_server.proc is not None and redis_server.proc.poll() is None:
            redis_server.kill9()
