"""OKS sigma presets: one JSON file for Python and the template editor, and the uniform-default warning rule."""
from __future__ import annotations

import json

import pytest

from core.errors import InvalidInput
from datasets.formats import skeleton
from tests.conftest import REPO
from training.metrics import sigmas


def test_presets_file_matches_its_sources():
    data = json.loads(sigmas.PRESETS_PATH.read_text())
    coco, goliath = sigmas.preset("coco17"), sigmas.preset("goliath308")
    assert coco["keypoints"] == skeleton.COCO_KEYPOINT_NAMES and coco["sigmas"] == skeleton.COCO_SIGMAS
    source = json.loads((REPO / "deploy/engines/sapiens2/data/goliath_keypoints.json").read_text())
    assert goliath["keypoints"] == source["keypoints"] and goliath["sigmas"] == source["sigmas"]
    assert len(goliath["sigmas"]) == 308
    assert data["custom_point_default"] == sigmas.CUSTOM_POINT_DEFAULT == 0.025
    assert {k["id"] for k in data["kinds"]} == {"crisp", "joint", "soft"}
    # The template editor loads it as a static file of the training app.
    assert sigmas.PRESETS_PATH == REPO / "training" / "static" / "training" / "sigma_presets.json"


def test_custom_point_default_is_cocos_crispest_landmark():
    assert sigmas.CUSTOM_POINT_DEFAULT == min(skeleton.COCO_SIGMAS[1:3])  # the eyes


@pytest.mark.parametrize("names, own, expected", [
    (skeleton.COCO_KEYPOINT_NAMES, None, "coco"),
    ([n.upper() for n in skeleton.COCO_KEYPOINT_NAMES], None, "coco"),
    (["tip", "handle", "hinge"], None, "uniform"),
    (["tip", "handle", "hinge"], [0.333333] * 3, "uniform"),  # stored, but exactly the 1/K fallback
    (["tip", "handle", "hinge"], [0.025, 0.079, 0.079], "class"),
    (["tip", "handle", "hinge"], [0.025, 0.079], "uniform"),  # wrong length: training ignores it
    (skeleton.COCO_KEYPOINT_NAMES, skeleton.COCO_SIGMAS, "class"),
])
def test_which_classes_train_on_the_uniform_default(names, own, expected):
    assert sigmas.sigmas_source(names, own) == expected
    assert sigmas.trains_on_uniform_default(names, own) is (expected == "uniform")


def test_default_sigmas_agree_with_what_the_snapshot_uses():
    for names in (skeleton.COCO_KEYPOINT_NAMES, ["a", "b", "c", "d", "e"], ["x"] * 308):
        assert sigmas.default_sigmas(names) == skeleton.default_sigmas(names)


def test_sigmas_by_name_fills_known_points_and_defaults_the_rest():
    rows = sigmas.sigmas_by_name(["Left Eye", "left_hip", "right_thumb4", "tip of the tool"])
    assert [(r["sigma"], r["source"]) for r in rows] == [
        (0.025, "coco17"), (0.107, "coco17"), (rows[2]["sigma"], "goliath308"), (0.025, "custom_point_default")]
    assert rows[2]["sigma"] == sigmas.preset("goliath308")["sigmas"][
        sigmas.preset("goliath308")["keypoints"].index("right_thumb4")]


def test_bad_sigmas_and_unknown_presets_are_clean_errors():
    with pytest.raises(InvalidInput) as err:
        sigmas.check_sigmas([0.1, -1], 2, "sigmas")
    assert err.value.field == "sigmas[1]"
    with pytest.raises(InvalidInput) as err:
        sigmas.check_sigmas([0.1], 2, "sigmas")
    assert err.value.field == "sigmas"
    with pytest.raises(InvalidInput) as err:
        sigmas.preset("nope")
    assert err.value.field == "preset"


def test_metric_labels_follow_the_cases_the_js_test_shares():
    from training.metrics.labels import describe

    cases = json.loads((REPO / "training" / "jstests" / "metric_label_cases.json").read_text())
    for key, label, source in cases:
        assert (describe(key)["label"], describe(key)["source"]) == (label, source), key
    assert describe("coco/ap")["headline"] is True
