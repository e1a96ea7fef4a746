"""Tiny random-weight checkpoints in the official formats, built here because no real weights exist in CI.

- Sapiens2 pose: a safetensors file with upstream's tensor names (`backbone.blocks.N.attn.wq.weight`,
  `decode_head.deconv_layers.0.weight`, ...) and small shapes, written by the same naming rule that
  reproduces the real 0.4b/1b layouts (checked against tests/sapiens2_pose_keys.json).
- DETR: a directory shaped like facebook/detr-resnet-101-dc5 as a 2021 checkpoint saves it (legacy
  timm config with `backbone_kwargs`, old `conv_encoder` weight names, a DetrFeatureExtractor
  preprocessor file), with a 0.4 M-parameter timm `test_resnet` instead of ResNet-101.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import torch
from safetensors.torch import save_file

KEYS_FILE = Path(__file__).resolve().parent / "sapiens2_pose_keys.json"
SAMPLES_DIR = Path(__file__).resolve().parent / "data"

TINY = dict(hidden=64, layers=3, heads=4, kv_heads=2, first_full=1, last_full=1, deconv=(32, 32), conv=(16, 16, 16))
# Upstream sizes in the same terms (arch_zoo + pose configs); GQA in all but the first and last 8 layers.
OFFICIAL = {
    "0.4b": dict(hidden=1024, layers=24, heads=16, kv_heads=8, deconv=(1024, 768), conv=(512, 512, 256)),
    "1b": dict(hidden=1536, layers=40, heads=24, kv_heads=12, deconv=(1536, 1024), conv=(768, 512, 256)),
}


def official_pose_tensors(hidden: int, layers: int, heads: int, kv_heads: int, deconv=(1024, 768),
                          conv=(512, 512, 256), num_keypoints: int = 308, patch: int = 16, registers: int = 8,
                          first_full: int = 8, last_full: int = 8, mlp_ratio: int = 4) -> list[tuple[str, list[int]]]:
    """(name, shape) of every tensor in an official `sapiens2_<size>_pose.safetensors`, in upstream's order."""
    head_dim = hidden // heads
    ffn = hidden * mlp_ratio
    out = [("backbone.patch_embed.projection.weight", [hidden, 3, patch, patch]),
           ("backbone.patch_embed.projection.bias", [hidden]),
           ("backbone.rope_embed.periods", [head_dim // 4]),
           ("backbone.cls_token", [1, 1, hidden]),
           ("backbone.storage_tokens", [1, registers, hidden])]
    for i in range(layers):
        kv = heads if (i < first_full or i >= layers - last_full) else kv_heads
        b = f"backbone.blocks.{i}."
        out += [(b + "ln1.weight", [hidden]),
                (b + "attn.wq.weight", [hidden, hidden]), (b + "attn.wq.bias", [hidden]),
                (b + "attn.wk.weight", [kv * head_dim, hidden]), (b + "attn.wk.bias", [kv * head_dim]),
                (b + "attn.wv.weight", [kv * head_dim, hidden]), (b + "attn.wv.bias", [kv * head_dim]),
                (b + "attn.q_norm.weight", [head_dim]), (b + "attn.k_norm.weight", [head_dim]),
                (b + "attn.proj.weight", [hidden, hidden]), (b + "attn.proj.bias", [hidden]),
                (b + "attn.gamma.weight", [hidden]),
                (b + "ln2.weight", [hidden]),
                (b + "ffn.w12.weight", [2 * ffn, hidden]), (b + "ffn.w12.bias", [2 * ffn]),
                (b + "ffn.w3.weight", [hidden, ffn]), (b + "ffn.w3.bias", [hidden])]
    out.append(("backbone.ln1.weight", [hidden]))
    channels = hidden
    for j, c in enumerate(deconv):  # Sequential: ConvTranspose2d, InstanceNorm2d, SiLU per stage
        out.append((f"decode_head.deconv_layers.{3 * j}.weight", [channels, c, 4, 4]))
        channels = c
    for j, c in enumerate(conv):  # Sequential: Conv2d 1x1, InstanceNorm2d, SiLU per stage
        out += [(f"decode_head.conv_layers.{3 * j}.weight", [c, channels, 1, 1]),
                (f"decode_head.conv_layers.{3 * j}.bias", [c])]
        channels = c
    out += [("decode_head.conv_pose.weight", [num_keypoints, channels, 1, 1]),
            ("decode_head.conv_pose.bias", [num_keypoints])]
    return out


def random_tensor(name: str, shape: list[int], generator: torch.Generator) -> torch.Tensor:
    """Values of the right scale for each kind of tensor, so activations and heatmaps stay finite and varied."""
    if name.endswith("periods"):
        head_dim = shape[0] * 4
        return 100.0 ** (4 * torch.arange(shape[0], dtype=torch.float32) / head_dim)
    noise = torch.randn(shape, generator=generator)
    if "norm" in name or ".ln" in name:
        return 1.0 + 0.1 * noise
    if name.endswith("gamma.weight"):
        return 0.5 + 0.1 * noise
    if name.endswith(".bias"):
        return 0.05 * noise
    if len(shape) == 1 or name.endswith(("cls_token", "storage_tokens")):
        return 0.02 * noise
    fan_in = shape[0] * shape[2] * shape[3] if "deconv" in name else math.prod(shape[1:])
    return noise / math.sqrt(fan_in)


def write_pose_checkpoint(path: Path, seed: int = 0, drop: tuple[str, ...] = (), **dims) -> Path:
    dims = {**TINY, **dims}
    generator = torch.Generator().manual_seed(seed)
    tensors = {name: random_tensor(name, shape, generator).contiguous()
               for name, shape in official_pose_tensors(**dims) if name not in drop}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata={"format": "pt"})
    return path


COCO_LABELS = {0: "N/A", 1: "person", 2: "bicycle", 3: "car", 17: "cat", 18: "dog"}


def write_detector(directory: Path, person_box: tuple[float, float, float, float] | None = None, seed: int = 0) -> Path:
    """A tiny DETR saved like the 2021 hub checkpoint. With `person_box` (cx, cy, w, h as fractions of the
    image) every query answers "person" at that box with score ~0.996; without it the random head finds
    nobody above any usual threshold."""
    from safetensors.torch import load_file
    from transformers import DetrConfig, DetrForObjectDetection

    torch.manual_seed(seed)
    id2label = {i: COCO_LABELS.get(i, f"LABEL_{i}") for i in range(91)}
    config = DetrConfig(use_timm_backbone=True, backbone="test_resnet", use_pretrained_backbone=False, dilation=True,
                        d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                        decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, num_queries=10,
                        id2label=id2label, label2id={v: k for k, v in id2label.items()})
    model = DetrForObjectDetection(config).eval()
    if person_box is not None:
        with torch.no_grad():
            model.class_labels_classifier.weight.zero_()
            model.class_labels_classifier.bias.zero_()
            model.class_labels_classifier.bias[1] = 10.0
            last = model.bbox_predictor.layers[-1]
            last.weight.zero_()
            last.bias.copy_(torch.logit(torch.tensor(person_box, dtype=torch.float32)))
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(directory))
    legacy = json.loads((directory / "config.json").read_text())
    legacy.pop("backbone_config", None)
    legacy.update(use_timm_backbone=True, backbone="test_resnet", dilation=True, use_pretrained_backbone=True,
                  backbone_kwargs={"in_chans": 3, "out_indices": [1, 2, 3, 4], "output_stride": 16})
    (directory / "config.json").write_text(json.dumps(legacy, indent=2))
    weights = load_file(str(directory / "model.safetensors"))
    old_names = {k.replace("model.backbone.model.", "model.backbone.conv_encoder.model."): v
                 for k, v in weights.items()}
    save_file(old_names, str(directory / "model.safetensors"), metadata={"format": "pt"})
    # The hub's 274-byte legacy preprocessor file, with a smaller resize so tests stay fast.
    (directory / "preprocessor_config.json").write_text(json.dumps({
        "do_normalize": True, "do_resize": True, "feature_extractor_type": "DetrFeatureExtractor",
        "format": "coco_detection", "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225],
        "max_size": 480, "size": 320}))
    return directory


def make_checkpoint_root(root: Path, *, sizes=("0.4b",), person_box=None, detector=True, seed=0) -> Path:
    for size in sizes:
        write_pose_checkpoint(root / "pose" / f"sapiens2_{size}_pose.safetensors", seed=seed)
    if detector:
        write_detector(root / "detector" / "detr-resnet-101-dc5", person_box=person_box, seed=seed)
    return root


PERSON_BOX = (0.45, 0.55, 0.3, 0.6)  # cx, cy, w, h as fractions of the image


@pytest.fixture(scope="session")
def person_root(tmp_path_factory) -> Path:
    """Checkpoint root whose detector sees one person at PERSON_BOX in every image."""
    return make_checkpoint_root(tmp_path_factory.mktemp("sapiens2_person"), person_box=PERSON_BOX)


@pytest.fixture(scope="session")
def nobody_root(tmp_path_factory) -> Path:
    """Checkpoint root whose (random) detector finds nobody, so the whole image is one box."""
    return make_checkpoint_root(tmp_path_factory.mktemp("sapiens2_nobody"), person_box=None)


def sample_photo(name: str = "000000197388.jpg") -> Path:
    """A real COCO photo from tests/data/coco (people in it), falling back to any image there."""
    path = SAMPLES_DIR / "coco" / name
    if path.is_file():
        return path
    found = sorted((SAMPLES_DIR / "coco").glob("*.jpg"))
    if not found:
        raise FileNotFoundError(f"no COCO images under {SAMPLES_DIR / 'coco'}")
    return found[0]
