"""glibc malloc tuning for CPU inference: freed activations stay in the process instead of being faulted back in."""
from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# A batched forward of a small Sapiens2 network, then the minor page faults of five more forwards.
PROBE = """
import json, resource, sys
import torch
from transformers import Sapiens2Config, Sapiens2ForPoseEstimation
from deploy.engines.allocator import keep_freed_memory

applied = keep_freed_memory() if sys.argv[1] == "tuned" else None
torch.manual_seed(0)
config = Sapiens2Config(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=256,
                        num_key_value_attention_heads=2, num_first_full_attention_layers=1,
                        num_last_full_attention_layers=1, image_size=[256, 192], num_labels=308,
                        head_config={"upsample_out_channels": [32, 32], "conv_out_channels": [16]})
network = Sapiens2ForPoseEstimation(config).eval()
pixels = torch.randn(8, 3, 256, 192)
with torch.inference_mode():
    for _ in range(2):
        network(pixel_values=pixels)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        network(pixel_values=pixels)
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5
print(json.dumps({"applied": applied, "faults_per_forward": faults}))
"""


def probe(mode: str) -> dict:
    env = {"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "2", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", PROBE, mode], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the tuning is glibc's mallopt")
def test_batched_cpu_forward_stops_faulting_its_memory_back_in():
    plain, tuned = probe("plain"), probe("tuned")
    assert tuned["applied"] is True
    # One forward frees and re-allocates ~40 MB: about 10,000 fresh 4 KB pages without the tuning.
    assert plain["faults_per_forward"] > 2000, plain
    assert tuned["faults_per_forward"] < plain["faults_per_forward"] / 10, (plain, tuned)


def test_a_user_choice_in_the_environment_is_left_alone(monkeypatch):
    from deploy.engines import allocator

    monkeypatch.setattr(allocator, "_state", {})
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "0")
    assert allocator.keep_freed_memory() is False
