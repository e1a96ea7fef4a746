"""The test run's own check (conftest.pytest_sessionfinish): a run that leaves a task in its broker space
fails, a run that cleans up passes. Each case is a real pytest run in a child process, on whatever broker
this run uses (Redis when REDIS_URL is set, as in CI; else the filesystem transport)."""
from __future__ import annotations

import subprocess
import sys

from .conftest import REPO

PROBE = '''
def test_sends_a_task_no_worker_takes():
    from config.celery import ping

    ping.apply_async(args=["left behind"])
    {cleanup}
'''


def _run_probe(tmp_path, cleanup: str) -> subprocess.CompletedProcess:
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE.format(cleanup=cleanup))
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider",
                           "-c", str(REPO / "pytest.ini"), "--rootdir", str(REPO), str(probe)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)


def test_a_run_that_leaves_a_task_in_the_broker_fails(tmp_path):
    r = _run_probe(tmp_path, cleanup="")
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "1 passed" in out and "messages left in the broker by this test run" in out, out


def test_a_run_that_empties_its_queues_passes(tmp_path):
    r = _run_probe(tmp_path, cleanup="from tests import broker_check; assert broker_check.purge() >= 1")
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "messages left" not in out, out
