"""Fixtures for the training tests: a COCO-keypoints subset of tests/data imported into a dataset."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.conftest import SAMPLES_DIR, jpeg_bytes, upload  # noqa: F401  (re-exported for the training tests)

COCO_MINI = SAMPLES_DIR / "coco_mini"
COCO_JSON = COCO_MINI / "annotations" / "person_keypoints_train2017.json"
COCO_IMAGES = COCO_MINI / "train2017"


def coco_subset(out: Path, count: int, *, negatives: int = 0) -> Path:
    """The first `count` images that have a person with keypoints (plus `negatives` without one)."""
    data = json.loads(COCO_JSON.read_text())
    with_kpts = {a["image_id"] for a in data["annotations"] if a["num_keypoints"] > 0}
    positives = [i["id"] for i in data["images"] if i["id"] in with_kpts][:count]
    empty = [i["id"] for i in data["images"] if i["id"] not in {a["image_id"] for a in data["annotations"]}][:negatives]
    keep = set(positives) | set(empty)
    data["images"] = [i for i in data["images"] if i["id"] in keep]
    data["annotations"] = [a for a in data["annotations"] if a["image_id"] in keep]
    path = out / f"coco_subset_{count}_{negatives}.json"
    path.write_text(json.dumps(data))
    return path


def import_subset(dataset_id: int, tmp_path: Path, count: int = 16, negatives: int = 0) -> dict:
    from datasets.imports import import_coco_folder
    from datasets.models import Dataset

    return import_coco_folder(dataset=Dataset.objects.get(pk=dataset_id), json_path=coco_subset(tmp_path, count,
                                                                                            negatives=negatives),
                           images_dir=COCO_IMAGES)


@pytest.fixture
def coco_dataset(api, dataset, tmp_path):
    """The `dataset` fixture (owned by alice) holding 16 labelled COCO person images."""
    import_subset(dataset["id"], tmp_path, 16)
    return dataset


def not_a_checkpoint_pt() -> bytes:
    """A real torch.save zip that is no Ultralytics checkpoint (no "model" entry)."""
    import torch

    buf = io.BytesIO()
    torch.save({"weights": [1, 2, 3]}, buf)
    return buf.getvalue()


def start(api, dataset_id: int, **fields):
    body = {"dataset": dataset_id, "algorithm": "yolo11n-pose", "epochs": 2, "imgsz": 96, "batch": 8,
            "plots": False, **fields}
    return api.post("/api/v1/training-sessions/", body, format="json")
