"""The engine layer's shared pieces: the result type's JSON, the image reader, the devices module."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from core import devices
from core.errors import InvalidInput
from deploy.engines.errors import ImageUnreadable
from deploy.engines.images import as_rgb_uint8, read_rgb
from deploy.engines.types import Instance, Keypoint, check_thresholds

REPO = Path(__file__).resolve().parent.parent


def person(**extras) -> Instance:
    return Instance.from_arrays(class_name="person", confidence=np.float32(0.87654321), box_xyxy=[10.123, 20, 110.5, 220],
                                keypoints_xy=np.array([[15.555, 25.0], [0, 0]]), keypoint_conf=[0.9, 0.05],
                                keypoint_names=["nose", "left_eye"], kpt_thres=0.5, extras=extras)


# ---------------------------------------------------------------- result type
def test_as_json_is_exactly_the_detect_contract():
    body = person().as_json()
    assert list(body) == ["class", "confidence", "x", "y", "width", "height", "keypoints"]
    assert body == {"class": "person", "confidence": 0.8765, "x": 10.12, "y": 20.0, "width": 100.38, "height": 200.0,
                    "keypoints": [{"name": "nose", "x": 15.55, "y": 25.0, "confidence": 0.9},
                                  {"name": "left_eye", "x": 0.0, "y": 0.0, "confidence": 0.05}]}
    assert all(type(v) is float for v in (body["confidence"], body["x"], body["keypoints"][0]["x"]))
    assert json.loads(json.dumps(body)) == body


def test_extras_follow_the_contract_keys_and_cannot_replace_them():
    body = person(whole_image=True).with_extras(text="AB 123").as_json()
    assert list(body)[-2:] == ["whole_image", "text"] and body["text"] == "AB 123"
    assert "text" not in person().as_json() and "whole_image" not in person(whole_image=True).as_json(extras=False)
    with pytest.raises(ValueError, match="contract"):
        person(confidence=1.0)


def test_kpt_thres_marks_visibility_without_dropping_keypoints():
    instance = person()
    assert len(instance.keypoints) == 2 and instance.visible() == [True, False]
    assert instance.visible(0.01) == [True, True]
    assert instance.keypoints_xyv() == [[15.555, 25.0, 2], [0.0, 0.0, 0]]
    assert instance.xyxy == (10.123, 20.0, 110.5, 220.0)
    assert instance.keypoints[0] == Keypoint("nose", 15.555, 25.0, 0.9)


def test_from_arrays_refuses_mismatched_names():
    with pytest.raises(ValueError, match="names"):
        Instance.from_arrays(class_name="p", confidence=1, box_xyxy=[0, 0, 1, 1], keypoints_xy=[[0, 0]],
                             keypoint_conf=[1], keypoint_names=["a", "b"])


def test_thresholds_are_checked_and_named():
    assert check_thresholds("0.3", 0.45, 0) == (0.3, 0.45, 0.0)
    for args, field in (((1.5, 0.4, 0), "conf"), ((0.3, -1, 0), "iou"), ((0.3, 0.4, None), "kpt_thres")):
        with pytest.raises(InvalidInput) as caught:
            check_thresholds(*args)
        assert caught.value.field == field


# ---------------------------------------------------------------- images
def test_a_16_bit_greyscale_png_keeps_its_values_instead_of_turning_white(tmp_path):
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (32, 1))
    Image.fromarray(ramp).save(tmp_path / "ramp.png")
    assert Image.open(tmp_path / "ramp.png").mode == "I;16"
    rgb = read_rgb(tmp_path / "ramp.png")
    assert rgb.shape == (32, 256, 3) and rgb.dtype == np.uint8
    np.testing.assert_array_equal(rgb[0, :, 0], (ramp[0] >> 8).astype(np.uint8))  # OpenCV's 8-bit reading
    assert rgb[0, 0, 0] == 0 and rgb[0, -1, 0] == 255 and 100 < rgb.mean() < 155  # a ramp, not white
    np.testing.assert_array_equal(as_rgb_uint8(ramp), rgb)  # the same from a uint16 array


def test_images_over_the_pixel_limit_are_refused_with_an_error(tmp_path, monkeypatch):
    Image.new("RGB", (100, 100), "red").save(tmp_path / "big.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5000)  # 10,000 pixels: over the limit, under twice it
    with pytest.raises(ImageUnreadable) as caught:
        read_rgb(tmp_path / "big.png")
    assert caught.value.code == "not_an_image" and "big.png" in caught.value.message
    assert caught.value.status == 400


def test_exif_orientation_is_applied(tmp_path):
    image = Image.new("RGB", (40, 20), "blue")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees
    image.save(tmp_path / "turned.jpg", exif=exif)
    assert read_rgb(tmp_path / "turned.jpg").shape == (40, 20, 3)


def test_arrays_and_pil_modes_become_rgb_uint8(tmp_path):
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert as_rgb_uint8(grey).shape == (3, 4, 3)
    assert as_rgb_uint8(np.ones((3, 4, 4), np.float32)).max() == 255  # floats in 0..1, alpha dropped
    assert as_rgb_uint8(Image.new("P", (4, 3))).shape == (3, 4, 3)
    assert as_rgb_uint8(np.full((2, 2), 300, np.int64)).max() == 255
    assert as_rgb_uint8(Image.new("RGB", (4, 3))).flags.writeable
    for bad in (np.zeros((3, 4, 2)), np.zeros((0, 4, 3)), np.array([["a"]])):
        with pytest.raises(ImageUnreadable):
            as_rgb_uint8(bad)
    (tmp_path / "x.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(ImageUnreadable, match="x.jpg"):
        as_rgb_uint8(tmp_path / "x.jpg")


# ---------------------------------------------------------------- devices
def test_absent_devices_fall_back_to_the_cpu_with_a_warning():
    device, warning = devices.resolve_device("cuda:0")
    if torch.cuda.is_available():
        assert device == torch.device("cuda:0") and warning is None
    else:
        assert device == torch.device("cpu") and "CUDA was requested" in warning
    assert devices.resolve_device("cpu") == (torch.device("cpu"), None)
    assert devices.resolve_device("nonsense")[1].startswith("device 'nonsense' is not a torch device")
    if not torch.backends.mps.is_available():
        assert devices.resolve_device("mps") == (torch.device("cpu"),
                                                 "MPS was requested but is not available here; fell back to the CPU")
    assert devices.resolve_device("auto")[1] is None and devices.resolve_device(None)[1] is None
    assert devices.ultralytics_device(torch.device("cuda:1")) == "1"
    assert devices.ultralytics_device(torch.device("cpu")) == "cpu"


def test_thread_counts_come_from_the_environment_or_the_cores(monkeypatch):
    cores = devices.cpu_count()
    monkeypatch.delenv("TRAINING_CPU_THREADS", raising=False)
    monkeypatch.delenv("INFERENCE_CPU_THREADS", raising=False)
    assert devices.training_threads() == max(1, min(8, cores - 1))
    assert devices.inference_threads() == cores
    monkeypatch.setenv("TRAINING_CPU_THREADS", "3")
    monkeypatch.setenv("INFERENCE_CPU_THREADS", "5")
    assert (devices.training_threads(), devices.inference_threads()) == (3, 5)
    monkeypatch.setenv("INFERENCE_CPU_THREADS", "zero")
    assert devices.inference_threads() == cores


def test_training_device_is_the_ultralytics_argument_and_a_description(monkeypatch):
    monkeypatch.setenv("TRAINING_DEVICE", "cpu")
    monkeypatch.setenv("TRAINING_CPU_THREADS", "1")
    assert devices.training_device() == ("cpu", "cpu (1 thread)")


def test_the_worker_probe_answers_from_a_subprocess_with_the_same_choice():
    env = {**os.environ, "TRAINING_DEVICE": "cuda:0"}
    code = (f"import sys, json; sys.path.insert(0, {str(REPO)!r}); from core import devices; "
            "print(json.dumps(devices.probe())); print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                          check=True)
    info_line, torch_here = done.stdout.strip().splitlines()[-2:]
    info = json.loads(info_line)
    assert torch_here == "False"  # the probing process never imported torch (nor touched CUDA)
    assert set(info) >= {"device", "device_name", "memory_bytes", "cpu_count"}
    if not torch.cuda.is_available():
        assert info["device"] == "cpu" and info["device_name"].startswith("CPU: ")
        assert "CUDA was requested" in info["warning"]
