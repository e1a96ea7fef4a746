"""Quota and burst counting on Redis (REDIS_URL set): a private redis-server on a free port, started and
stopped by the test (nothing is left behind); concurrent admits never take more than the quota."""
from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time

import pytest
from django.utils import timezone

from accounts.selectors import personal_workspace
from deploy import usage
from deploy.errors import BurstExceeded, QuotaExceeded
from deploy.models import Deployment

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_url(tmp_path, settings):
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server is needed for the Redis counting test (Debian package redis-server)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    settings.REDIS_URL = url
    yield client
    client.flushdb()
    proc.terminate()
    proc.wait(10)


def test_concurrent_admits_on_redis_stop_exactly_at_the_quota(redis_url, user):
    deployment = Deployment.objects.create(workspace=personal_workspace(user), name="r", kind="custom",
                                           monthly_quota=25)
    outcomes, lock = [], threading.Lock()
    now = timezone.now()  # one instant for every call: the test never straddles a minute

    def call():
        try:
            usage.admit(deployment, now)
            result = "ok"
        except QuotaExceeded:
            result = "quota"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=call) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 25 and outcomes.count("quota") == 15
    assert usage.quota_used(deployment, now) == 25  # refused calls gave their unit back
    deployment.monthly_quota, deployment.burst_per_minute = None, 25
    with pytest.raises(BurstExceeded) as err:
        usage.admit(deployment, now)  # the minute already holds 25 admitted calls
    assert 1 <= err.value.extra["retry_after"] <= 60
    assert any(key.startswith(b"deploy:") for key in redis_url.keys())
