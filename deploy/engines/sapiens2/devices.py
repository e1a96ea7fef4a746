"""Device and dtype choice, with the fallbacks said out loud instead of raised."""
from __future__ import annotations

import torch

from .errors import InvalidOption

CPU_NOTICE = (
    "Sapiens2 runs on the CPU here: the 0.4b model takes about 37 s per person (twice that with the flip "
    "test) and the larger sizes take longer. Run pose jobs on a GPU worker (a CUDA machine serving the "
    "`inference` queue) for anything beyond a single test image."
)


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


def resolve_dtype(requested: str | torch.dtype | None, device: torch.device) -> torch.dtype:
    """bf16 on GPUs that support it (half the memory and about twice the speed; heatmaps are decoded in
    float32 either way), float32 elsewhere: CPU bf16 kernels are not faster everywhere and the published
    timings are float32."""
    if isinstance(requested, torch.dtype):
        return requested
    if requested:
        try:
            return _DTYPES[str(requested).lower()]
        except KeyError:
            raise InvalidOption(f"unknown dtype {requested!r}; choose one of {', '.join(sorted(_DTYPES))}") from None
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32
