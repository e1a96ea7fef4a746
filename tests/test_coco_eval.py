"""COCO keypoint AP through training.metrics.coco_eval against plain pycocotools runs on the same files."""
from __future__ import annotations

import contextlib
import copy
import io
import json

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from core.errors import InvalidInput
from tests.conftest import SAMPLES_DIR
from training.metrics.coco_eval import STAT_KEYS, evaluate_keypoints
from training.metrics.coco_ground_truth import prepare_ground_truth
from training.metrics.oks import oks
from training.metrics.sigmas import COCO_SIGMAS, uniform_sigmas

SAMPLES = {
    "coco": SAMPLES_DIR / "coco" / "test_coco.json",
    "crowdpose": SAMPLES_DIR / "crowdpose" / "test_crowdpose.json",
    "animalpose": SAMPLES_DIR / "animalpose" / "test_animalpose.json",
    "coco_mini": SAMPLES_DIR / "coco_mini" / "annotations" / "person_keypoints_train2017.json",
}


def load(name: str) -> dict:
    return json.loads(SAMPLES[name].read_text())


def copied(gt: dict, score: float = 1.0) -> list[dict]:
    """Perfect predictions: every person with labelled keypoints, its ground truth copied."""
    return [{"image_id": a["image_id"], "category_id": a["category_id"], "keypoints": list(a["keypoints"]),
             "score": score} for a in gt["annotations"] if not a.get("iscrowd") and a.get("num_keypoints", 0) > 0]


def noisy(gt: dict, seed: int = 0, px: float = 6.0) -> list[dict]:
    """Predictions with Gaussian keypoint error, random scores, some people missed and some false positives."""
    rng = np.random.default_rng(seed)
    out = []
    for p in copied(gt):
        if rng.random() < 0.2:
            continue
        k = np.array(p["keypoints"], dtype=float).reshape(-1, 3)
        k[:, :2] += rng.normal(0, px, (len(k), 2))
        out.append({**p, "keypoints": k.reshape(-1).tolist(), "score": float(rng.random())})
        if rng.random() < 0.3:
            k[:, :2] += rng.normal(0, 40, (len(k), 2))
            out.append({**p, "keypoints": k.reshape(-1).tolist(), "score": float(rng.random() * 0.5)})
    return out


def plain_pycocotools(gt_path, results_path, sigmas, cat_ids=None) -> list[float]:
    """The reference: pycocotools exactly as its README uses it, from files on disk."""
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(gt_path))
        dt = gt.loadRes(str(results_path))
        ev = COCOeval(gt, dt, "keypoints")
        ev.params.kpt_oks_sigmas = np.array(sigmas)
        if cat_ids:
            ev.params.catIds = cat_ids
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return list(ev.stats)


def ours(result: dict) -> list[float]:
    return [-1.0 if result[k] is None else result[k] for k in STAT_KEYS]


@pytest.mark.parametrize("name", list(SAMPLES))
def test_perfect_predictions_score_one_on_the_real_samples(name):
    gt = load(name)
    result = evaluate_keypoints(gt, copied(gt))
    assert (result["ap"], result["ap50"], result["ap75"], result["ar"]) == (1.0, 1.0, 1.0, 1.0)
    assert result["matched"] == result["instances"] == len(copied(gt))
    assert all(row["pck"] == 1.0 and row["oks_share"] == 1.0 for row in result["per_keypoint"] if row["visible"])


def test_result_has_the_evaluate_endpoint_contract():
    gt = load("coco")
    result = evaluate_keypoints(gt, noisy(gt))
    assert {"ap", "ap50", "ap75", "ar", "sigmas", "per_keypoint", "images", "instances"} <= set(result)
    assert result["sigmas"] == COCO_SIGMAS and len(result["per_keypoint"]) == 17
    assert all({"name", "pck", "oks_share"} <= set(row) for row in result["per_keypoint"])
    assert result["per_keypoint"][0]["name"] == "nose"
    json.dumps(result)  # plain JSON types only
    # 4 images, 14 people: 12 with keypoints (scored), 2 boxes only (ignored, counted apart).
    assert (result["images"], result["instances"], result["people_without_keypoints"]) == (4, 12, 2)


@pytest.mark.parametrize("name", list(SAMPLES))
@pytest.mark.parametrize("seed", [0, 1])
def test_figures_equal_a_plain_pycocotools_run_on_the_downloadable_files(name, seed, tmp_path):
    gt = load(name)
    results = noisy(gt, seed)
    result = evaluate_keypoints(gt, results)
    # What the evaluation offers for download: the prepared ground truth and the results it scored.
    gt_file, results_file = tmp_path / "gt.json", tmp_path / "results.json"
    gt_file.write_text(json.dumps(prepare_ground_truth(gt)))
    results_file.write_text(json.dumps(results))
    reference = plain_pycocotools(gt_file, results_file, result["sigmas"])
    assert ours(result) == pytest.approx(reference, abs=1e-9)
    assert 0 < result["ap"] < 1


@pytest.mark.parametrize("name", ["coco", "coco_mini"])
def test_figures_equal_pycocotools_on_the_original_coco_file(name, tmp_path):
    """COCO files carry area, iscrowd and num_keypoints already: preparing them changes nothing that is scored."""
    gt = load(name)
    results = noisy(gt, 3)
    results_file = tmp_path / "results.json"
    results_file.write_text(json.dumps(results))
    reference = plain_pycocotools(SAMPLES[name], results_file, COCO_SIGMAS)
    assert ours(evaluate_keypoints(gt, results)) == pytest.approx(reference, abs=1e-9)


def test_a_shifted_prediction_scores_lower():
    gt = load("coco")
    perfect = evaluate_keypoints(gt, copied(gt))
    shifted = copied(gt)
    k = np.array(shifted[0]["keypoints"], dtype=float).reshape(-1, 3)
    k[:, 0] += 15
    shifted[0]["keypoints"] = k.reshape(-1).tolist()
    worse = evaluate_keypoints(gt, shifted)
    assert worse["ap"] < perfect["ap"] == 1.0
    assert worse["ap50"] <= 1.0 and worse["mean_oks"] < 1.0
    assert min(row["oks_share"] for row in worse["per_keypoint"] if row["visible"]) < 1.0


def test_people_without_keypoints_and_crowd_regions_are_ignored_not_counted_against():
    gt = load("coco_mini")
    preds = copied(gt, score=0.5)
    # A confident detection on a box-only person or inside a crowd region: COCO ignores it. (One per image, and
    # only where it does not also reach OKS 0.5 with a labelled person: it would take that person. A box-only
    # person, unlike a crowd region, absorbs one detection only.)
    added = {"box_only": 0, "crowd": 0}
    done = set()
    for a in sorted(gt["annotations"], key=lambda a: -a["iscrowd"]):
        if (a.get("iscrowd") or a["num_keypoints"] == 0) and a["image_id"] not in done:
            x, y, w, h = a["bbox"]
            kp = np.tile([x + w / 2, y + h / 2, 1.0], (17, 1))
            near = [b for b in gt["annotations"] if b["image_id"] == a["image_id"] and b["num_keypoints"] > 0
                    and not b["iscrowd"]]
            if any(oks(np.reshape(b["keypoints"], (17, 3)), kp, b["area"], COCO_SIGMAS) >= 0.5 for b in near):
                continue
            added["crowd" if a.get("iscrowd") else "box_only"] += 1
            done.add(a["image_id"])
            preds.append({"image_id": a["image_id"], "category_id": 1, "keypoints": kp.reshape(-1).tolist(),
                          "score": 0.99})
    assert added["box_only"] >= 5 and added["crowd"] >= 4, added
    result = evaluate_keypoints(gt, preds)
    assert result["ap"] == 1.0 and result["ar"] == 1.0
    assert (result["instances"], result["people_without_keypoints"], result["crowd_regions"]) == (86, 61, 5)
    # The same detections on an image with nobody are false positives and do cost precision.
    negative = next(i["id"] for i in gt["images"] if i["id"] not in {a["image_id"] for a in gt["annotations"]})
    fp = [{"image_id": negative, "category_id": 1, "keypoints": [10.0, 10.0, 1.0] * 17, "score": 0.99}]
    assert evaluate_keypoints(gt, preds + fp)["ap"] < 1.0


def test_ground_truth_without_area_gets_the_documented_default():
    gt = load("crowdpose")
    prepared = prepare_ground_truth(gt)
    for a in prepared["annotations"]:
        assert a["area"] == pytest.approx(a["bbox"][2] * a["bbox"][3] * 0.53)
    stored = prepare_ground_truth(load("coco"))["annotations"][0]
    assert stored["area"] == load("coco")["annotations"][0]["area"]  # a stored area is kept


def test_sigmas_come_from_the_caller_then_the_category_then_the_default():
    gt = load("crowdpose")
    assert evaluate_keypoints(gt, copied(gt))["sigmas"] == uniform_sigmas(14)
    given = evaluate_keypoints(gt, noisy(gt), sigmas={1: [0.05] * 14})
    assert given["sigmas"] == [0.05] * 14 and given["classes"][0]["sigmas_source"] == "given"
    gt["categories"][0]["sigmas"] = [0.07] * 14
    assert evaluate_keypoints(gt, noisy(gt))["classes"][0]["sigmas_source"] == "category"
    # Looser sigmas forgive the same error more.
    assert evaluate_keypoints(gt, noisy(gt), sigmas={1: [0.2] * 14})["ap"] >= given["ap"]
    with pytest.raises(InvalidInput) as err:
        evaluate_keypoints(gt, [], sigmas={1: [0.05] * 13})
    assert err.value.field == "sigmas[1]"


def two_categories(gt: dict) -> dict:
    """coco_mini with its people split by annotation id parity into two categories of the same skeleton."""
    gt = copy.deepcopy(gt)
    cat2 = {**gt["categories"][0], "id": 2, "name": "person_b"}
    gt["categories"].append(cat2)
    for a in gt["annotations"]:
        if a["id"] % 2:
            a["category_id"] = 2
    return gt


def test_multi_class_mean_equals_one_cocoeval_over_both_categories(tmp_path):
    gt = two_categories(load("coco_mini"))
    results = noisy(gt, 5)
    result = evaluate_keypoints(gt, results)
    gt_file, results_file = tmp_path / "gt.json", tmp_path / "results.json"
    gt_file.write_text(json.dumps(prepare_ground_truth(gt)))
    results_file.write_text(json.dumps(results))
    assert ours(result) == pytest.approx(plain_pycocotools(gt_file, results_file, COCO_SIGMAS), abs=1e-9)
    per_class = [c["ap"] for c in result["classes"]]
    assert result["ap"] == pytest.approx(np.mean(per_class)) and len(set(per_class)) == 2


def test_classes_with_different_keypoint_counts_each_use_their_own_sigmas(tmp_path):
    people, animals = load("coco"), load("animalpose")
    merged = copy.deepcopy(people)
    offset = 10_000
    merged["images"] += [{**i, "id": i["id"] + offset} for i in animals["images"]]
    merged["categories"].append({**animals["categories"][0], "id": 2})
    merged["annotations"] += [{**a, "id": a["id"] + offset, "image_id": a["image_id"] + offset, "category_id": 2}
                              for a in animals["annotations"]]
    animal_sigmas = [0.05] * 20
    perfect = evaluate_keypoints(merged, copied(merged), sigmas={2: animal_sigmas})
    assert perfect["ap"] == 1.0 and len(perfect["per_keypoint"]) == 37
    assert perfect["sigmas"] == COCO_SIGMAS + animal_sigmas
    results = noisy(merged, 2)
    result = evaluate_keypoints(merged, results, sigmas={2: animal_sigmas})
    gt_file, results_file = tmp_path / "gt.json", tmp_path / "results.json"
    gt_file.write_text(json.dumps(prepare_ground_truth(merged)))
    # loadRes needs every result to fit the sigma array it is scored with: one file per category.
    for cid, sigmas, row in ((1, COCO_SIGMAS, result["classes"][0]), (2, animal_sigmas, result["classes"][1])):
        results_file.write_text(json.dumps([r for r in results if r["category_id"] == cid]))
        reference = plain_pycocotools(gt_file, results_file, sigmas, cat_ids=[cid])
        assert [row[k] if row[k] is not None else -1 for k in STAT_KEYS] == pytest.approx(reference, abs=1e-9)
    assert result["ap"] == pytest.approx((result["classes"][0]["ap"] + result["classes"][1]["ap"]) / 2)


def test_a_split_scores_only_its_images_and_counts_the_rest():
    gt = load("coco")
    val = [gt["images"][0]["id"], gt["images"][1]["id"]]
    result = evaluate_keypoints(gt, copied(gt), image_ids=val)
    assert result["images"] == 2 and result["ap"] == 1.0
    assert result["predictions"] + result["predictions_outside"] == len(copied(gt))
    assert result["predictions_outside"] > 0


def test_no_predictions_scores_zero():
    gt = load("coco")
    result = evaluate_keypoints(gt, [])
    assert result["ap"] == 0.0 and result["ar"] == 0.0 and result["matched"] == 0
    assert result["per_keypoint"][0]["pck"] == 0.0


@pytest.mark.parametrize("change, field", [
    (lambda p: p[0].update(image_id=999999), "predictions[0].image_id"),
    (lambda p: p[0].update(category_id=7), "predictions[0].category_id"),
    (lambda p: p[0].update(keypoints=p[0]["keypoints"][:-3]), "predictions[0].keypoints"),
    (lambda p: p[1]["keypoints"].__setitem__(4, "x"), "predictions[1].keypoints[4]"),
    (lambda p: p[0].update(score=float("nan")), "predictions[0].score"),
    (lambda p: p[0].pop("score"), "predictions[0].score"),
    (lambda p: p[0].update(bbox=[1, 2, 3]), "predictions[0].bbox"),
    (lambda p: p.append("junk"), "predictions[12]"),
])
def test_bad_predictions_are_clean_errors_naming_the_field(change, field):
    gt = load("coco")
    preds = copied(gt)
    change(preds)
    with pytest.raises(InvalidInput) as err:
        evaluate_keypoints(gt, json.dumps(preds).encode())
    assert err.value.field == field and err.value.status == 400


@pytest.mark.parametrize("raw, words", [
    (b"{not json", "not JSON"),
    (b"\xff\xfe\x00junk", "not UTF-8"),
    (b'{"a": 1}', "JSON list"),
    (json.dumps(load("coco")).encode(), "COCO dataset file"),
])
def test_junk_uploads_are_clean_errors(raw, words):
    with pytest.raises(InvalidInput) as err:
        evaluate_keypoints(load("coco"), raw)
    assert err.value.field == "predictions" and words in err.value.message


def test_bad_ground_truth_is_a_clean_error():
    gt = load("coco")
    gt["annotations"][2]["keypoints"] = gt["annotations"][2]["keypoints"][:-3]
    with pytest.raises(InvalidInput) as err:
        evaluate_keypoints(gt, [])
    assert err.value.field == "ground_truth.annotations[2].keypoints"
    with pytest.raises(InvalidInput) as err:
        evaluate_keypoints({"images": []}, [])
    assert err.value.field == "ground_truth.annotations"


def test_more_than_twenty_predictions_per_image_give_pycocotools_figures(tmp_path):
    """An early model leaves hundreds of low-score detections per image; only COCO's best 20 are scored."""
    gt = load("coco_mini")
    rng = np.random.default_rng(7)
    results = noisy(gt, 4)
    for img in gt["images"]:
        for _ in range(30):
            x, y = rng.uniform(0, img["width"]), rng.uniform(0, img["height"])
            kp = np.column_stack([x + rng.normal(0, 30, 17), y + rng.normal(0, 30, 17), np.ones(17)])
            results.append({"image_id": img["id"], "category_id": 1, "keypoints": kp.reshape(-1).tolist(),
                            "score": float(rng.choice([0.01, 0.02, rng.random() * 0.3]))})  # ties at the cut
    result = evaluate_keypoints(gt, results)
    assert result["predictions"] < len(results) and result["predictions"] <= 20 * len(gt["images"])
    results_file = tmp_path / "results.json"
    results_file.write_text(json.dumps(results))
    reference = plain_pycocotools(SAMPLES["coco_mini"], results_file, COCO_SIGMAS)
    assert ours(result) == pytest.approx(reference, abs=1e-9)
