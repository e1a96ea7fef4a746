"""The YOLO pose engine: offline ONNX export, ONNX Runtime vs PyTorch on real photos, the detect contract."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from PIL import Image

from core.errors import InvalidInput
from deploy.engines.errors import WeightsInvalid
from deploy.engines.types import Engine
from deploy.engines.yolo import YoloPoseEngine, export_onnx, load_yolo_engine, read_pose_checkpoint
from tests.yolo_fixtures import COCO_PHOTOS, tiny_pose_pt

__all__ = ["tiny_pose_pt"]  # a session fixture, imported so pytest finds it

COCO_17 = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
           "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee",
           "left_ankle", "right_ankle"]
# ONNX Runtime and PyTorch run the same float32 graph with different kernels: measured differences on these
# photos were <= 0.007 px (boxes, keypoints) and <= 3e-5 (scores) over every anchor; the bounds leave room.
PIXEL_TOL, SCORE_TOL = 0.05, 1e-3

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
_audit = {"on": False, "events": []}


def _hook(event, args):
    if not _audit["on"]:
        return
    if event == "socket.getaddrinfo" and str(args[0]) not in LOCAL_HOSTS:
        _audit["events"].append((event, args[0]))
    elif event == "socket.connect" and isinstance(args[1], tuple) and str(args[1][0]) not in LOCAL_HOSTS:
        _audit["events"].append((event, args[1]))
    elif event in ("urllib.Request", "http.client.connect"):
        _audit["events"].append((event, args[:2]))
    elif event == "subprocess.Popen" and any("pip" in str(a) for a in (args[1] or [])):
        _audit["events"].append((event, args[1]))


sys.addaudithook(_hook)  # hooks cannot be removed; this one only records while _audit["on"]


@pytest.fixture(scope="module")
def onnx_file(tiny_pose_pt, tmp_path_factory):
    out = tmp_path_factory.mktemp("onnx")
    _audit.update(on=True, events=[])
    try:
        path = export_onnx(tiny_pose_pt, out, imgsz=320)
    finally:
        _audit["on"] = False
    assert _audit["events"] == [], "network or pip activity during the ONNX export"
    return path


@pytest.fixture(scope="module")
def engines(tiny_pose_pt, onnx_file):
    # max_det high enough that no candidate above conf is cut (see the comparison below).
    return (YoloPoseEngine(onnx_file, imgsz=320, threads=2, max_det=100_000),
            YoloPoseEngine(tiny_pose_pt, imgsz=320, threads=2, max_det=100_000))


def photos() -> list[np.ndarray]:
    return [np.asarray(Image.open(p).convert("RGB")) for p in COCO_PHOTOS]


def vectors(instances) -> np.ndarray:
    """[N, 4 + 2K] box corners and keypoint x, y: what must agree."""
    return np.array([[*i.xyxy, *i.keypoints_array()[:, :2].ravel()] for i in instances]).reshape(len(instances), -1)


def matched_share(ours, reference, tol: float = PIXEL_TOL * 10) -> float:
    """Share of `reference` instances that have a counterpart in `ours` with box and keypoints within `tol`
    pixels and confidence within SCORE_TOL * 10. Compared whole (not by box IoU alone): this model puts
    several candidates on one box with different keypoints."""
    if not reference or not ours:
        return float(len(reference) == len(ours))
    a, b = vectors(ours), vectors(reference)
    ca, cb = np.array([i.confidence for i in ours]), np.array([i.confidence for i in reference])
    good = 0
    for row, conf in zip(b, cb):
        close = (np.abs(a - row).max(axis=1) <= tol) & (np.abs(ca - conf) <= SCORE_TOL * 10)
        good += bool(close.any())
    return good / len(reference)


def test_export_is_offline_and_carries_the_checkpoints_names(tiny_pose_pt, onnx_file):
    assert onnx_file.name == "tiny_pose.onnx" and not list(onnx_file.parent.glob(".export-*"))
    info = read_pose_checkpoint(tiny_pose_pt)
    assert info["names"] == ["person"] and info["kpt_shape"] == [17, 3] and info["kpt_names"]["person"] == COCO_17
    engine = YoloPoseEngine(onnx_file)
    assert engine.engine == "onnx" and engine.dynamic is True and engine.imgsz == 320  # from the file
    assert engine.class_names == ("person",) and list(engine.keypoint_names["person"]) == COCO_17


def test_onnx_and_torch_engines_agree_on_real_photos(engines):
    onnx, torch_engine = engines
    assert isinstance(onnx, Engine) and isinstance(torch_engine, Engine)
    # Every anchor's box, score and keypoints before NMS, on each photo's own letterboxed size.
    for photo in photos():
        ours, reference = onnx.raw_outputs(photo), torch_engine.raw_outputs(photo)
        assert ours.shape == reference.shape and ours.shape[1] > 1000 / 4  # rectangular letterbox, all anchors
        diff = np.abs(ours - reference)
        assert diff[:4].max() <= PIXEL_TOL and diff[5:].reshape(17, 3, -1)[:, :2].max() <= PIXEL_TOL
        assert diff[4].max() <= SCORE_TOL and diff[5:].reshape(17, 3, -1)[:, 2].max() <= SCORE_TOL
    # The final instances in original-image pixels: every candidate above conf (iou=1 suppresses nothing, so
    # float round-off cannot make NMS keep a different one of two near-tied boxes: this model's scores are
    # meaningless and often tied). Only candidates within SCORE_TOL of conf may differ.
    ours, reference = onnx.predict(photos(), conf=0.5, iou=1.0), torch_engine.predict(photos(), conf=0.5, iou=1.0)
    assert sum(map(len, reference)) >= 100
    for mine, theirs in zip(ours, reference):
        assert abs(len(mine) - len(theirs)) <= max(1, len(theirs) // 100)
        assert matched_share(mine, theirs) >= 0.99
    # The comparison can fail: the same engine on colour-swapped photos does not pass it.
    swapped = torch_engine.predict([p[:, :, ::-1] for p in photos()], conf=0.5, iou=1.0)
    shares = [matched_share(s, r) for s, r in zip(swapped, reference) if r]
    assert np.mean(shares) < 0.5


def test_predict_answers_the_detect_contract_for_a_batch(engines):
    onnx, _ = engines
    batch = onnx.predict(photos(), conf=0.5, iou=0.45, kpt_thres=0.5)
    assert len(batch) == len(COCO_PHOTOS)
    instance = next(i for image in batch for i in image)
    body = instance.as_json()
    assert list(body) == ["class", "confidence", "x", "y", "width", "height", "keypoints"]
    assert body["class"] == "person" and body["confidence"] >= 0.5
    assert [k["name"] for k in body["keypoints"]] == COCO_17  # every keypoint, whatever kpt_thres
    assert json.loads(json.dumps(body)) == body
    x1, _, x2, _ = instance.xyxy
    assert (body["x"], body["width"]) == (round(x1, 2), round(x2 - x1, 2))
    assert instance.visible() == [k.confidence >= 0.5 for k in instance.keypoints]
    # Best first, and a higher conf only removes instances.
    for image, fewer in zip(batch, onnx.predict(photos(), conf=0.8)):
        scores = [i.confidence for i in image]
        assert scores == sorted(scores, reverse=True) and len(fewer) <= len(image)
    # PIL images, paths and arrays are the same image.
    first = [i.as_json() for i in batch[0]]
    for same in (Image.open(COCO_PHOTOS[0]), COCO_PHOTOS[0], str(COCO_PHOTOS[0])):
        assert [i.as_json() for i in onnx.predict([same], conf=0.5, kpt_thres=0.5)[0]] == first


def test_predict_refuses_a_bare_image_and_bad_thresholds(engines):
    onnx, _ = engines
    with pytest.raises(InvalidInput, match="list of images"):
        onnx.predict(photos()[0])
    for name, value in (("conf", 1.2), ("iou", -0.1), ("kpt_thres", "high")):
        with pytest.raises(InvalidInput) as caught:
            onnx.predict(photos()[:1], **{name: value})
        assert caught.value.field == name


def test_names_passed_in_replace_the_checkpoints(onnx_file):
    names = [f"p{i}" for i in range(17)]
    engine = YoloPoseEngine(onnx_file, class_names=["figure"], keypoint_names=names)
    assert engine.class_names == ("figure",) and engine.keypoint_names == {"figure": tuple(names)}
    [[first, *_]] = engine.predict(photos()[:1], conf=0.5)
    assert first.class_name == "figure" and [k.name for k in first.keypoints] == names
    with pytest.raises(InvalidInput) as caught:
        YoloPoseEngine(onnx_file, keypoint_names=names[:5])
    assert caught.value.field == "keypoint_names"


def test_files_that_are_not_pose_models_are_refused(tiny_pose_pt, tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsInvalid) as caught:
        YoloPoseEngine(junk)
    assert caught.value.code == "weights_invalid" and "junk.pt" in caught.value.message
    with pytest.raises(WeightsInvalid):
        export_onnx(junk, tmp_path / "out")
    with pytest.raises(InvalidInput, match="export it with export_onnx"):
        YoloPoseEngine(tiny_pose_pt, engine="onnx")


def test_onnx_engine_sets_its_own_threads_and_leaves_torchs(onnx_file):
    import torch

    before = torch.get_num_threads()
    engine = YoloPoseEngine(onnx_file, threads=1)
    assert engine.session_threads() == 1 and engine.describe()["threads"] == 1
    assert torch.get_num_threads() == before  # Ultralytics' select_device() would have changed it


def test_load_yolo_engine_exports_once_and_again_when_the_weights_change(tiny_pose_pt, tmp_path):
    import os
    import shutil

    pt = tmp_path / "best.pt"
    shutil.copyfile(tiny_pose_pt, pt)
    first = load_yolo_engine(pt, onnx_dir=tmp_path / "onnx", imgsz=320)
    onnx = tmp_path / "onnx" / "best.onnx"
    stamp = onnx.stat().st_mtime_ns
    load_yolo_engine(pt, onnx_dir=tmp_path / "onnx", imgsz=320)
    assert onnx.stat().st_mtime_ns == stamp  # up to date: not exported again
    os.utime(pt, ns=(stamp + 10**9, stamp + 10**9))  # the .pt was replaced after the export
    load_yolo_engine(pt, onnx_dir=tmp_path / "onnx", imgsz=320)
    assert onnx.stat().st_mtime_ns > stamp
    assert first.engine == "onnx" and load_yolo_engine(pt, engine="torch").engine == "torch"
