"""Which device a worker trains on, and how to describe it. Framework-free.

`probe()` runs in a short-lived subprocess so that a Celery prefork parent never initialises CUDA
(a forked child of a process that touched CUDA cannot use it).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

_PROBE = r"""
import json, os, sys
want = os.environ.get("TRAINING_DEVICE", "").strip()
out = {"device": "cpu", "device_name": "", "memory_bytes": None, "cpu_count": len(os.sched_getaffinity(0))}
try:
    import torch
    if want != "cpu" and torch.cuda.is_available():
        index = int(want.split(":")[-1]) if want.startswith("cuda") and ":" in want else 0
        props = torch.cuda.get_device_properties(index)
        out.update(device=f"cuda:{index}", device_name=props.name, memory_bytes=int(props.total_memory))
except Exception as exc:
    out["error"] = str(exc)
if out["device"] == "cpu":
    import platform
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip(); break
    except OSError:
        pass
    out["device_name"] = f"CPU: {name}, {out['cpu_count']} cores"
print(json.dumps(out))
"""


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def probe(timeout: float = 120.0) -> dict:
    """{"device": "cuda:0"|"cpu", "device_name", "memory_bytes", "cpu_count"} without touching CUDA here."""
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ))
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError, OSError) as exc:
        return {"device": "cpu", "device_name": f"CPU ({exc.__class__.__name__} while probing)",
                "memory_bytes": None, "cpu_count": cpu_count()}


def select() -> tuple[str, str]:
    """In the training process: (Ultralytics device argument, human description)."""
    import torch

    want = os.environ.get("TRAINING_DEVICE", "").strip()
    if want != "cpu" and torch.cuda.is_available():
        index = int(want.split(":")[-1]) if want.startswith("cuda") and ":" in want else 0
        props = torch.cuda.get_device_properties(index)
        return str(index), f"cuda:{index} {props.name} ({props.total_memory / 2**30:.0f} GiB)"
    threads = cpu_threads()
    return "cpu", f"cpu ({threads} thread{'s' if threads != 1 else ''})"


def cpu_threads() -> int:
    """Torch threads for CPU training: TRAINING_CPU_THREADS, else one core left for the rest (max 8).

    That is Ultralytics' own choice. More threads than free cores is far worse than fewer: on a shared
    2-core box, 2 threads made an epoch 3-4x slower than 1 thread (OpenMP threads waiting on each other).
    """
    raw = os.environ.get("TRAINING_CPU_THREADS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return max(1, min(8, cpu_count() - 1))
