"""The flip-pair rule against the naming table the JavaScript rule is tested with too."""
import json
from pathlib import Path

import pytest

from datasets.formats.skeleton import derive_flip_pairs, flip_pairs_report

TABLE = json.loads((Path(__file__).resolve().parent.parent / "datasets/formats/flip_pair_cases.json").read_text())


def test_the_table_covers_the_naming_styles():
    names = {n for case in TABLE["cases"] for n in case["names"]}
    for style in ("left_eye", "l_ear", "eye_left", "LeftEye", "leftear", "L_Eye", "eye_R", "LEye", "EyeL"):
        assert style in names or style.lower() in {n.lower() for n in names}, style


@pytest.mark.parametrize("case", TABLE["cases"], ids=lambda c: c["why"])
def test_flip_pairs_follow_the_table(case):
    report = flip_pairs_report(case["names"])
    assert report.pairs == case["pairs"]
    assert report.unpaired == case["unpaired"]
    assert len(report.warnings) == len(case["unpaired"])
    for i, warning in zip(case["unpaired"], report.warnings):
        assert repr(case["names"][i]) in warning
    assert derive_flip_pairs(case["names"]) == case["pairs"]
