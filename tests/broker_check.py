"""What this test run left in the Celery broker, and emptying it.

A test run owns its broker space: under Redis every key starts with the run's `BROKER_KEY_PREFIX`
(config/settings.py), under the filesystem transport the run has its own `BROKER_DIR`. Only message-holding
keys count (queue lists, the `unacked` hash and its index); kombu's binding sets are routing metadata and
must stay while the run goes on (a producer that declared a queue once never declares it again).
"""
from __future__ import annotations

from pathlib import Path


def _redis():
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.REDIS_URL), settings.BROKER_KEY_PREFIX


def _queue_dir() -> Path:
    from django.conf import settings

    return Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])


def leftovers() -> dict[str, int]:
    """Messages still in this run's broker space: {key or file folder: count}; empty when clean."""
    from django.conf import settings

    found: dict[str, int] = {}
    if settings.REDIS_URL:
        client, prefix = _redis()
        if not prefix:
            return found  # not a test run's own space: nothing here is ours to judge
        for key in client.scan_iter(match=f"{prefix}*", count=500):
            kind = client.type(key).decode()
            count = {"list": client.llen, "hash": client.hlen, "zset": client.zcard}.get(kind, lambda k: 0)(key)
            if count:
                found[key.decode(errors="replace")] = count
    else:
        folder = _queue_dir()
        if folder.is_dir():
            files = [p for p in folder.iterdir() if p.is_file()]
            if files:
                found[str(folder)] = len(files)
    return found


def purge(everything: bool = False) -> int:
    """Drop this run's messages (and with `everything`, its binding keys too: at the end of the run)."""
    from django.conf import settings

    dropped = 0
    if settings.REDIS_URL:
        client, prefix = _redis()
        if not prefix:
            return 0
        for key in client.scan_iter(match=f"{prefix}*", count=500):
            if everything or client.type(key).decode() in ("list", "hash", "zset"):
                dropped += client.delete(key)
    else:
        folder = _queue_dir()
        if folder.is_dir():
            for p in folder.iterdir():
                if p.is_file():
                    p.unlink(missing_ok=True)
                    dropped += 1
    return dropped
