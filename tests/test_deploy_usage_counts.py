"""Monitoring counters under concurrency: calls that race to make a day's rows lose no count (regression: on
PostgreSQL 8 concurrent clients counted 19 of 20 answers as 403)."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from accounts.selectors import personal_workspace
from deploy import usage
from deploy.models import Deployment, UsageCount


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_calls_of_a_day_lose_no_count(user):
    deployment = Deployment.objects.create(workspace=personal_workspace(user), name="c", kind="custom")
    start = timezone.now()
    statuses = [200, 403, 429, 401]
    days, clients = 6, 8

    for d in range(days):  # every round is a new day: every call races to create that day's rows
        now = start + dt.timedelta(days=d)
        barrier = threading.Barrier(clients)

        def call(i: int) -> None:
            try:
                barrier.wait()
                usage.record(deployment.pk, statuses[i % len(statuses)], 12.0 if i % 2 else None, now)
            finally:
                connection.close()

        threads = [threading.Thread(target=call, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    counts: dict[str, int] = {}
    for metric, count in UsageCount.objects.filter(deployment=deployment).values_list("metric", "count"):
        counts[metric] = counts.get(metric, 0) + count
    assert counts["requests"] == days * clients
    assert {s: counts[f"status:{s}"] for s in statuses} == {s: days * clients // len(statuses) for s in statuses}
    assert sum(v for k, v in counts.items() if k.startswith("latency:")) == days * clients // 2
