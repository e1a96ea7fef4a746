"""Sapiens2 checkpoints: official layout, strict loading, missing-file errors, `sapiens_info`."""
from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file
from transformers import DetrConfig, Sapiens2ForPoseEstimation
from transformers.core_model_loading import revert_weight_conversion

from core.devices import resolve_device, resolve_dtype
from core.errors import InvalidInput, PosedeckError
from deploy.engines.sapiens2 import CheckpointInvalid, CheckpointNotFound, Sapiens2Engine, sapiens_info, sapiens_pose
from deploy.engines.sapiens2.checkpoints import SIZE_TABLE
from deploy.engines.sapiens2.detector import load_detector
from deploy.engines.sapiens2.model import load_network, pose_config_from_shapes
from tests.sapiens2_fixtures import (KEYS_FILE, OFFICIAL, make_checkpoint_root, official_pose_tensors, person_root,
                                     sample_photo, write_detector, write_pose_checkpoint)

__all__ = ["person_root"]  # a session fixture, imported so pytest finds it

OFFICIAL_KEYS = json.loads(KEYS_FILE.read_text())["models"]


@pytest.mark.parametrize("size", ["0.4b", "1b"])
def test_tiny_checkpoint_naming_rule_reproduces_the_official_layout(size):
    expected = [(name, shape) for name, shape in OFFICIAL_KEYS[size]]
    assert official_pose_tensors(**OFFICIAL[size]) == expected


@pytest.mark.parametrize("size", ["0.4b", "1b"])
def test_config_read_from_official_shapes_builds_a_network_with_exactly_those_tensors(size):
    shapes = {name: shape for name, shape in OFFICIAL_KEYS[size]}
    config = pose_config_from_shapes(shapes)
    table = SIZE_TABLE[size]
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads) == (
        table["hidden_size"], table["layers"], table["heads"])
    layers = table["layers"]
    expected_kv = [table["heads"] if i < 8 or i >= layers - 8 else table["kv_heads"] for i in range(layers)]
    assert config.num_key_value_heads_per_layer == expected_kv
    assert config.head_config.upsample_out_channels == table["head"][0]
    assert config.head_config.conv_out_channels == table["head"][1]
    assert config.num_labels == 308 and list(config.image_size) == [1024, 768]

    with torch.device("meta"):
        network = Sapiens2ForPoseEstimation(config)
    official_names = revert_weight_conversion(network, network.state_dict())
    built = {name: list(tensor.shape) for name, tensor in official_names.items()}
    # transformers recomputes the RoPE periods, so that one buffer is the only tensor it does not hold.
    assert built == {name: shape for name, shape in shapes.items() if name != "backbone.rope_embed.periods"}


def test_loaded_network_holds_every_tensor_of_the_file_not_random_init(tmp_path):
    path = write_pose_checkpoint(tmp_path / "sapiens2_0.4b_pose.safetensors", seed=3)
    network = load_network(path)
    file_tensors = load_file(str(path))
    loaded = revert_weight_conversion(network, network.state_dict())
    assert set(loaded) == set(file_tensors) - {"backbone.rope_embed.periods"}
    for name, tensor in loaded.items():
        assert torch.equal(tensor, file_tensors[name]), name
    assert network.config.num_key_value_heads_per_layer == [4, 2, 4]  # the tiny file's GQA middle layer


def test_a_tensor_missing_from_the_file_is_an_error_not_random_weights(tmp_path):
    path = write_pose_checkpoint(tmp_path / "p.safetensors", drop=("backbone.blocks.1.attn.gamma.weight",))
    with pytest.raises(CheckpointInvalid, match="missing"):
        load_network(path)


def test_a_file_without_the_pose_head_is_named_as_not_a_pose_checkpoint(tmp_path):
    path = write_pose_checkpoint(tmp_path / "p.safetensors", drop=("decode_head.conv_pose.weight",))
    with pytest.raises(CheckpointInvalid, match="decode_head.conv_pose.weight"):
        load_network(path)


def test_a_damaged_file_is_an_invalid_checkpoint(tmp_path):
    path = tmp_path / "sapiens2_0.4b_pose.safetensors"
    path.write_bytes(b"\x00" * 64)
    with pytest.raises(CheckpointInvalid, match="safetensors"):
        load_network(path)


def test_missing_pose_checkpoint_answers_the_path_and_the_download_command(tmp_path):
    root = tmp_path / "root"
    result = sapiens_pose(str(sample_photo()), str(tmp_path / "out"), checkpoint_root=root)
    expected_path = root / "pose" / "sapiens2_0.4b_pose.safetensors"
    assert result["status"] == "error"
    assert result["error"] == "checkpoint_not_found"
    assert result["path"] == str(expected_path)
    assert str(expected_path) in result["content"][0]["text"]
    command = f"hf download facebook/sapiens2-pose-0.4b sapiens2_0.4b_pose.safetensors --local-dir {root / 'pose'}"
    assert result["download_command"] == command
    assert command in result["message"]
    with pytest.raises(CheckpointNotFound, match="sapiens2_0.4b_pose.safetensors"):
        Sapiens2Engine(root, "0.4b", "cpu")


def test_missing_detector_answers_its_folder_and_the_download_command(tmp_path):
    root = make_checkpoint_root(tmp_path / "root", detector=False)
    result = sapiens_pose(str(sample_photo()), str(tmp_path / "out"), checkpoint_root=root, device="cpu")
    assert result["status"] == "error"
    assert result["path"] == str(root / "detector" / "detr-resnet-101-dc5")
    assert "hf download facebook/detr-resnet-101-dc5" in result["message"]
    assert str(root / "detector" / "detr-resnet-101-dc5") in result["message"]


def test_unknown_size_is_answered_with_the_sizes_that_exist(tmp_path):
    result = sapiens_pose(str(sample_photo()), str(tmp_path / "out"), model_size="2b", checkpoint_root=tmp_path)
    assert result["status"] == "error" and result["error"] == "unknown_model_size"
    assert "0.4b, 0.8b, 1b, 5b" in result["message"]


def test_info_lists_present_sizes_detector_device_and_versions(tmp_path):
    root = make_checkpoint_root(tmp_path / "root", sizes=("0.4b", "1b"))
    result = sapiens_info(root)
    assert result["status"] == "success"
    text, info = result["content"][0]["text"], result["content"][1]["json"]
    assert info["available"] == ["0.4b", "1b"]
    assert info["detector_present"] is True and info["detector_type"] == "detr-resnet-101-dc5"
    assert info["pose_checkpoints"]["0.8b"]["present"] is False
    assert "hf download facebook/sapiens2-pose-0.8b" in info["pose_checkpoints"]["0.8b"]["download_command"]
    assert info["versions"]["transformers"] and info["versions"]["torch"] and info["versions"]["timm"]
    assert info["device"] == ("cuda:0" if torch.cuda.is_available() else "cpu")
    # Upstream's inference defaults: float32 (no autocast in vis_pose.py) and the flip test.
    assert info["dtype"] == "float32" and info["flip_test"] is True
    assert "float32 and flip test by default (as upstream)" in text
    assert "0.4b, 1b" in text
    if not torch.cuda.is_available():
        assert "s per person in float32" in info["cpu_notice"] and "GPU worker" in info["cpu_notice"]
        assert info["cpu_notice"] in text


def test_info_on_an_empty_root_says_what_to_download(tmp_path):
    info_result = sapiens_info(tmp_path / "nothing")
    info = info_result["content"][1]["json"]
    assert info["available"] == [] and info["detector_present"] is False
    assert info["checkpoint_root_exists"] is False
    assert "hf download facebook/sapiens2-pose-0.4b" in info_result["content"][0]["text"]
    assert "hf download facebook/detr-resnet-101-dc5" in info_result["content"][0]["text"]


def test_info_reads_the_root_from_the_environment(tmp_path, monkeypatch):
    root = tmp_path / "env_root"
    write_pose_checkpoint(root / "pose" / "sapiens2_0.8b_pose.safetensors")
    monkeypatch.setenv("SAPIENS_CHECKPOINT_ROOT", str(root))
    info = sapiens_info()["content"][1]["json"]
    assert info["checkpoint_root"] == str(root) and info["available"] == ["0.8b"]


def test_legacy_detr_directory_loads_without_asking_the_hub(tmp_path, monkeypatch):
    import huggingface_hub

    def no_network(self, repo_id, *args, **kwargs):
        raise RuntimeError(f"went online to look up {repo_id}")

    monkeypatch.setattr(huggingface_hub.HfApi, "repo_exists", no_network)
    directory = write_detector(tmp_path / "detr")
    assert json.loads((directory / "config.json").read_text())["backbone_kwargs"]
    # The 4.x-era config makes plain transformers look the backbone up on the Hub...
    with pytest.raises(RuntimeError, match="went online"):
        DetrConfig.from_pretrained(str(directory), local_files_only=True)
    # ...and our loader does not.
    detector = load_detector(directory, torch.device("cpu"))
    assert detector.person_id == 1
    assert detector.model.config.backbone_config.output_stride == 16  # DC5: dilation kept
    boxes, scores = detector.detect(torch.zeros(96, 128, 3, dtype=torch.uint8).numpy(), 0.3, 0.3)
    assert boxes.shape[1] == 4 and len(boxes) == len(scores)


def test_cuda_requested_without_cuda_falls_back_to_cpu_with_a_warning():
    device, warning = resolve_device("cuda:0")
    if torch.cuda.is_available():
        assert device == torch.device("cuda:0") and warning is None
    else:
        assert device == torch.device("cpu")
        assert "CUDA was requested" in warning and "CPU" in warning
    assert resolve_device("cpu") == (torch.device("cpu"), None)


@pytest.mark.parametrize("flags", ["fpu avx2 avx512f avx512bw avx512_bf16 avx512_vnni", "fpu avx2 fma", None])
def test_default_dtype_is_float32_as_upstream_whatever_the_cpu(tmp_path, monkeypatch, flags):
    from core import devices

    cpuinfo = tmp_path / "cpuinfo"
    if flags is not None:
        cpuinfo.write_text(f"processor\t: 0\nmodel name\t: x\nflags\t\t: {flags}\n")
    monkeypatch.setattr(devices, "CPU_INFO_FILE", cpuinfo)
    assert resolve_dtype(None, torch.device("cpu")) == torch.float32
    assert devices.cpu_has_native_bf16() is (flags is not None and "avx512_bf16" in flags)  # reported, not used
    assert resolve_dtype("bf16", torch.device("cpu")) == torch.bfloat16  # asked for: always honoured
    assert resolve_dtype("float16") == torch.float16


def test_an_unknown_dtype_is_an_invalid_option_naming_the_field(person_root, tmp_path):
    with pytest.raises(InvalidInput) as caught:
        resolve_dtype("float8")
    assert caught.value.code == "invalid_option" and caught.value.field == "dtype"
    result = sapiens_pose(str(sample_photo()), str(tmp_path / "out"), device="cpu", dtype="float8",
                          checkpoint_root=person_root)
    assert result["status"] == "error" and result["error"] == "invalid_option" and result["field"] == "dtype"


def test_sapiens2_errors_are_posedeck_errors_with_their_codes(tmp_path):
    with pytest.raises(CheckpointNotFound) as caught:
        Sapiens2Engine(tmp_path, "0.4b", "cpu")
    error = caught.value
    assert isinstance(error, PosedeckError) and isinstance(error, FileNotFoundError)
    assert error.status == 400
    body = error.as_dict()
    assert body["error"] == "checkpoint_not_found" and body["path"].endswith("sapiens2_0.4b_pose.safetensors")
    assert body["download_command"].startswith("hf download facebook/sapiens2-pose-0.4b")
