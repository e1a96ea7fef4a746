"""The Sapiens2 pose network from `transformers`, built from the checkpoint's own tensor shapes.

transformers ships no per-size presets, and its defaults (224 px, 2 labels, empty head) do not describe a
pose model, so the config is read off the official file: that way every size, and the tiny test files,
go through the same code. Loading is strict: transformers re-initialises a missing tensor at random and
only prints a report, which would give confident nonsense, so any missing or surplus key is an error.
"""
from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before transformers reads it: nothing here may go online

import numpy as np
import torch
from transformers import Sapiens2Config, Sapiens2ForPoseEstimation, Sapiens2ImageProcessor

from ..allocator import keep_freed_memory
from .checkpoints import read_tensor_shapes
from .decode import flip_back
from .errors import CheckpointInvalid

INPUT_SIZE = (1024, 768)  # (height, width) every released pose checkpoint was trained at
API = "transformers.Sapiens2ForPoseEstimation"
# Surplus file keys that are expected: transformers recomputes the RoPE periods instead of loading them.
_IGNORED_UNEXPECTED = ("periods",)
_IGNORED_MISSING = ("mask_token",)


def _indices(shapes: dict[str, list[int]], prefix: str) -> list[int]:
    found = set()
    for key in shapes:
        if key.startswith(prefix):
            head = key[len(prefix):].split(".", 1)[0]
            if head.isdigit():
                found.add(int(head))
    return sorted(found)


def pose_config_from_shapes(shapes: dict[str, list[int]], input_size: tuple[int, int] = INPUT_SIZE) -> Sapiens2Config:
    """The `Sapiens2Config` that official key names and these shapes describe."""

    def need(key: str) -> list[int]:
        if key not in shapes:
            raise CheckpointInvalid(f"not a Sapiens2 pose checkpoint: tensor {key} is missing")
        return shapes[key]

    hidden, _, patch, _ = need("backbone.patch_embed.projection.weight")
    registers = need("backbone.storage_tokens")[1]
    layers = _indices(shapes, "backbone.blocks.")
    if not layers or layers != list(range(len(layers))):
        raise CheckpointInvalid("not a Sapiens2 pose checkpoint: backbone.blocks.* are missing or not numbered 0..L-1")
    head_dim = need("backbone.blocks.0.attn.q_norm.weight")[0]
    if hidden % head_dim:
        raise CheckpointInvalid(f"hidden size {hidden} is not a multiple of the head size {head_dim}")
    kv_heads = [need(f"backbone.blocks.{i}.attn.wk.weight")[0] // head_dim for i in layers]
    intermediate = need("backbone.blocks.0.ffn.w3.weight")[1]
    if need("backbone.blocks.0.ffn.w12.weight")[0] != 2 * intermediate:
        raise CheckpointInvalid("ffn.w12 is not a fused SwiGLU projection of twice ffn.w3's width")
    deconv = [need(f"decode_head.deconv_layers.{i}.weight") for i in _indices(shapes, "decode_head.deconv_layers.")]
    conv = [need(f"decode_head.conv_layers.{i}.weight") for i in _indices(shapes, "decode_head.conv_layers.")]
    num_labels = need("decode_head.conv_pose.weight")[0]
    block0 = "backbone.blocks.0."
    return Sapiens2Config(
        hidden_size=hidden,
        num_hidden_layers=len(layers),
        num_attention_heads=hidden // head_dim,
        num_key_value_heads_per_layer=kv_heads,
        num_key_value_attention_heads=min(kv_heads),
        intermediate_size=intermediate,
        patch_size=patch,
        num_register_tokens=registers,
        image_size=list(input_size),
        num_labels=num_labels,
        query_bias=block0 + "attn.wq.bias" in shapes,
        key_bias=block0 + "attn.wk.bias" in shapes,
        value_bias=block0 + "attn.wv.bias" in shapes,
        proj_bias=block0 + "attn.proj.bias" in shapes,
        mlp_bias=block0 + "ffn.w12.bias" in shapes,
        head_config={
            # ConvTranspose2d weights are [in, out, k, k]; Conv2d weights are [out, in, k, k].
            "upsample_out_channels": [w[1] for w in deconv],
            "upsample_kernel_sizes": [w[2] for w in deconv],
            "conv_out_channels": [w[0] for w in conv],
            "conv_kernel_sizes": [w[2] for w in conv],
        },
    )


def pixel_mean_std(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The processor's normalisation on the 0-255 scale (ImageNet, RGB), shaped to broadcast over NCHW."""
    mean = torch.tensor(Sapiens2ImageProcessor.image_mean, dtype=torch.float32, device=device) * 255.0
    std = torch.tensor(Sapiens2ImageProcessor.image_std, dtype=torch.float32, device=device) * 255.0
    return mean.view(1, 3, 1, 1), std.view(1, 3, 1, 1)


class PoseModel:
    """A loaded pose network with the device and dtype it runs in."""

    api = API

    def __init__(self, network: Sapiens2ForPoseEstimation, *, path: Path, device: torch.device, dtype: torch.dtype,
                 input_size: tuple[int, int], flip_indices: tuple[int, ...]):
        self.network = network
        self.path = Path(path)
        self.device = device
        self.dtype = dtype
        self.input_size = tuple(input_size)
        self.num_keypoints = network.config.num_labels
        if len(flip_indices) != self.num_keypoints:
            raise CheckpointInvalid(
                f"{path} predicts {self.num_keypoints} keypoints, but the keypoint data has {len(flip_indices)}"
            )
        self.flip_indices = torch.as_tensor(flip_indices, dtype=torch.long, device=device)
        self._mean, self._std = pixel_mean_std(device)
        if device.type == "cpu":
            keep_freed_memory()  # batched CPU forwards otherwise page-fault their activations in on every call

    @property
    def heatmap_size(self) -> tuple[int, int]:
        return self.input_size[0] // 4, self.input_size[1] // 4

    def prepare(self, crops: np.ndarray) -> torch.Tensor:
        """uint8 RGB crops [N, H, W, 3] -> normalised NCHW float32 on the model's device."""
        pixels = torch.from_numpy(np.ascontiguousarray(crops)).to(self.device, non_blocking=True)
        pixels = pixels.permute(0, 3, 1, 2).float()
        return pixels.sub_(self._mean).div_(self._std)  # in place: a batch of crops is 9 MB per person

    @torch.inference_mode()
    def heatmaps(self, pixels: torch.Tensor, *, flip_test: bool = False, max_batch: int = 32) -> torch.Tensor:
        """Float32 heatmaps [N, K, H/4, W/4] for normalised crops, all crops in one forward pass unless there are
        more than `max_batch` (a memory bound for crowded frames). The flip test rides in the same batch."""
        per_pass = max(1, max_batch // 2 if flip_test else max_batch)
        out = []
        for chunk in pixels.split(per_pass):
            batch = torch.cat([chunk, chunk.flip(-1)]) if flip_test else chunk
            maps = self.network(pixel_values=batch.to(self.dtype)).heatmaps.float()
            if flip_test:
                n = chunk.shape[0]
                maps = (maps[:n] + flip_back(maps[n:], self.flip_indices)) / 2
            out.append(maps)
        if not out:
            return torch.zeros((0, self.num_keypoints, *self.heatmap_size), device=self.device)
        return out[0] if len(out) == 1 else torch.cat(out)  # heatmaps are 60 MB per person: no needless copy


def load_network(path: str | os.PathLike, input_size: tuple[int, int] = INPUT_SIZE) -> Sapiens2ForPoseEstimation:
    """The float32 network on the CPU, loaded strictly from an official-format safetensors file."""
    config = pose_config_from_shapes(read_tensor_shapes(path), input_size)
    try:
        network, info = Sapiens2ForPoseEstimation.from_pretrained(
            str(path), config=config, local_files_only=True, output_loading_info=True, dtype=torch.float32
        )
    except (OSError, RuntimeError, ValueError) as exc:
        raise CheckpointInvalid(f"{path} could not be loaded as a Sapiens2 pose checkpoint: {exc}") from exc
    missing = sorted(k for k in info["missing_keys"] if not any(s in k for s in _IGNORED_MISSING))
    unexpected = sorted(k for k in info["unexpected_keys"] if not any(s in k for s in _IGNORED_UNEXPECTED))
    mismatched = sorted(str(k) for k in info.get("mismatched_keys") or ())
    if missing or unexpected or mismatched:
        raise CheckpointInvalid(
            f"{path} does not match the Sapiens2 pose network: missing {missing[:5]}, unexpected {unexpected[:5]}, "
            f"mismatched {mismatched[:5]} (showing at most 5 of each)"
        )
    return network.eval()


def load_pose_model(path: str | os.PathLike, device: torch.device, dtype: torch.dtype, *,
                    flip_indices: tuple[int, ...], input_size: tuple[int, int] = INPUT_SIZE) -> PoseModel:
    """Load a PoseModel (seconds and ~2 GB for the 0.4b). Not cached here: callers keep engines in the
    bounded model cache (deploy.engines.cache)."""
    path = Path(path).resolve()
    network = load_network(path, input_size).to(device=device, dtype=dtype)
    return PoseModel(network, path=path, device=device, dtype=dtype, input_size=input_size, flip_indices=flip_indices)
