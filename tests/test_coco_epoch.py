"""COCO keypoint AP inside training: per-epoch coco/* metrics from the validator's own predictions, the two COCO
files of the final validation, and the transferred-layer count of a start from another keypoint count."""
from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from benchmarks._pose_data import coco_to_yolo
from tests.conftest import SAMPLES_DIR
from training.engine.coco_epoch import (
    CocoEpochEvaluator,
    CocoEvalSpec,
    ground_truth_from_yolo,
)
from training.engine.runner import RunSpec, run_training
from training.metrics.coco_eval import evaluate_keypoints

COCO_JSON = SAMPLES_DIR / "coco" / "test_coco.json"
_audit = {"on": False, "events": []}


def _hook(event, args):
    if not _audit["on"]:
        return
    if event == "socket.getaddrinfo" and str(args[0]) not in {"localhost", "127.0.0.1", "::1"}:
        _audit["events"].append((event, args[0]))
    elif event in ("urllib.Request", "http.client.connect"):
        _audit["events"].append((event, args[:2]))
    elif event == "subprocess.Popen" and any("pip" in str(a) for a in (args[1] or [])):
        _audit["events"].append((event, args[1]))


sys.addaudithook(_hook)  # hooks cannot be removed; this one only records while _audit["on"]


class Recorder:
    """A Reporter (training.engine.runner.Reporter) that keeps what it is told."""

    def __init__(self):
        self.epochs = []

    def started(self, **kwargs):
        pass

    def tick(self, **kwargs):
        return False

    def epoch(self, *, epoch, metrics, **kwargs):
        self.epochs.append((epoch, dict(metrics)))
        return False


@pytest.fixture(scope="module")
def coco_folder(tmp_path_factory):
    """The 4 COCO val2017 sample images as a YOLO pose folder whose val split is its train split."""
    out = tmp_path_factory.mktemp("coco_yolo")
    return coco_to_yolo(COCO_JSON, SAMPLES_DIR / "coco", out / "data", val_ids=set(), val_is_train=True)


def test_ground_truth_from_yolo_labels_scores_copied_labels_as_one(coco_folder):
    gt = ground_truth_from_yolo(coco_folder["data_yaml"])
    assert len(gt["images"]) == 4 and gt["categories"][0]["keypoints"][0] == "nose"
    assert len(gt["categories"][0]["sigmas"]) == 17  # from data.yaml kpt_oks_sigmas
    # 14 label rows: 12 people with keypoints and 2 box-only rows, which COCOeval ignores.
    assert len(gt["annotations"]) == 14
    copied = [{"image_id": a["image_id"], "category_id": 1, "keypoints": a["keypoints"], "score": 1.0}
              for a in gt["annotations"] if any(v > 0 for v in a["keypoints"][2::3])]
    result = evaluate_keypoints(gt, copied)
    assert result["ap"] == 1.0 and result["instances"] == 12 and result["people_without_keypoints"] == 2


def test_every_n_epochs_scores_those_and_always_the_last(coco_folder):
    evaluator = CocoEpochEvaluator(CocoEvalSpec(every=3), coco_folder["data_yaml"])
    assert [e for e in range(1, 11) if evaluator.due(e, 10)] == [3, 6, 9, 10]
    assert evaluator.score() == {}  # nothing validated yet


def plain_ap(gt_path, results_path, sigmas) -> float:
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(gt_path))
        ev = COCOeval(gt, gt.loadRes(str(results_path)), "keypoints")
        ev.params.kpt_oks_sigmas = np.array(sigmas)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return float(ev.stats[0])


def test_training_reports_coco_figures_beside_ultralytics_keys(coco_folder, tmp_path):
    recorder = Recorder()
    spec = RunSpec(data_yaml=coco_folder["data_yaml"], project=str(tmp_path / "runs"), model="yolo11n-pose.yaml",
                   epochs=3, batch=4, imgsz=64, extra={"plots": False, "seed": 0, "nbs": 4}, console=False,
                   coco_eval=CocoEvalSpec(ground_truth=coco_folder["val_ground_truth"], every=2))
    _audit.update(on=True, events=[])
    try:  # save_json makes Ultralytics' final validation call its eval_json: it must not fetch or pip-install
        result = run_training(spec, recorder)
    finally:
        _audit["on"] = False
    assert _audit["events"] == []
    assert [e for e, _ in recorder.epochs] == [1, 2, 3]
    by_epoch = dict(recorder.epochs)
    assert "coco/ap" not in by_epoch[1]  # every=2: epoch 1 is skipped, 2 and the last are scored
    for epoch in (2, 3):
        metrics = by_epoch[epoch]
        assert {"coco/ap", "coco/ap50", "coco/ap75", "coco/ar", "coco/seconds"} <= set(metrics)
        assert "metrics/mAP50-95(P)" in metrics and "metrics/precision(B)" in metrics  # Ultralytics' keys stay
        assert 0.0 <= metrics["coco/ap"] <= 1.0
    # The final validation (best.pt) is scored too, and its two files reproduce the figure in plain pycocotools.
    assert "coco/ap" in result.metrics and result.coco["images"] == 4 and result.coco["instances"] == 12
    predictions = json.loads(Path(result.coco_files["predictions"]).read_text())
    assert predictions and {p["image_id"] for p in predictions} <= {785, 40083, 196141, 197388}
    assert plain_ap(result.coco_files["ground_truth"], result.coco_files["predictions"],
                    result.coco["sigmas"]) == pytest.approx(result.coco["ap"], abs=1e-9)
    assert result.transferred is None  # built from the YAML: nothing to transfer


def test_a_start_from_another_keypoint_count_reports_what_transferred(tmp_path):
    import torch
    from ultralytics.nn.tasks import PoseModel

    from training.engine import offline, pretrained

    offline.prepare()
    checkpoint = tmp_path / "yolo11n-pose.pt"
    model = PoseModel("yolo11n-pose.yaml", nc=1, data_kpt_shape=(17, 3), verbose=False)
    model.names = {0: "person"}
    torch.save({"model": model.half(), "train_args": {"task": "pose"}, "epoch": -1}, checkpoint)
    folder = coco_to_yolo(SAMPLES_DIR / "crowdpose" / "test_crowdpose.json", SAMPLES_DIR / "crowdpose",
                          tmp_path / "crowdpose", val_ids=set(), val_is_train=True)  # 14 keypoints
    spec = RunSpec(data_yaml=folder["data_yaml"], project=str(tmp_path / "runs"), model=str(checkpoint), epochs=1,
                   batch=2, imgsz=64, extra={"plots": False, "seed": 0}, console=False,
                   coco_eval=CocoEvalSpec(ground_truth=folder["val_ground_truth"]))
    result = run_training(spec, Recorder())
    expected = pretrained.transfer_report(checkpoint, kpt_shape=(14, 3), nc=1, names={0: "person"})
    assert result.transferred == {"transferred": expected["transferred"], "total": expected["total"]}
    assert result.transferred["transferred"] < result.transferred["total"]
    assert result.coco["sigmas"] == [round(1 / 14, 6)] * 14  # uniform: a 14-point class without its own sigmas
