"""Counting a deployment's calls: the quota and burst limits (admit) and the monitoring counters (record).

Atomic and non-blocking by construction:
- **Limits** with Redis (`REDIS_URL` set): one pipeline of INCR + EXPIRE on `deploy:<id>:m:<YYYY-MM>` and
  `deploy:<id>:n:<minute>`; a call over a limit gives its unit back (DECR) and is refused. Without Redis: one
  conditional UPDATE of the deployment's `RateCounter` row that counts only where the row is under both limits
  (`WHERE month_count < quota AND minute_count < burst`, rolling the month and the minute over in the same
  statement); 0 rows updated means refused. Either way two requests can never both take the last unit.
- **Monitoring** (`UsageCount`): one `UPDATE ... SET count = count + 1 WHERE metric IN (requests,
  status:<code>, latency:<bucket>)` per answered call; missing rows are created (ignoring conflicts) first.
Nothing here takes a lock beyond its own statement, and no request waits on another's Python code.

The latency histogram's buckets (ms, upper bounds) are BUCKETS; percentiles read from it are the upper bound
of the bucket where the cumulative count passes the percentile, so they over-state by at most one bucket.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from .errors import BurstExceeded, QuotaExceeded
from .models import Deployment, RateCounter, UsageCount

BUCKETS = (5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000,
           30000, 60000)
MONTH_TTL = 40 * 86400
MINUTE_TTL = 120

_redis = None
_redis_lock = threading.Lock()


def redis_client():
    """A client for REDIS_URL, or None when it is not set (then the database counts)."""
    global _redis
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    with _redis_lock:
        if _redis is None or getattr(_redis, "_posedeck_url", None) != url:
            import redis

            _redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            _redis._posedeck_url = url
        return _redis


def month_of(now: dt.datetime) -> str:
    return now.astimezone(dt.timezone.utc).strftime("%Y-%m")


def minute_of(now: dt.datetime) -> int:
    return int(now.timestamp() // 60)


def _retry_after(now: dt.datetime) -> int:
    return max(1, 60 - int(now.timestamp()) % 60)


def _quota_message(deployment: Deployment) -> str:
    return (f"{deployment.name!r} has used its monthly quota of {deployment.monthly_quota} requests; it renews on "
            f"the 1st (UTC) or when the deployment's owner raises monthly_quota")


def admit(deployment: Deployment, now: dt.datetime | None = None) -> None:
    """Count one call against the deployment's month and minute, or refuse it: QuotaExceeded (403) over
    `monthly_quota`, BurstExceeded (429, `retry_after` seconds) over `burst_per_minute`. A refused call is not
    counted. Every admitted call is counted (also without limits: the month's count is the quota used)."""
    now = now or timezone.now()
    client = redis_client()
    if client is not None:
        return _admit_redis(client, deployment, now)
    return _admit_db(deployment, now)


def _admit_db(deployment: Deployment, now: dt.datetime) -> None:
    month, minute = month_of(now), minute_of(now)
    quota, burst = deployment.monthly_quota, deployment.burst_per_minute
    under = Q()
    if quota is not None:
        under &= ~Q(month=month) | Q(month_count__lt=quota)
    if burst is not None:
        under &= ~Q(minute=minute) | Q(minute_count__lt=burst)
    if quota == 0:
        raise QuotaExceeded(_quota_message(deployment), quota=0, used=0)
    if burst == 0:
        raise BurstExceeded(f"{deployment.name!r} accepts no calls (burst_per_minute is 0)",
                            retry_after=_retry_after(now))
    # The right-hand sides read the row as it was before this statement (SQL semantics), so the CASEs see the
    # old month and minute.
    updates = dict(month_count=Case(When(month=month, then=F("month_count") + 1), default=Value(1)),
                   minute_count=Case(When(minute=minute, then=F("minute_count") + 1), default=Value(1)),
                   month=Value(month), minute=Value(minute))
    rows = RateCounter.objects.filter(Q(deployment_id=deployment.pk) & under).update(**updates)
    if rows:
        return
    row = RateCounter.objects.filter(deployment_id=deployment.pk).first()
    if row is None:  # deployments made before their counter row: make it, then count once more
        try:
            RateCounter.objects.create(deployment_id=deployment.pk)
        except IntegrityError:
            pass
        if RateCounter.objects.filter(Q(deployment_id=deployment.pk) & under).update(**updates):
            return
        row = RateCounter.objects.get(deployment_id=deployment.pk)
    if quota is not None and row.month == month and row.month_count >= quota:
        raise QuotaExceeded(_quota_message(deployment), quota=quota, used=row.month_count)
    raise BurstExceeded(f"more than {burst} requests this minute for {deployment.name!r}; retry after "
                        f"{_retry_after(now)} s", retry_after=_retry_after(now))


def _keys(deployment_id: int, now: dt.datetime) -> tuple[str, str]:
    prefix = settings.DEPLOY_REDIS_PREFIX
    return f"{prefix}:{deployment_id}:m:{month_of(now)}", f"{prefix}:{deployment_id}:n:{minute_of(now)}"


def _admit_redis(client, deployment: Deployment, now: dt.datetime) -> None:
    month_key, minute_key = _keys(deployment.pk, now)
    pipe = client.pipeline(transaction=True)
    pipe.incr(month_key)
    pipe.expire(month_key, MONTH_TTL)
    pipe.incr(minute_key)
    pipe.expire(minute_key, MINUTE_TTL)
    month_n, _, minute_n, _ = pipe.execute()
    quota, burst = deployment.monthly_quota, deployment.burst_per_minute
    over_quota = quota is not None and month_n > quota
    over_burst = burst is not None and minute_n > burst
    if over_quota or over_burst:
        pipe = client.pipeline(transaction=True)
        pipe.decr(month_key)
        pipe.decr(minute_key)
        pipe.execute()
        if over_quota:
            raise QuotaExceeded(_quota_message(deployment), quota=quota, used=month_n - 1)
        raise BurstExceeded(f"more than {burst} requests this minute for {deployment.name!r}; retry after "
                            f"{_retry_after(now)} s", retry_after=_retry_after(now))


def quota_used(deployment: Deployment, now: dt.datetime | None = None) -> int:
    """Calls admitted this calendar month (UTC)."""
    now = now or timezone.now()
    client = redis_client()
    if client is not None:
        value = client.get(_keys(deployment.pk, now)[0])
        return int(value or 0)
    row = RateCounter.objects.filter(deployment_id=deployment.pk, month=month_of(now)).values("month_count").first()
    return int(row["month_count"]) if row else 0


def bucket_of(ms: float) -> int:
    for bound in BUCKETS:
        if ms <= bound:
            return bound
    return BUCKETS[-1]


def record(deployment_id: int, status: int, latency_ms: float | None, now: dt.datetime | None = None) -> None:
    """Count one answered call: its status and (for answers the engine produced) its latency bucket."""
    day = (now or timezone.now()).astimezone(dt.timezone.utc).date()
    metrics = ["requests", f"status:{int(status)}"]
    if latency_ms is not None:
        metrics.append(f"latency:{bucket_of(latency_ms)}")
    rows = UsageCount.objects.filter(deployment_id=deployment_id, day=day, metric__in=metrics)
    # Make the day's rows first, then count them all in one UPDATE. (Counting the existing rows first and
    # creating the rest afterwards lost a count when a concurrent call created a row in between: the first
    # UPDATE had missed it, and the later check then found it and skipped it.)
    if rows.count() < len(metrics):
        UsageCount.objects.bulk_create([UsageCount(deployment_id=deployment_id, day=day, metric=m, count=0)
                                        for m in metrics], ignore_conflicts=True)
    rows.update(count=F("count") + 1)


def percentile(histogram: dict[int, int], p: float) -> float | None:
    """The upper bound (ms) of the bucket where the cumulative count reaches p (0..1), or None when empty."""
    total = sum(histogram.values())
    if not total:
        return None
    need, seen = p * total, 0
    for bound in sorted(histogram):
        seen += histogram[bound]
        if seen >= need:
            return float(bound)
    return float(max(histogram))


def summary(deployment: Deployment, days: int = 30, now: dt.datetime | None = None) -> dict:
    """The monitoring panel's numbers over the last `days` UTC days (today included):
    {"days": [{"day", "requests", "errors"}], "requests", "errors_by_code": {"401": n}, "status_counts",
     "latency_ms": {"p50", "p95"}, "latency_histogram": {"<bound>": n}, "quota": {"month", "used", "limit",
     "fraction"}, "burst_per_minute"}"""
    now = now or timezone.now()
    today = now.astimezone(dt.timezone.utc).date()
    start = today - dt.timedelta(days=max(1, days) - 1)
    per_day: dict[dt.date, dict] = {start + dt.timedelta(days=i): {"requests": 0, "errors": 0}
                                    for i in range((today - start).days + 1)}
    statuses: dict[str, int] = defaultdict(int)
    histogram: dict[int, int] = defaultdict(int)
    for day, metric, count in UsageCount.objects.filter(deployment=deployment, day__gte=start).values_list(
            "day", "metric", "count"):
        entry = per_day.setdefault(day, {"requests": 0, "errors": 0})
        if metric == "requests":
            entry["requests"] += count
        elif metric.startswith("status:"):
            code = metric.split(":", 1)[1]
            statuses[code] += count
            if int(code) >= 400:
                entry["errors"] += count
        elif metric.startswith("latency:"):
            histogram[int(metric.split(":", 1)[1])] += count
    used = quota_used(deployment, now)
    limit = deployment.monthly_quota
    return {
        "days": [{"day": d.isoformat(), **v} for d, v in sorted(per_day.items())],
        "requests": sum(v["requests"] for v in per_day.values()),
        "errors_by_code": {c: n for c, n in sorted(statuses.items()) if int(c) >= 400},
        "status_counts": dict(sorted(statuses.items())),
        "latency_ms": {"p50": percentile(histogram, 0.5), "p95": percentile(histogram, 0.95)},
        "latency_histogram": {str(b): histogram[b] for b in sorted(histogram)},
        "quota": {"month": month_of(now), "used": used, "limit": limit,
                  "fraction": (used / limit if limit else None)},
        "burst_per_minute": deployment.burst_per_minute,
    }
