"""Honest training (issue 12): COCO keypoint AP as the session's headline and its two downloads, the dataset
evaluation API, flips that follow the template, pretrained starts from a local checkpoint, one TrainingParams.

Real components throughout: real datasets through the API, real Ultralytics trainings (tiny: 1 epoch at 64-96 px
on CPU), pycocotools. Only the checkpoint is built here (never downloaded): shaped like Ultralytics' COCO-pretrained
yolo11n-pose.pt, untrained.
"""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from tests.training_fixtures import coco_dataset, jpeg_bytes, start, upload  # noqa: F401

CASE = Path("/work/shared/cases/fliplr-on-without-pairs")
CASE_CLASSES = [
    {"dataset": "underscore", "class": {"name": "obj", "keypoints": [{"name": "nose"}, {"name": "left_eye"},
                                                                     {"name": "right_eye"}]}},
    {"dataset": "joined", "class": {"name": "obj", "keypoints": [{"name": "snout"}, {"name": "leftear"},
                                                                 {"name": "rightear"}, {"name": "tailbase"}]}},
    {"dataset": "camelcase", "class": {"name": "obj", "keypoints": [{"name": "Nose"}, {"name": "LeftEye"},
                                                                    {"name": "RightEye"}]}},
    {"dataset": "corners", "class": {"name": "obj", "keypoints": [{"name": f"corner{i}"} for i in range(4)]}},
]


# ---------------------------------------------------------------- helpers
def plain_cocoeval(gt: dict, results: list[dict]) -> dict[int, float]:
    """AP per category from a plain pycocotools run, kpt_oks_sigmas = the category's `sigmas`."""
    out = {}
    with contextlib.redirect_stdout(io.StringIO()):
        api = COCO()
        api.dataset = json.loads(json.dumps(gt))
        api.createIndex()
        dt = api.loadRes(json.loads(json.dumps(results)))
        for cat in gt["categories"]:
            ev = COCOeval(api, dt, iouType="keypoints")
            ev.params.catIds = [cat["id"]]
            ev.params.kpt_oks_sigmas = np.array(cat["sigmas"])
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
            if ev.stats[0] >= 0:
                out[cat["id"]] = float(ev.stats[0])
    return out


def copied_predictions(coco: dict, *, shift: float = 0.0) -> list[dict]:
    """The ground truth's people with keypoints as predictions (score 1), every point moved by `shift` px."""
    out = []
    for a in coco["annotations"]:
        if a.get("iscrowd") or not a.get("num_keypoints"):
            continue
        kp = list(a["keypoints"])
        for j in range(0, len(kp), 3):
            if kp[j + 2] > 0:
                kp[j] += shift
                kp[j + 1] += shift * 0.5
        out.append({"image_id": a["image_id"], "category_id": a["category_id"], "keypoints": kp, "score": 1.0,
                    "bbox": a["bbox"]})
    return out


def export_coco(api, dataset_id: int) -> dict:
    r = api.get(f"/api/v1/datasets/{dataset_id}/export/?format=coco")
    assert r.status_code == 200, r.content
    return json.loads(b"".join(r.streaming_content) if r.streaming else r.content)


def post_predictions(api, dataset_id, payload: bytes, **extra):
    return api.post(f"/api/v1/datasets/{dataset_id}/evaluate/",
                    {"predictions": SimpleUploadedFile("preds.json", payload, "application/json"), **extra},
                    format="multipart")


def make_case_dataset(api, entry: dict, *, images: int = 2) -> tuple[dict, dict]:
    ds = api.post("/api/v1/datasets/", {"name": entry["dataset"], "val_fraction": 0}, format="json").json()
    names = [("a.jpg", (CASE / "a.jpg").read_bytes()), ("b.jpg", (CASE / "b.jpg").read_bytes())] if CASE.is_dir() \
        else [(f"{n}.jpg", jpeg_bytes(100, 80, seed=n)) for n in range(2)]
    names += [(f"x{n}.jpg", jpeg_bytes(100, 80, seed=40 + n)) for n in range(images - 2)]
    created = upload(api, ds["id"], names).json()["created"]
    cls = api.post(f"/api/v1/datasets/{ds['id']}/classes/", entry["class"], format="json").json()
    k = len(entry["class"]["keypoints"])
    for img in created:
        version = api.get(f"/api/v1/images/{img['id']}/annotations/").json()["version"]
        r = api.put(f"/api/v1/images/{img['id']}/annotations/", {"version": version, "instances": [
            {"class": cls["id"], "bbox": [10, 10, 60, 50], "keypoints": [[15 + 10 * i, 30, 2] for i in range(k)]}]},
            format="json")
        assert r.status_code == 200, r.content
    return ds, cls


# ---------------------------------------------------------------- one TrainingParams
def test_one_params_type_feeds_serializer_command_and_runner():
    import argparse

    from training.engine.params import RANGES, TrainingParams
    from training.management.commands.train import Command
    from training.serializers import SessionCreateSerializer

    names = set(TrainingParams.names())
    assert names == {"epochs", "batch", "imgsz", "patience", "plots", "nbs", "seed"}
    fields = SessionCreateSerializer().fields
    assert names <= set(fields)
    assert fields["epochs"].max_value == RANGES["epochs"].high and fields["imgsz"].min_value == RANGES["imgsz"].low
    parser = argparse.ArgumentParser()
    Command().add_arguments(parser)
    options = {a.dest for a in parser._actions}
    assert names - {"plots"} <= options and "no_plots" in options
    p = TrainingParams.clean({"epochs": "3", "batch": "auto", "plots": "false"})
    assert p.run_args() == {"epochs": 3, "batch": -1, "imgsz": 640, "patience": 100,
                            "extra": {"plots": False, "nbs": None, "seed": 0}}
    assert TrainingParams.from_stored({**p.as_dict(), "gone": 1}) == p  # a stored key that no longer exists


# ---------------------------------------------------------------- dataset evaluation API
def test_evaluate_scores_perfect_predictions_one_and_matches_plain_pycocotools(api, coco_dataset):
    coco = export_coco(api, coco_dataset["id"])
    perfect = post_predictions(api, coco_dataset["id"], json.dumps(copied_predictions(coco)).encode())
    assert perfect.status_code == 200, perfect.content
    body = perfect.json()
    assert body["ap"] == pytest.approx(1.0) and body["ap50"] == pytest.approx(1.0) and body["ar"] == pytest.approx(1.0)
    assert len(body["sigmas"]) == 17 and body["sigmas"][0] == pytest.approx(0.026)
    assert [row["name"] for row in body["per_keypoint"]][:3] == ["nose", "left_eye", "right_eye"]
    assert all(row["pck"] == pytest.approx(1.0) for row in body["per_keypoint"] if row["visible"])
    assert body["images"] == 16 and body["instances"] == body["matched"] > 0
    assert body["people_without_keypoints"] >= 0 and body["split"] == "all"

    shifted = copied_predictions(coco, shift=6.0)
    got = post_predictions(api, coco_dataset["id"], json.dumps(shifted).encode()).json()
    truth = json.loads(json.dumps(coco))
    for cat in truth["categories"]:
        cat["sigmas"] = got["sigmas"]
    plain = plain_cocoeval(truth, shifted)
    assert 0.0 < got["ap"] < 1.0
    assert abs(got["ap"] - plain[truth["categories"][0]["id"]]) <= 1e-9

    val = post_predictions(api, coco_dataset["id"], json.dumps(shifted).encode(), split="val").json()
    assert val["split"] == "val" and val["images"] < 16


@pytest.mark.parametrize("payload, field", [
    (b"{not json", "predictions"),
    (json.dumps([{"image_id": 999999, "category_id": 1, "keypoints": [0] * 51, "score": 1}]).encode(),
     "predictions[0].image_id"),
])
def test_evaluate_answers_400_naming_the_field(api, coco_dataset, payload, field):
    r = post_predictions(api, coco_dataset["id"], payload)
    assert r.status_code == 400, r.content
    assert r.json()["field"].startswith(field), r.json()


def test_evaluate_refuses_a_bad_split_and_a_file_over_the_limit(api, coco_dataset, settings):
    r = post_predictions(api, coco_dataset["id"], b"[]", split="test")
    assert r.status_code == 400 and r.json()["field"] == "split"
    settings.EVALUATE_MAX_PREDICTIONS_BYTES = 10
    r = post_predictions(api, coco_dataset["id"], b"[]" + b" " * 20)
    assert r.status_code == 413 and r.json()["field"] == "predictions"
    assert api.post(f"/api/v1/datasets/{coco_dataset['id']}/evaluate/", {}, format="multipart").json()["field"] \
        == "predictions"


def test_each_class_is_scored_with_its_own_sigmas_and_keypoint_names(api, dataset):
    """Multi-class: two 3-point classes with different sigmas and names; the figure is the mean of per-class plain
    pycocotools runs, each with that class's sigmas (not the first class's)."""
    imgs = upload(api, dataset["id"], [(f"m{n}.jpg", jpeg_bytes(120, 100, seed=n)) for n in range(4)]).json()["created"]
    a = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {"name": "hand", "keypoints": [
        {"name": "wrist"}, {"name": "thumb"}, {"name": "index"}], "sigmas": [0.02, 0.02, 0.02]}, format="json").json()
    b = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {"name": "tool", "keypoints": [
        {"name": "grip"}, {"name": "shaft"}, {"name": "tip"}], "sigmas": [0.1, 0.1, 0.1]}, format="json").json()
    assert a["sigmas"] == [0.02] * 3, a
    for n, img in enumerate(imgs):
        api.put(f"/api/v1/images/{img['id']}/annotations/", {"version": 0, "instances": [
            {"class": a["id"], "bbox": [5, 5, 40, 40], "keypoints": [[10 + n, 10, 2], [20, 20, 2], [30, 30, 2]]},
            {"class": b["id"], "bbox": [60, 40, 50, 50], "keypoints": [[65, 45, 2], [80, 60, 2], [100, 85, 2]]}]},
            format="json")
    coco = export_coco(api, dataset["id"])
    preds = copied_predictions(coco, shift=1.5)
    got = post_predictions(api, dataset["id"], json.dumps(preds).encode()).json()
    assert got["sigmas"] == [0.02] * 3 + [0.1] * 3
    assert [r["name"] for r in got["per_keypoint"]] == ["wrist", "thumb", "index", "grip", "shaft", "tip"]
    truth = json.loads(json.dumps(coco))
    for cat in truth["categories"]:
        cat["sigmas"] = [0.02] * 3 if cat["id"] == a["id"] else [0.1] * 3
    plain = plain_cocoeval(truth, preds)
    assert plain[a["id"]] != pytest.approx(plain[b["id"]])  # the sigmas matter here
    assert got["ap"] == pytest.approx((plain[a["id"]] + plain[b["id"]]) / 2, abs=1e-9)


# ---------------------------------------------------------------- training check, pretrained list
def test_training_check_previews_counts_and_warns_on_tiny_val(api, coco_dataset):
    check = api.get(f"/api/v1/datasets/{coco_dataset['id']}/training-check/").json()
    assert check["ok"] is True and check["error"] is None
    assert check["images"] == {"total": 16, "labelled": 16, "unlabelled": 0}
    assert check["train"]["instances"] > 0 and check["val"]["instances"] > 0
    assert check["val"]["instances"] < 10 and any("val split holds only" in w for w in check["warnings"])
    assert check["train"]["people_without_keypoints"] + check["val"]["people_without_keypoints"] > 0
    bad = api.get(f"/api/v1/datasets/{coco_dataset['id']}/training-check/?class_ids=x")
    assert bad.status_code == 400 and bad.json()["field"] == "class_ids"


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory):
    """A weights folder holding yolo11n-pose.pt, shaped like Ultralytics' COCO-pretrained file (17 keypoints)."""
    import torch
    from ultralytics.nn.tasks import PoseModel

    from training.engine import offline

    offline.prepare()
    model = PoseModel("yolo11n-pose.yaml", nc=1, data_kpt_shape=(17, 3), verbose=False)
    model.names = {0: "person"}
    folder = tmp_path_factory.mktemp("weights")
    torch.save({"model": model.half(), "train_args": {"task": "pose", "imgsz": 640}, "epoch": -1},
               folder / "yolo11n-pose.pt")
    return folder


def test_pretrained_list_shows_what_the_weights_folder_holds(api, settings, tmp_path, weights_dir):
    settings.WEIGHTS_DIR = tmp_path
    assert api.get("/api/v1/training-pretrained/").json() == []
    settings.WEIGHTS_DIR = weights_dir
    rows = api.get("/api/v1/training-pretrained/").json()
    assert [(r["name"], r["choice"], r["algorithm"]) for r in rows] == [
        ("yolo11n-pose.pt", "pretrained:yolo11n-pose.pt", "yolo11n-pose")]
    assert "path" not in rows[0]  # no server path in the answer


def test_a_pretrained_start_that_is_not_there_says_how_to_get_it(api, coco_dataset, settings, tmp_path):
    settings.WEIGHTS_DIR = tmp_path
    r = start(api, coco_dataset["id"], initial_weights="pretrained:yolo26s-pose.pt")
    assert r.status_code == 400 and r.json()["error"] == "pretrained_missing"
    assert "fetch_weights yolo26s-pose.pt" in r.json()["message"] and r.json()["field"] == "initial_weights"
    r = start(api, coco_dataset["id"], initial_weights="pretrained:yolo9-pose.pt")
    assert r.status_code == 400 and r.json()["field"] == "initial_weights"


# ---------------------------------------------------------------- flips follow the template
@pytest.mark.parametrize("entry", CASE_CLASSES, ids=[e["dataset"] for e in CASE_CLASSES])
def test_flip_pairs_and_fliplr_follow_the_template(api, entry):
    """Regression for /work/shared/cases/fliplr-on-without-pairs: names that mark sides get pairs; no pairs
    means no flip_idx in the export and the snapshot, and fliplr 0 in the Ultralytics arguments."""
    from training.execution import _prepare
    from training.models import TrainingSession

    ds, cls = make_case_dataset(api, entry)
    want_pairs = {"underscore": [[1, 2]], "joined": [[1, 2]], "camelcase": [[1, 2]], "corners": []}[entry["dataset"]]
    assert cls["flip_pairs"] == want_pairs
    s = start(api, ds["id"], epochs=1, imgsz=64)
    assert s.status_code == 201, s.content
    session = TrainingSession.objects.get(pk=s.json()["id"])
    spec = _prepare(session, session.params, console=False)
    data = yaml.safe_load(Path(spec.data_yaml).read_text())
    if want_pairs:
        assert data["flip_idx"][1:3] == [2, 1] and "fliplr" not in spec.extra
    else:
        assert "flip_idx" not in data and spec.extra["fliplr"] == 0.0


def test_a_session_without_flip_pairs_trains_with_fliplr_0_from_a_pretrained_start(
        transactional_db, api, settings, weights_dir):
    """The `corners` case trained for real from the 17-keypoint checkpoint: Ultralytics' args.yaml says fliplr 0,
    the 4-keypoint head starts fresh and the session records how many layers transferred; COCO AP is stored
    with its two files, and a plain pycocotools run on the downloads gives the same figure."""
    from training.execution import session_execute
    from training.models import EpochMetric, TrainingSession

    settings.WEIGHTS_DIR = weights_dir
    ds, _ = make_case_dataset(api, CASE_CLASSES[3], images=4)
    r = start(api, ds["id"], epochs=1, imgsz=64, batch=4, initial_weights="pretrained:yolo11n-pose.pt")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    session_execute(session_id=pk, attempt=1, evaluate="none")
    s = TrainingSession.objects.get(pk=pk)
    assert s.status == "completed", s.error
    assert s.initial_weights == "pretrained" and s.initial_weights_name == "yolo11n-pose.pt"
    args = yaml.safe_load((Path(s.run_dir) / "args.yaml").read_text())
    assert args["fliplr"] == 0.0
    assert 0 < s.transferred["transferred"] < s.transferred["total"]
    detail = api.get(f"/api/v1/training-sessions/{pk}/").json()
    assert detail["transferred"] == s.transferred
    assert EpochMetric.objects.get(session=s).metrics.get("coco/ap") is not None
    gt = json.loads(b"".join(api.get(detail["links"]["coco_ground_truth"]).streaming_content))
    preds = json.loads(b"".join(api.get(detail["links"]["coco_predictions"]).streaming_content))
    assert [c["sigmas"] for c in gt["categories"]] == [[0.25] * 4]  # uniform 1/K for a custom skeleton
    plain = plain_cocoeval(gt, preds) if preds else {}
    assert abs((s.coco["ap"] or 0.0) - plain.get(gt["categories"][0]["id"], 0.0)) <= 1e-9
    assert api.get(f"/api/v1/training-sessions/{pk}/coco/other").status_code == 404


def test_the_per_keypoint_evaluation_scores_each_class_with_its_own_sigmas():
    """Multi-class sessions: the evaluation page's per-keypoint table uses each class's sigmas and names."""
    from training.engine.evaluate import PerClassAccumulator
    from training.metrics import KeypointAccumulator

    hand = {"name": "hand", "keypoints": ["wrist", "tip"], "sigmas": [0.02, 0.02]}
    tool = {"name": "tool", "keypoints": ["grip", "end"], "sigmas": [0.1, 0.1]}
    gt = np.array([[[10, 10, 2], [30, 30, 2]], [[60, 60, 2], [90, 80, 2]]], dtype=float)
    boxes = [[5, 5, 30, 30], [55, 55, 40, 30]]
    pred = gt.copy()
    pred[:, :, :2] += 2.0
    acc = PerClassAccumulator([hand, tool])
    acc.add_image(gt, boxes, [0, 1], pred, [0.9, 0.8], [0, 1])
    rows = acc.result()["keypoints"]
    assert [(r["class"], r["name"], r["sigma"]) for r in rows] == [
        ("hand", "wrist", 0.02), ("hand", "tip", 0.02), ("tool", "grip", 0.1), ("tool", "end", 0.1)]
    own = KeypointAccumulator(tool["sigmas"], tool["keypoints"])
    own.add_image(gt[1:], boxes[1:], [0], pred[1:], [0.8], [0])
    first = KeypointAccumulator(hand["sigmas"], tool["keypoints"])
    first.add_image(gt[1:], boxes[1:], [0], pred[1:], [0.8], [0])
    assert rows[2]["oks_share"] == own.result()["keypoints"][0]["oks_share"]
    assert rows[2]["oks_share"] > first.result()["keypoints"][0]["oks_share"]  # the first class's would be harsher


def test_images_that_share_a_bare_name_get_distinct_names_in_the_snapshot():
    """Ultralytics names its val predictions by the bare file name; the COCO AP maps that name back to an image."""
    from training.snapshot import _unique_basenames

    images = [{"file_name": n} for n in ("cam1/f.jpg", "cam2/f.jpg", "g.jpg", "cam1__f.jpg", "other/F.JPG", "x/y.png")]
    _unique_basenames(images)
    names = [i["file_name"] for i in images]
    assert names[2] == "g.jpg" and names[5] == "x/y.png"  # no clash: unchanged
    bare = [n.rsplit("/", 1)[-1].casefold() for n in names]
    assert len(set(bare)) == len(bare), names
    assert names[1] == "cam2__f.jpg" and names[3] == "cam1__f.jpg"


def test_the_evaluation_counts_the_same_people_as_the_coco_block(api, coco_dataset, tmp_path):
    """Regression: for one session the dashboard's COCO line said 6 people, the evaluation page 16 (it counted
    every labelled person, keypoints or not). Both now count the val people with at least one labelled
    keypoint; the people without are reported beside them, and the evaluation's predictions are labelled with
    their confidence (0.25) against the COCO AP's (0.001)."""
    from training.engine.evaluate import evaluate_pose
    from training.metrics.coco_ground_truth import counts, prepare_ground_truth
    from training.models import TrainingSession
    from training.snapshot import materialize
    from tests.yolo_fixtures import tiny_pose_checkpoint

    s = start(api, coco_dataset["id"]).json()
    session = TrainingSession.objects.get(pk=s["id"])
    truth = api.get(f"/api/v1/training-sessions/{s['id']}/coco/ground_truth")
    gt = prepare_ground_truth(json.loads(b"".join(truth.streaming_content)))
    coco_people = counts(gt)[gt["categories"][0]["id"]]
    skeleton = session.skeleton
    ev = evaluate_pose(weights=str(tiny_pose_checkpoint(tmp_path / "w")), data_yaml=str(materialize(session.pk)),
                       sigmas=skeleton["sigmas"], kpt_names=skeleton.get("keypoint_names"), skeletons={},
                       out_dir=str(tmp_path / "ev"), imgsz=96, draw=0)
    labelled = sum(1 for a in gt["annotations"] if not a["iscrowd"])
    assert coco_people["people_without_keypoints"] > 0, "the fixture must hold people without keypoints"
    assert ev["images"] == len(gt["images"]) == s["val_images"]
    assert ev["instances"] == coco_people["instances"]
    assert ev["people_without_keypoints"] == coco_people["people_without_keypoints"]
    assert ev["instances"] + ev["people_without_keypoints"] == labelled
    assert ev["matched"] <= ev["instances"] and ev["conf"] == 0.25 and ev["min_oks"] == 0.1
    # The API serves both blocks; the evaluation result carries the fields its page labels with.
    TrainingSession.objects.filter(pk=session.pk).update(evaluation=ev, evaluation_status="done")
    body = api.get(f"/api/v1/training-sessions/{s['id']}/evaluation/").json()
    assert body["result"]["instances"] == coco_people["instances"]
    assert body["result"]["people_without_keypoints"] == coco_people["people_without_keypoints"]
