"""Model output -> COCO results: Ultralytics Results, arrays, Sapiens2 instances; scored back to 1.0."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core.errors import InvalidInput
from tests.conftest import SAMPLES_DIR
from training.metrics.coco_eval import evaluate_keypoints
from training.metrics.coco_results import (
    results_from_arrays,
    results_from_instances,
    results_from_ultralytics,
    results_from_validator,
)

GT = json.loads((SAMPLES_DIR / "coco" / "test_coco.json").read_text())


def people(image_id):
    return [a for a in GT["annotations"] if a["image_id"] == image_id and a["num_keypoints"] > 0]


def test_arrays_become_coco_results_with_the_box_score_and_keypoint_confidence():
    out = results_from_arrays(7, [[10, 20, 40, 80]], [0.9], [0], [[[11, 21, 0.8], [12, 22, 0.1]]],
                              category_ids=[3])
    assert out == [{"image_id": 7, "category_id": 3, "keypoints": [11.0, 21.0, 0.8, 12.0, 22.0, 0.1],
                    "score": 0.9, "bbox": [10.0, 20.0, 30.0, 60.0]}]
    two_columns = results_from_arrays(7, [[0, 0, 1, 1]], [0.5], [1], [[[1, 2]]])
    assert two_columns[0]["keypoints"] == [1.0, 2.0, 1.0] and two_columns[0]["category_id"] == 2
    assert results_from_arrays(7, np.zeros((0, 4)), [], [], np.zeros((0, 17, 3))) == []
    with pytest.raises(InvalidInput) as err:
        results_from_arrays(7, [[0, 0, 1, 1]], [0.5], [4], [[[1, 2]]], category_ids=[1])
    assert err.value.field == "category_ids"


def test_ultralytics_results_round_trip_to_a_perfect_score():
    import torch
    from ultralytics.engine.results import Results

    image_ids = [img["id"] for img in GT["images"]]
    results = []
    for image in GT["images"]:
        rows = people(image["id"])
        boxes = torch.tensor([[a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2], a["bbox"][1] + a["bbox"][3],
                               0.9, 0] for a in rows], dtype=torch.float32).reshape(-1, 6)
        kpts = torch.tensor([a["keypoints"] for a in rows], dtype=torch.float32).reshape(-1, 17, 3)
        kpts[..., 2] = 0.7  # model keypoint confidence, not a visibility flag
        results.append(Results(np.zeros((image["height"], image["width"], 3), np.uint8), path="x.jpg",
                               names={0: "person"}, boxes=boxes, keypoints=kpts))
    coco = results_from_ultralytics(results, image_ids)
    assert len(coco) == 12 and {r["category_id"] for r in coco} == {1}
    assert coco[0]["keypoints"][2] == pytest.approx(0.7) and coco[0]["score"] == pytest.approx(0.9)
    assert evaluate_keypoints(GT, coco)["ap"] == 1.0
    with pytest.raises(InvalidInput):
        results_from_ultralytics(results, image_ids[:2])


def test_sapiens2_instances_become_coco_results():
    from deploy.engines.sapiens2.pipeline import PoseInstance

    a = people(GT["images"][0]["id"])[0]
    k = np.array(a["keypoints"], dtype=float).reshape(17, 3)
    x, y, w, h = a["bbox"]
    inst = PoseInstance(bbox=(x, y, x + w, y + h), score=0.8, keypoints=k[:, :2], keypoint_scores=np.full(17, 0.6))
    out = results_from_instances(a["image_id"], [inst], category_id=1)
    assert out[0]["keypoints"][:3] == [k[0, 0], k[0, 1], 0.6] and out[0]["bbox"] == [x, y, w, h]


def test_validator_predictions_are_rekeyed_by_file_name_and_class():
    jdict = [{"image_id": "img_a", "file_name": "img_a.jpg", "category_id": 2, "bbox": [1, 2, 3, 4],
              "score": 0.5, "keypoints": [1, 2, 0.9]},
             {"image_id": 99, "file_name": "other.jpg", "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5,
              "keypoints": [1, 2, 0.9]}]
    out = results_from_validator(jdict, {"img_a.jpg": 41}, category_ids=[10, 20])
    assert out == [{"image_id": 41, "category_id": 20, "keypoints": [1, 2, 0.9], "score": 0.5,
                    "bbox": [1, 2, 3, 4]}]
