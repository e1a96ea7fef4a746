"""glibc malloc tuning for CPU inference: freed buffers stay in the process instead of being faulted back in."""
from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.engines import allocator
from tests.sapiens2_fixtures import person_root

__all__ = ["person_root"]  # a session fixture, imported so pytest finds it
REPO = Path(__file__).resolve().parent.parent

# What a forward pass does to the heap, without the model's noise: two 16 MB buffers written and freed per
# round. Untuned, glibc gives the freed top of the heap back to the kernel every round (32 MB reaches the
# trim threshold its own adaptation sets), so each round faults 8,192 pages back in.
PROBE = """
import ctypes, json, resource, sys
from deploy.engines.allocator import keep_freed_memory

applied = keep_freed_memory() if sys.argv[1] == "tuned" else None
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
size = 16 << 20

def one_round():
    buffers = [libc.malloc(size) for _ in range(2)]
    for buffer in buffers:
        libc.memset(buffer, 1, size)
    for buffer in buffers:
        libc.free(buffer)

for _ in range(3):
    one_round()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    one_round()
faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10
print(json.dumps({"applied": applied, "faults_per_round": faults}))
"""

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the tuning is glibc's mallopt")


def probe(mode: str, **env) -> dict:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), **env}
    done = subprocess.run([sys.executable, "-c", PROBE, mode], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@glibc_only
def test_freed_buffers_are_reused_instead_of_faulted_back_in():
    plain, tuned = probe("plain"), probe("tuned")
    assert plain["faults_per_round"] > 4000, plain  # 32 MB of 4 KB pages is 8,192
    assert tuned["applied"] is True
    assert tuned["faults_per_round"] < 100, tuned


@glibc_only
def test_a_user_choice_in_the_environment_is_left_alone(monkeypatch):
    chosen = probe("tuned", MALLOC_TRIM_THRESHOLD_="0")
    assert chosen["applied"] is False and chosen["faults_per_round"] > 4000
    monkeypatch.setattr(allocator, "_state", {})
    monkeypatch.setenv("LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2")
    assert allocator.keep_freed_memory() is False


@glibc_only
def test_loading_a_pose_model_on_the_cpu_applies_it(person_root, monkeypatch):
    from deploy.engines.sapiens2 import Sapiens2Engine

    monkeypatch.setattr(allocator, "_state", {})
    Sapiens2Engine(person_root, "0.4b", "cpu")
    assert allocator._state == {"applied": True}
