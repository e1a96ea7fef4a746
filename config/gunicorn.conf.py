"""gunicorn settings for production serving: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Every number comes from the environment, so one image fits machines of every size (docs/deploy.md,
"Serving in production"):

    WEB_BIND          address to listen on (default 0.0.0.0:$PORT, PORT default 8000)
    WEB_CONCURRENCY   worker processes (default 2; gunicorn's own variable name)
    WEB_THREADS       threads per worker (default 4)
    WEB_TIMEOUT       seconds a request may run before its worker is restarted (default 120)
    WEB_GRACEFUL_TIMEOUT, WEB_KEEPALIVE, WEB_MAX_REQUESTS   (defaults 30, 5, 0 = never recycle)

Why threads: each worker process keeps its own model cache (deploy.engines.cache, MODEL_CACHE_SIZE models),
so memory grows with processes, not threads. Threads share one cache; a model runs one call at a time, so a
thread waiting on inference leaves the others free to answer pages, the API and other models. Processes add
crash isolation and use more cores for pure-Python work, at the price of a full copy of every loaded model.

Command-line flags (`--bind`, `--workers`, ...) still override these values.
"""
from __future__ import annotations

import os


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SystemExit(f"{name} must be at least {minimum}, got {value}")
    return value


bind = os.environ.get("WEB_BIND") or f"0.0.0.0:{_int('PORT', 8000, 1)}"
workers = _int("WEB_CONCURRENCY", 2, 1)
threads = _int("WEB_THREADS", 4, 1)
worker_class = "gthread"  # threads need it; gunicorn's default "sync" worker would ignore WEB_THREADS
# A Sapiens2 forward on a CPU takes 25-75 s per person (docs/sapiens2.md); YOLO requests take milliseconds.
# The timeout is the heartbeat a busy worker must give: under gthread a long request does not block it, so
# this only kills workers that are truly stuck.
timeout = _int("WEB_TIMEOUT", 120, 1)
graceful_timeout = _int("WEB_GRACEFUL_TIMEOUT", 30, 1)
keepalive = _int("WEB_KEEPALIVE", 5, 0)
# Recycling a worker throws its loaded models away (the next request waits for a reload), so it is off unless
# asked for; the jitter keeps workers from restarting together when it is on.
max_requests = _int("WEB_MAX_REQUESTS", 0, 0)
max_requests_jitter = max_requests // 10
# Each worker imports Django (and torch when a model loads) after the fork: a CUDA context or torch's thread
# pools created in the master would not survive fork.
preload_app = False
# The heartbeat file on tmpfs: a worker's heartbeat on an overlay or network filesystem can stall for seconds.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Behind a reverse proxy on the same host or in the compose network; set FORWARDED_ALLOW_IPS to the proxy.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
