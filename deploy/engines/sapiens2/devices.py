"""Device and dtype choice, with the fallbacks said out loud instead of raised."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import torch

from .errors import InvalidOption

# Measured on a 2-core AMD EPYC (Zen 4, avx512_bf16), 0.4b at 1024x768, batch 1: 10.6-12 s in bfloat16 and
# 23-25 s in float32 on a quiet machine, 26-28 s and 37 s while other jobs shared it.
CPU_NOTICE = (
    "Sapiens2 runs on the CPU here: on 2 cores the 0.4b model takes 11-28 s per person in bfloat16 (the "
    "default on CPUs with AVX512-BF16 or AMX) and 23-37 s per person in float32; twice that with the flip "
    "test, longer for the larger sizes. Run pose jobs on a GPU worker (a CUDA machine serving the `inference` "
    "queue) for anything beyond a single test image."
)
CPU_FLAGS_FILE = Path("/proc/cpuinfo")
# x86 flags for bf16 dot-product instructions; without them oneDNN emulates bf16 and it is slower than float32.
_NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def resolve_device(requested: str | torch.device | None) -> tuple[torch.device, str | None]:
    """The device to run on and, when it differs from the one asked for, a warning that says why."""
    name = str(requested or "auto").strip().lower()
    if name == "auto":
        return (torch.device("cuda:0"), None) if torch.cuda.is_available() else (torch.device("cpu"), None)
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        return torch.device("cpu"), f"device {requested!r} is not a torch device ({exc}); running on the CPU instead"
    if device.type == "cuda":
        if not torch.cuda.is_available():
            return torch.device("cpu"), f"CUDA was requested ({name}) but is not available here; fell back to the CPU"
        index = 0 if device.index is None else device.index
        if index >= torch.cuda.device_count():
            return (
                torch.device("cuda:0"),
                f"{name} does not exist ({torch.cuda.device_count()} CUDA device(s)); using cuda:0",
            )
        return torch.device(f"cuda:{index}"), None
    if device.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        return torch.device("cpu"), "MPS was requested but is not available here; fell back to the CPU"
    return device, None


_DTYPES = {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
           "float16": torch.float16, "fp16": torch.float16}


def cpu_has_native_bf16() -> bool:
    """Whether this CPU has bf16 dot-product instructions (AVX512-BF16 or AMX), read from the kernel's CPU
    flags; False where they cannot be read."""
    return any(flag in _cpu_flags(CPU_FLAGS_FILE) for flag in _NATIVE_BF16_FLAGS)


@lru_cache(maxsize=4)
def _cpu_flags(flags_file: Path) -> frozenset[str]:
    """Read once per process: engines are built per request, and /proc/cpuinfo runs to hundreds of KB on
    many-core machines."""
    try:
        text = flags_file.read_text(errors="replace")
    except OSError:
        return frozenset()
    return frozenset(flag for line in text.splitlines() if line.startswith("flags")
                     for flag in line.partition(":")[2].split())


def default_dtype(device: torch.device) -> torch.dtype:
    """bf16 on GPUs that support it and on CPUs with native bf16 instructions, float32 elsewhere.

    Heatmaps are decoded in float32 either way. On a Zen 4 CPU (AVX512-BF16) one 0.4b forward takes 10.6-12 s
    instead of 23-25 s and batching gains more (see docs/sapiens2.md); without those instructions bf16 is
    emulated and slower than float32.
    """
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "cpu" and cpu_has_native_bf16():
        return torch.bfloat16
    return torch.float32


def resolve_dtype(requested: str | torch.dtype | None, device: torch.device) -> torch.dtype:
    """The dtype asked for (a torch dtype or a name such as "float32" / "bf16"), else `default_dtype`."""
    if isinstance(requested, torch.dtype):
        return requested
    if requested:
        try:
            return _DTYPES[str(requested).lower()]
        except KeyError:
            raise InvalidOption(f"unknown dtype {requested!r}; choose one of {', '.join(sorted(_DTYPES))}") from None
    return default_dtype(device)
