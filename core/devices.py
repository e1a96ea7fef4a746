"""Devices, dtypes and CPU threads: one module for training and deploy. Framework-free (no Django).

torch is imported inside the functions that need it: importing this module stays cheap for the web process,
and `probe()` answers from a short-lived subprocess, so a Celery prefork parent never initialises CUDA (a
forked child of a process that touched CUDA cannot use it).

Environment:
    TRAINING_DEVICE        auto (default) | cpu | cuda | cuda:N | mps: the training worker's device
    TRAINING_CPU_THREADS   torch threads for CPU training (default: one core left free, at most 8)
    INFERENCE_CPU_THREADS  threads for CPU inference, torch and ONNX Runtime alike (default: every core)
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from .errors import InvalidInput

TRAINING_DEVICE_ENV = "TRAINING_DEVICE"
TRAINING_THREADS_ENV = "TRAINING_CPU_THREADS"
INFERENCE_THREADS_ENV = "INFERENCE_CPU_THREADS"
CPU_INFO_FILE = Path("/proc/cpuinfo")
_REPO = Path(__file__).resolve().parent.parent
_NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # x86 bf16 dot-product instructions


# ---------------------------------------------------------------- CPU
def cpu_count() -> int:
    """Cores this process may run on (its affinity mask, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _threads_from_env(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def training_threads() -> int:
    """Torch threads for CPU training: TRAINING_CPU_THREADS, else one core left for the rest (max 8).

    That is Ultralytics' own choice. More threads than free cores is far worse than fewer: on a shared 2-core
    box, 2 threads made an epoch 3-4x slower than 1 thread (OpenMP threads waiting on each other).
    """
    return _threads_from_env(TRAINING_THREADS_ENV) or max(1, min(8, cpu_count() - 1))


def inference_threads() -> int:
    """Threads for one CPU inference call (torch intra-op and ONNX Runtime intra-op): INFERENCE_CPU_THREADS,
    else every core.

    A request is latency-bound and engines run one call at a time per model, so all cores go to it. Measured
    on the 2-core dev box, yolo11n-pose at 640 on a 640x392 photo: ONNX Runtime 66 ms with 1 thread, 37 ms
    with 2; torch 110 ms with 1, 63 ms with 2 (docs/deploy.md). With several models busy at once on a small
    machine, set INFERENCE_CPU_THREADS lower so their threads do not fight over the cores.
    """
    return _threads_from_env(INFERENCE_THREADS_ENV) or cpu_count()


@lru_cache(maxsize=4)
def _cpu_info(path: Path) -> tuple[str, frozenset[str]]:
    """(model name, flags) from the kernel's CPU table, read once per process: it runs to hundreds of KB on
    many-core machines and engines may be built per request."""
    name, flags = "", frozenset()
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return name, flags
    for line in text.splitlines():
        if not name and line.startswith("model name"):
            name = line.partition(":")[2].strip()
        elif not flags and line.startswith("flags"):
            flags = frozenset(line.partition(":")[2].split())
    return name, flags


def cpu_name() -> str:
    return _cpu_info(CPU_INFO_FILE)[0] or platform.processor() or platform.machine()


def cpu_has_native_bf16() -> bool:
    """Whether this CPU has bf16 dot-product instructions (AVX512-BF16 or AMX). Informational: without them
    oneDNN emulates bf16 and it is slower than float32; with them bf16 is ~2x faster (docs/sapiens2.md)."""
    return any(flag in _cpu_info(CPU_INFO_FILE)[1] for flag in _NATIVE_BF16_FLAGS)


# ---------------------------------------------------------------- devices
def resolve_device(requested=None):
    """(torch.device, warning or None): the device to run on, and when it differs from the one asked for, a
    sentence saying why. Never raises for a device that is absent: it falls back and says so.

    `requested`: None or "auto" (the first CUDA GPU, else the CPU; MPS only when asked for, as Ultralytics
    does), "cpu", "cuda", "cuda:N", "mps", a bare GPU index such as "0" (Ultralytics' spelling), or a
    torch.device.
    """
    import torch

    name = str(requested if requested is not None else "auto").strip().lower() or "auto"
    if name.isdigit():
        name = f"cuda:{name}"
    if name == "auto":
        return (torch.device("cuda:0") if torch.cuda.is_available() else torch.device("cpu")), None
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        return torch.device("cpu"), f"device {requested!r} is not a torch device ({exc}); running on the CPU instead"
    if device.type == "cuda":
        if not torch.cuda.is_available():
            return torch.device("cpu"), f"CUDA was requested ({name}) but is not available here; fell back to the CPU"
        index = 0 if device.index is None else device.index
        if index >= torch.cuda.device_count():
            return (torch.device("cuda:0"),
                    f"{name} does not exist ({torch.cuda.device_count()} CUDA device(s)); using cuda:0")
        return torch.device(f"cuda:{index}"), None
    if device.type == "mps" and not _mps_available():
        return torch.device("cpu"), "MPS was requested but is not available here; fell back to the CPU"
    if device.type not in ("cpu", "cuda", "mps"):
        return torch.device("cpu"), f"device type {device.type!r} is not supported here; running on the CPU instead"
    return device, None


def _mps_available() -> bool:
    import torch

    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def ultralytics_device(device) -> str:
    """Ultralytics' spelling of a resolved torch device: "cpu", "mps" or the GPU index ("0")."""
    return str(device.index or 0) if device.type == "cuda" else device.type


def describe_device(device, threads: int | None = None) -> str:
    """A line for logs and the UI: "cuda:0 NVIDIA H200 (139 GiB)" or "cpu (2 threads)"."""
    if device.type == "cuda":
        import torch

        props = torch.cuda.get_device_properties(device.index or 0)
        return f"cuda:{device.index or 0} {props.name} ({props.total_memory / 2**30:.0f} GiB)"
    if threads:
        return f"{device.type} ({threads} thread{'s' if threads != 1 else ''})"
    return device.type


def training_device() -> tuple[str, str]:
    """In the training process: (Ultralytics device argument, description) for TRAINING_DEVICE (default auto)."""
    device, _ = resolve_device(os.environ.get(TRAINING_DEVICE_ENV) or "auto")
    threads = training_threads() if device.type == "cpu" else None
    return ultralytics_device(device), describe_device(device, threads)


# ---------------------------------------------------------------- dtypes
DTYPE_NAMES = {"float32": "float32", "fp32": "float32", "bfloat16": "bfloat16", "bf16": "bfloat16",
               "float16": "float16", "fp16": "float16", "half": "float16"}


def resolve_dtype(requested=None, device=None):
    """The torch dtype asked for (a torch dtype or a name: float32/fp32, bfloat16/bf16, float16/fp16), else
    float32 on every device.

    float32 is the default because it is what the upstream pose demos infer in (Sapiens2's vis_pose.py runs
    the float32 checkpoint with no autocast); bf16 is faster but moves keypoints (measured in
    docs/sapiens2.md), so it is an explicit choice. Raises InvalidInput (field "dtype") for an unknown name.
    """
    import torch

    if isinstance(requested, torch.dtype):
        return requested
    if requested:
        name = DTYPE_NAMES.get(str(requested).strip().lower())
        if name is None:
            raise InvalidInput(f"unknown dtype {requested!r}; choose one of {', '.join(sorted(DTYPE_NAMES))}",
                               field="dtype", code="invalid_option")
        return getattr(torch, name)
    return torch.float32


# ---------------------------------------------------------------- the worker's probe
def describe_this_machine(requested: str | None = None) -> dict:
    """{"device": "cuda:0"|"mps"|"cpu", "device_name", "memory_bytes", "cpu_count", "warning"?} for the device
    `requested` (default TRAINING_DEVICE) resolves to. Imports torch and may initialise CUDA: see `probe()`."""
    out = {"device": "cpu", "device_name": "", "memory_bytes": None, "cpu_count": cpu_count()}
    try:
        device, warning = resolve_device(requested if requested is not None
                                         else os.environ.get(TRAINING_DEVICE_ENV) or "auto")
        if warning:
            out["warning"] = warning
        if device.type == "cuda":
            import torch

            props = torch.cuda.get_device_properties(device.index or 0)
            out.update(device=str(device), device_name=props.name, memory_bytes=int(props.total_memory))
        elif device.type == "mps":
            out.update(device="mps", device_name=f"Apple MPS ({cpu_name()})")
    except Exception as exc:  # noqa: BLE001 - a broken torch install must not stop a worker from registering
        out["error"] = f"{type(exc).__name__}: {exc}"
    if out["device"] == "cpu":
        out["device_name"] = f"CPU: {cpu_name()}, {out['cpu_count']} cores"
    return out


def probe(timeout: float = 120.0) -> dict:
    """`describe_this_machine()` computed in a subprocess, so this process never touches CUDA."""
    code = (f"import json, sys; sys.path.insert(0, {str(_REPO)!r}); "
            "from core.devices import describe_this_machine; print(json.dumps(describe_this_machine()))")
    try:
        done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ))
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError, OSError) as exc:
        return {"device": "cpu", "device_name": f"CPU ({exc.__class__.__name__} while probing)",
                "memory_bytes": None, "cpu_count": cpu_count()}
