"""Pretrained starts: the weights folder, transfer counts from a local checkpoint, and fetch failing cleanly offline.

No test downloads anything: the checkpoint is built here from Ultralytics' YAML and saved as a .pt, and the fetch
tests run under an audit hook that refuses every non-local DNS lookup and connection.
"""
from __future__ import annotations

import io
import sys

import pytest

from core.errors import InvalidInput, NotFound, Unavailable
from training.engine import pretrained

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
_audit = {"on": False, "events": []}


class Blocked(OSError):
    pass


def _hook(event, args):
    if not _audit["on"]:
        return
    if event == "socket.getaddrinfo" and str(args[0]) not in LOCAL_HOSTS:
        _audit["events"].append((event, str(args[0])))
        raise Blocked(f"test: no network ({args[0]})")
    if event == "socket.connect" and isinstance(args[1], tuple) and str(args[1][0]) not in LOCAL_HOSTS:
        _audit["events"].append((event, args[1]))
        raise Blocked("test: no network")
    if event in ("urllib.Request", "http.client.connect", "subprocess.Popen"):
        _audit["events"].append((event, str(args[:2])))


sys.addaudithook(_hook)  # hooks cannot be removed; this one only acts while _audit["on"]


def pose_model(kpt_shape, nc=1):
    from ultralytics.nn.tasks import PoseModel

    return PoseModel("yolo11n-pose.yaml", nc=nc, data_kpt_shape=kpt_shape, verbose=False)


@pytest.fixture(scope="module")
def coco17_checkpoint(tmp_path_factory):
    """Shaped like Ultralytics' COCO-pretrained yolo11n-pose.pt (one class "person", 17 keypoints), built here from
    the package's YAML and saved the way Ultralytics saves checkpoints (untrained weights: only shapes matter)."""
    import torch

    from training.engine import offline

    offline.prepare()
    model = pose_model((17, 3))
    model.names = {0: "person"}
    path = tmp_path_factory.mktemp("weights") / "yolo11n-pose.pt"
    torch.save({"model": model.half(), "train_args": {"task": "pose", "imgsz": 640}, "epoch": -1}, path)
    return path


def test_names_are_ultralytics_release_names():
    assert pretrained.NAMES[:5] == ("yolo11n-pose.pt", "yolo11s-pose.pt", "yolo11m-pose.pt", "yolo11l-pose.pt",
                                    "yolo11x-pose.pt")
    assert "yolo26x-pose.pt" in pretrained.NAMES and len(pretrained.NAMES) == 10
    from ultralytics.utils.downloads import GITHUB_ASSETS_NAMES

    assert set(pretrained.NAMES) <= GITHUB_ASSETS_NAMES  # what attempt_download_asset knows how to fetch


def test_the_form_offers_only_checkpoints_in_the_weights_folder(coco17_checkpoint, tmp_path):
    assert pretrained.available(tmp_path) == []
    found = pretrained.available(coco17_checkpoint.parent)
    assert [c.name for c in found] == ["yolo11n-pose.pt"] and found[0].algorithm == "yolo11n-pose"
    row = found[0].as_dict()
    assert row["available"] and row["size_bytes"] > 100_000 and row["url"].endswith("/yolo11n-pose.pt")
    assert pretrained.checkpoint_path("yolo11n-pose.pt", coco17_checkpoint.parent) == coco17_checkpoint
    with pytest.raises(NotFound) as err:
        pretrained.checkpoint_path("yolo26s-pose.pt", coco17_checkpoint.parent)
    assert err.value.field == "name" and "fetch_weights yolo26s-pose.pt" in err.value.message
    with pytest.raises(InvalidInput) as err:
        pretrained.checkpoint_path("yolo11n.pt", tmp_path)
    assert err.value.field == "name"


def test_same_keypoint_count_transfers_everything(coco17_checkpoint):
    report = pretrained.transfer_report(coco17_checkpoint, kpt_shape=(17, 3))
    assert report["complete"] and report["transferred"] == report["total"] > 400
    assert report["checkpoint_kpt_shape"] == [17, 3]


def test_another_keypoint_count_transfers_all_but_the_keypoint_outputs(coco17_checkpoint):
    full = pretrained.transfer_report(coco17_checkpoint, kpt_shape=(17, 3))
    five = pretrained.transfer_report(coco17_checkpoint, kpt_shape=(5, 3), nc=1)
    assert five["kpt_shape"] == [5, 3] and not five["complete"]
    assert five["total"] == full["total"]
    # What does not fit is exactly the keypoint head's tensors whose shape depends on K (cv4: its width is
    # max(channels / 4, 3K) and its last conv outputs 3K), nothing else.
    a, b = pose_model((17, 3)).state_dict(), pose_model((5, 3)).state_dict()
    misfits = [k for k in b if a[k].shape != b[k].shape]
    assert misfits and all(".cv4." in k for k in misfits)
    assert five["transferred"] == five["total"] - len(misfits)


def test_transfer_counts_parse_from_a_training_log():
    log = "...\nTransferred 535/541 items from pretrained weights\n..."
    assert pretrained.parse_transferred(log) == (535, 541)
    assert pretrained.parse_transferred("nothing here") is None


def test_a_file_that_is_no_checkpoint_is_a_clean_error(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(InvalidInput) as err:
        pretrained.transfer_report(bad, kpt_shape=(5, 3))
    assert err.value.field == "weights"


def test_fetch_offline_fails_cleanly_without_connecting_or_downloading(tmp_path):
    _audit.update(on=True, events=[])
    try:
        with pytest.raises(Unavailable) as err:
            pretrained.fetch("yolo26n-pose.pt", tmp_path, probe_timeout_s=2)
    finally:
        _audit["on"] = False
    assert err.value.code == "offline" and err.value.field == "name" and err.value.status == 503
    assert "github.com" in err.value.message and str(tmp_path) in err.value.message
    # The DNS lookup was refused; nothing connected, no URL was requested and no download process started.
    assert [e for e, _ in _audit["events"]] == ["socket.getaddrinfo"]
    assert not (tmp_path / "yolo26n-pose.pt").exists()


def test_fetch_of_a_file_already_there_touches_no_network(coco17_checkpoint):
    _audit.update(on=True, events=[])
    try:
        assert pretrained.fetch("yolo11n-pose.pt", coco17_checkpoint.parent) == coco17_checkpoint
    finally:
        _audit["on"] = False
    assert _audit["events"] == []
    with pytest.raises(InvalidInput):
        pretrained.fetch("yolo11n.pt", coco17_checkpoint.parent)


def test_fetch_weights_command_lists_and_refuses_cleanly_offline(settings, tmp_path):
    from django.core.management import CommandError, call_command

    settings.WEIGHTS_DIR = tmp_path
    out = io.StringIO()
    call_command("fetch_weights", "--list", stdout=out)
    assert "yolo26x-pose.pt" in out.getvalue() and "missing" in out.getvalue() and str(tmp_path) in out.getvalue()
    _audit.update(on=True, events=[])
    try:
        with pytest.raises(CommandError) as err:
            call_command("fetch_weights", "yolo11s-pose.pt", stdout=io.StringIO())
    finally:
        _audit["on"] = False
    assert "github.com is not reachable" in str(err.value) and "copy it into" in str(err.value)
    assert [e for e, _ in _audit["events"]] == ["socket.getaddrinfo"]
