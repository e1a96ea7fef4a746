"""Where the weights live, how a user gets them, and what a checkpoint file holds (read from its header only).

Layout (the one upstream's demo scripts use):
    $SAPIENS_CHECKPOINT_ROOT/pose/sapiens2_<size>_pose.safetensors
    $SAPIENS_CHECKPOINT_ROOT/detector/detr-resnet-101-dc5/{config.json, model.safetensors | pytorch_model.bin}
Nothing is ever downloaded here: a missing file is an error that prints the command to run elsewhere.
"""
from __future__ import annotations

import os
import shlex
from pathlib import Path

from .errors import CheckpointInvalid, CheckpointNotFound, UnknownModelSize

ENV_VAR = "SAPIENS_CHECKPOINT_ROOT"
DEFAULT_ROOT = "~/sapiens2_host"  # upstream's default, so an existing download is found without configuration
POSE_SIZES = ("0.4b", "0.8b", "1b", "5b")
DETECTOR_NAME = "detr-resnet-101-dc5"
DETECTOR_REPO = "facebook/detr-resnet-101-dc5"
DETECTOR_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")

# Published architecture per size (upstream arch_zoo and pose configs). Used to describe a size before its
# file exists and to name the size of a file; the network itself is built from the file's tensor shapes.
SIZE_TABLE = {
    "0.4b": {"hidden_size": 1024, "layers": 24, "heads": 16, "kv_heads": 8, "head": ([1024, 768], [512, 512, 256])},
    "0.8b": {"hidden_size": 1280, "layers": 32, "heads": 16, "kv_heads": 8, "head": ([1024, 768], [512, 512, 256])},
    "1b": {"hidden_size": 1536, "layers": 40, "heads": 24, "kv_heads": 12, "head": ([1536, 1024], [768, 512, 256])},
    "5b": {"hidden_size": 2432, "layers": 56, "heads": 32, "kv_heads": 16, "head": ([1024, 768], [512, 512, 256])},
}
FP32_BYTES = {"0.4b": 1_702_709_520, "0.8b": 3_394_819_360, "1b": 6_079_120_656, "5b": 20_480_794_652}


def checkpoint_root(root: str | os.PathLike | None = None) -> Path:
    return Path(root or os.environ.get(ENV_VAR) or DEFAULT_ROOT).expanduser()


def check_size(model_size: str) -> str:
    if model_size not in POSE_SIZES:
        raise UnknownModelSize(f"unknown Sapiens2 pose size {model_size!r}; choose one of {', '.join(POSE_SIZES)}")
    return model_size


def pose_filename(model_size: str) -> str:
    return f"sapiens2_{check_size(model_size)}_pose.safetensors"


def pose_checkpoint_path(model_size: str, root: str | os.PathLike | None = None) -> Path:
    return checkpoint_root(root) / "pose" / pose_filename(model_size)


def detector_dir(root: str | os.PathLike | None = None) -> Path:
    return checkpoint_root(root) / "detector" / DETECTOR_NAME


def pose_download_command(model_size: str, root: str | os.PathLike | None = None) -> str:
    target = shlex.quote(str(checkpoint_root(root) / "pose"))
    repo = f"facebook/sapiens2-pose-{check_size(model_size)}"
    return f"hf download {repo} {pose_filename(model_size)} --local-dir {target}"


def detector_download_command(root: str | os.PathLike | None = None) -> str:
    target = shlex.quote(str(detector_dir(root)))
    return f"hf download {DETECTOR_REPO} config.json model.safetensors preprocessor_config.json --local-dir {target}"


def available_pose_sizes(root: str | os.PathLike | None = None) -> list[str]:
    return [size for size in POSE_SIZES if pose_checkpoint_path(size, root).is_file()]


def detector_weights(directory: Path) -> Path | None:
    for name in DETECTOR_WEIGHT_FILES:
        if (directory / name).is_file():
            return directory / name
    return None


def detector_present(root: str | os.PathLike | None = None) -> bool:
    directory = detector_dir(root)
    return (directory / "config.json").is_file() and detector_weights(directory) is not None


def require_pose_checkpoint(model_size: str, root: str | os.PathLike | None = None) -> Path:
    path = pose_checkpoint_path(model_size, root)
    if not path.is_file():
        command = pose_download_command(model_size, root)
        found = available_pose_sizes(root)
        raise CheckpointNotFound(
            f"Sapiens2 {model_size} pose checkpoint not found: looked for {path}. "
            f"Download it on a machine with internet access with `{command}` and copy it there "
            f"(or point {ENV_VAR} at the folder that holds pose/). "
            + (f"Sizes present: {', '.join(found)}." if found else "No pose checkpoint is present."),
            path=str(path),
            download_command=command,
        )
    return path


def require_detector(root: str | os.PathLike | None = None) -> Path:
    directory = detector_dir(root)
    if not detector_present(root):
        command = detector_download_command(root)
        missing = "config.json" if not (directory / "config.json").is_file() else " or ".join(DETECTOR_WEIGHT_FILES)
        raise CheckpointNotFound(
            f"person detector ({DETECTOR_NAME}) not found: looked for {missing} in {directory}. "
            f"Download it on a machine with internet access with `{command}` and copy the folder there. "
            "It needs the `timm` package, which requirements/base.txt installs.",
            path=str(directory),
            download_command=command,
        )
    return directory


def read_tensor_shapes(path: str | os.PathLike) -> dict[str, list[int]]:
    """Tensor name -> shape from the safetensors header, without reading any weights."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            return {key: list(handle.get_slice(key).get_shape()) for key in handle.keys()}
    except Exception as exc:  # safetensors raises several unrelated types for a damaged header
        raise CheckpointInvalid(f"{path} is not a readable safetensors file: {exc}") from exc
