"""Which task messages the broker holds right now, read without consuming them.

The requeue sweep (config/requeue.py) uses it to tell a queued job whose message waits in the broker (leave
it) from one whose message is gone (a Redis restart without persistence, a flushed queue: send it again).

Read-only and transport-specific on purpose: kombu offers no "peek". Two transports are understood:
- Redis: a queue is a list named after it (priority 0; kombu names other priorities `<queue>\\x06\\x16<n>`)
  plus the `unacked` hash of messages delivered to a worker and not yet acknowledged; both carry the kombu
  message JSON; every key starts with the transport's `global_keyprefix`, if any.
- filesystem: one file per waiting message in `data_folder_in`; a delivered message is gone from the folder.
"""
from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Iterable

log = logging.getLogger(__name__)
PRIORITY_SEP = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)  # kombu's Redis default


def _task_and_args(raw: bytes | str) -> tuple[str, tuple] | None:
    """(task name, args) of one kombu message in Celery's protocol 2 (headers["task"], body [args, kwargs, embed])."""
    try:
        msg = json.loads(raw)
        if isinstance(msg, list):  # unacked entries are [message, exchange, routing_key]
            msg = msg[0]
        task = msg["headers"]["task"]
        body = msg["body"]
        if msg.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        return task, tuple(args)
    except Exception:  # another protocol, or not a task at all (a control message): not ours
        return None


def held_tasks(app, queues: Iterable[str]) -> set[tuple[str, tuple]] | None:
    """The (task name, args) pairs waiting in `queues` or delivered but unacknowledged; None when this
    transport is not understood (the caller then falls back to time alone). A broker that cannot be read
    raises (redis.ConnectionError): the caller skips the round rather than re-send what may be waiting."""
    transport = app.conf.broker_url.split("://", 1)[0]
    found: set[tuple[str, tuple]] = set()
    if transport in ("redis", "rediss"):
        import redis

        prefix = (app.conf.broker_transport_options or {}).get("global_keyprefix", "")
        client = redis.Redis.from_url(app.conf.broker_url, socket_timeout=10, socket_connect_timeout=5)
        try:
            raws: list = []
            for queue in queues:
                for pri in PRIORITY_STEPS:
                    raws += client.lrange(prefix + (queue if pri == 0 else f"{queue}{PRIORITY_SEP}{pri}"), 0, -1)
            raws += client.hvals(prefix + "unacked")
        finally:
            client.close()
    elif transport == "filesystem":
        folder = Path(app.conf.broker_transport_options["data_folder_in"])
        raws = []
        for path in (folder.iterdir() if folder.is_dir() else []):
            try:
                raws.append(path.read_bytes())
            except (FileNotFoundError, IsADirectoryError):  # taken by a worker meanwhile: it holds the task now
                continue
    else:
        return None
    for raw in raws:
        pair = _task_and_args(raw)
        if pair is not None:
            found.add(pair)
    return found
