"""OKS, PCK and the per-keypoint summary against answers worked out by hand (no Django, no torch)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from training.metrics import AREA_FACTOR, KeypointAccumulator, keypoint_similarity, match_instances, oks, oks_matrix, pck_hits


def test_oks_is_one_for_a_perfect_prediction():
    gt = [[10, 10, 2], [20, 30, 1], [0, 0, 0]]
    assert oks(gt, [[10, 10], [20, 30], [99, 99]], area=100, sigmas=[0.1, 0.1, 0.1]) == pytest.approx(1.0)


def test_oks_known_value():
    # d^2 = 3^2 + 4^2 = 25; (2 sigma)^2 = 1 for sigma 0.5; e = 25 / (1 * 12.5 * 2) = 1 -> ks = exp(-1)
    ks = keypoint_similarity([[0, 0, 2]], [[3, 4]], area=12.5, sigmas=[0.5])
    assert ks[0] == pytest.approx(math.exp(-1))
    # Two visible keypoints, one exact and one at exp(-1): OKS is their mean.
    value = oks([[0, 0, 2], [0, 0, 2]], [[0, 0], [3, 4]], area=12.5, sigmas=[0.5, 0.5])
    assert value == pytest.approx((1 + math.exp(-1)) / 2)


def test_oks_ignores_keypoints_the_ground_truth_does_not_see():
    gt = [[0, 0, 2], [50, 50, 0]]
    assert oks(gt, [[0, 0], [0, 0]], area=10, sigmas=[0.1, 0.1]) == pytest.approx(1.0)
    assert np.isnan(keypoint_similarity(gt, [[0, 0], [0, 0]], area=10, sigmas=[0.1, 0.1])[1])
    assert oks([[1, 1, 0]], [[1, 1]], area=10, sigmas=[0.1]) == 0.0


def test_oks_matrix_agrees_with_single_pairs():
    rng = np.random.default_rng(0)
    gts = np.concatenate([rng.uniform(0, 100, (3, 5, 2)), np.full((3, 5, 1), 2.0)], axis=-1)
    gts[1, 2, 2] = 0
    preds = rng.uniform(0, 100, (4, 5, 3))
    areas = np.array([900.0, 400.0, 2500.0])
    sigmas = [0.026, 0.025, 0.079, 0.107, 0.089]
    m = oks_matrix(gts, preds, areas, sigmas)
    assert m.shape == (3, 4)
    for g in range(3):
        for p in range(4):
            assert m[g, p] == pytest.approx(oks(gts[g], preds[p], areas[g], sigmas))
    assert oks_matrix(np.zeros((0, 5, 3)), preds, np.zeros(0), sigmas).shape == (0, 4)


def test_pck_threshold_is_five_percent_of_the_box_diagonal():
    # Box 30 x 40: diagonal 50, threshold 2.5 px.
    gt = [[10, 10, 2], [10, 10, 2], [10, 10, 1], [10, 10, 0]]
    pred = [[12, 10], [13, 10], [11.5, 12], [10, 10]]  # 2.0 hit, 3.0 miss, 2.5 hit (boundary), invisible
    hits = pck_hits(gt, pred, (30, 40))
    assert hits[:3].tolist() == [1.0, 0.0, 1.0] and np.isnan(hits[3])
    assert pck_hits(gt, None, (30, 40))[:3].tolist() == [0.0, 0.0, 0.0]


def test_matching_is_greedy_by_confidence_and_respects_class():
    gts = np.array([[[0, 0, 2], [10, 0, 2]], [[100, 100, 2], [110, 100, 2]]], dtype=float)
    areas = np.array([100.0, 100.0])
    preds = np.array([[[100, 100, 1], [110, 100, 1]], [[1, 0, 1], [10, 1, 1]], [[0, 0, 1], [10, 0, 1]]], dtype=float)
    pairs = match_instances(gts, areas, [0, 0], preds, [0.9, 0.8, 0.3], [0, 0, 0], [0.1, 0.1])
    assert [(g, p) for g, p, _ in pairs] == [(1, 0), (0, 1)]  # the 0.3 one finds its person already taken
    assert match_instances(gts, areas, [0, 0], preds, [0.9, 0.8, 0.3], [1, 1, 1], [0.1, 0.1]) == []
    far = np.array([[[500, 500, 1], [510, 500, 1]]], dtype=float)
    assert match_instances(gts, areas, [0, 0], far, [0.9], [0], [0.1, 0.1]) == []


def test_per_keypoint_summary_known_answers():
    acc = KeypointAccumulator([0.5, 0.5], names=["head", "tail"])
    # Person A, box 30x40 (diagonal 50 -> PCK threshold 2.5): head exact, tail 3 px off (PCK miss).
    # Area for OKS = 30 * 40 * 0.53 = 636; tail ks = exp(-9 / (1 * 636 * 2)).
    gt_a = [[10, 10, 2], [20, 20, 2]]
    # Person B, box 10x10, nobody predicted it: both keypoints count as misses with similarity 0.
    gt_b = [[200, 200, 2], [205, 205, 0]]
    pairs = acc.add_image([gt_a, gt_b], [[0, 0, 30, 40], [195, 195, 10, 10]], [0, 0],
                          [[[10, 10, 0.9], [23, 20, 0.9]]], [0.8], [0])
    assert [(g, p) for g, p, _ in pairs] == [(0, 0)]
    r = acc.result()
    tail_ks = math.exp(-9 / (1 * 30 * 40 * AREA_FACTOR * 2))
    head, tail = r["keypoints"]
    assert head["name"] == "head" and head["visible"] == 2 and head["pck"] == pytest.approx(0.5)
    assert head["oks_share"] == pytest.approx(0.5)  # 1.0 for A, 0 for unmatched B
    assert tail["visible"] == 1 and tail["pck"] == 0.0 and tail["oks_share"] == pytest.approx(tail_ks, abs=1e-6)
    assert r["instances"] == 2 and r["matched"] == 1 and r["predictions"] == 1 and r["images"] == 1
    assert r["pck"] == pytest.approx(1 / 3)
    assert r["mean_oks"] == pytest.approx(((1 + tail_ks) / 2 + 0) / 2, abs=1e-6)


def test_keypoints_never_visible_report_none():
    acc = KeypointAccumulator([0.1, 0.1])
    acc.add_image([[[5, 5, 2], [0, 0, 0]]], [[0, 0, 10, 10]], [0], [], [], [])
    r = acc.result()
    assert r["keypoints"][1]["pck"] is None and r["keypoints"][1]["oks_share"] is None
    assert r["keypoints"][0]["pck"] == 0.0


def test_algorithm_list_reads_the_installed_configs():
    from training.engine import algorithms

    names = [a.name for a in algorithms.available()]
    assert names[0] == algorithms.DEFAULT == "yolo11n-pose"
    assert algorithms.get("yolov8n-pose").config == "yolov8-pose.yaml"
    assert algorithms.get("yolov8n-pose-p6").yaml_name == "yolov8n-pose-p6.yaml"
    assert algorithms.get("yolo11n") is None  # detection configs are not offered


def test_log_tail_keeps_the_last_lines_and_the_final_state_of_progress_bars(db, user):
    from accounts.selectors import personal_workspace
    from training.files import append_log, tail
    from training.models import TrainingSession

    session = TrainingSession.objects.create(workspace=personal_workspace(user), algorithm="yolo11n-pose")
    assert tail(session.pk, 5) == ([], 0)
    append_log(session.pk, "one\ntwo\n  1/3 \r  2/3 \r  3/3 done\nlast\n")
    assert tail(session.pk, 2) == (["  3/3 done", "last"], 4)
    append_log(session.pk, "\n".join(f"line {i}" for i in range(5000)))
    assert tail(session.pk, 3) == (["line 4997", "line 4998", "line 4999"], 5004)


@pytest.mark.parametrize("raw, message", [
    ({"imgsz": 100}, "multiple of 32"), ({"epochs": 0}, "between 1 and"), ({"batch": "x"}, '"auto"'),
    ({"lr": 1}, "unknown parameter"),
])
def test_params_are_checked(raw, message):
    from config.errors import InvalidInput
    from training.engine.params import TrainingParams

    with pytest.raises(InvalidInput, match=message):
        TrainingParams.clean(raw)
    assert TrainingParams.clean({"batch": "AUTO"}).batch == "auto"
    assert TrainingParams.clean(None).epochs == 300
