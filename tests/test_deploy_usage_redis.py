"""Quota and burst counting on Redis (REDIS_URL set): a private redis-server on a free port, started and
stopped by the test (nothing is left behind); concurrent admits never take more than the quota."""
from __future__ import annotations

import shutil
import threading

import pytest
from django.utils import timezone

from accounts.selectors import personal_workspace
from deploy import usage
from deploy.errors import BurstExceeded, QuotaExceeded
from deploy.models import Deployment

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_url(tmp_path, settings):
    from tests.server_process import PrivateRedis

    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed for the Redis counting test (Debian package redis-server)")
    server = PrivateRedis(tmp_path / "redis").start()
    settings.REDIS_URL = server.url
    yield server.client()
    server.stop()


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
    # The counters live in the test run's own key space (removed at the end of the run: no later run inherits
    # a deployment id's counts; CI once started a quota-3 deployment at 403 from an earlier run's keys).
    from django.conf import settings

    assert settings.DEPLOY_REDIS_PREFIX.startswith(settings.BROKER_KEY_PREFIX) and settings.BROKER_KEY_PREFIX
    keys = redis_url.keys()
    assert keys and all(key.decode().startswith(settings.DEPLOY_REDIS_PREFIX + ":") for key in keys), keys
