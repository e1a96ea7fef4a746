"""Is the dashboard's pose AP the COCO keypoint AP anyone gets with pycocotools on the same files? (issue 12)

For every sample set in tests/data (coco, crowdpose, animalpose, coco_mini) imported into a Posedeck dataset
(every 3rd image from the second on in val), several prediction sets are scored two ways:
  * Posedeck: POST /api/v1/datasets/<id>/evaluate/ (training.selectors.dataset_evaluate, the code the session's
    headline comes from: training.metrics.coco_eval on the prepared ground truth);
  * a separate plain pycocotools COCOeval on the dataset's downloaded COCO export and the same predictions file,
    one run per category with that category's sigmas (the `sigmas` the answer reports), mean over categories.
Prediction sets: ground truth copied (score 1), points moved 2 px and 8 px, half the people dropped, random scores.

Then one real training session on coco_mini (2 epochs, yolo11n-pose, imgsz 160, CPU): the session's stored COCO AP
vs pycocotools on its two downloads, and the per-epoch COCO evaluation's cost as a share of the epoch
(`coco/seconds` / epoch seconds). The baseline of the ratio is the epoch time measured in the same run.

    .venv/bin/python benchmarks/coco_headline.py [--no-training]

Last line: {"max_diff": ..., "perfect_ap_min": ..., "session_diff": ..., "coco_eval_share": ..., ...}
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import REPO, setup  # noqa: E402

SAMPLES = REPO / "tests" / "data"
SETS = {
    "coco": (SAMPLES / "coco" / "test_coco.json", SAMPLES / "coco"),
    "crowdpose": (SAMPLES / "crowdpose" / "test_crowdpose.json", SAMPLES / "crowdpose"),
    "animalpose": (SAMPLES / "animalpose" / "test_animalpose.json", SAMPLES / "animalpose"),
    "coco_mini": (SAMPLES / "coco_mini" / "annotations" / "person_keypoints_train2017.json",
                  SAMPLES / "coco_mini" / "train2017"),
}


def plain_ap(gt: dict, results: list[dict], sigmas_of: dict[int, list[float]]) -> float | None:
    import numpy as np
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    if not results:
        return 0.0
    values = []
    with contextlib.redirect_stdout(io.StringIO()):
        api = COCO()
        api.dataset = json.loads(json.dumps(gt))
        api.createIndex()
        dt = api.loadRes(json.loads(json.dumps(results)))
        for cat in gt["categories"]:
            if not cat.get("keypoints"):
                continue
            ev = COCOeval(api, dt, iouType="keypoints")
            ev.params.catIds = [cat["id"]]
            ev.params.kpt_oks_sigmas = np.array(sigmas_of[cat["id"]])
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
            if ev.stats[0] >= 0:
                values.append(float(ev.stats[0]))
    return sum(values) / len(values) if values else None


def prediction_sets(gt: dict, rng: random.Random) -> dict[str, list[dict]]:
    people = [a for a in gt["annotations"] if not a.get("iscrowd") and a.get("num_keypoints")]

    def make(shift=0.0, keep=1.0, scores=False):
        out = []
        for a in people:
            if rng.random() > keep:
                continue
            kp = list(a["keypoints"])
            for j in range(0, len(kp), 3):
                if kp[j + 2] > 0:
                    kp[j] += rng.uniform(-shift, shift)
                    kp[j + 1] += rng.uniform(-shift, shift)
            out.append({"image_id": a["image_id"], "category_id": a["category_id"], "keypoints": kp,
                        "score": rng.random() if scores else 1.0})
        return out

    return {"perfect": make(), "shift2": make(2.0), "shift8": make(8.0, scores=True),
            "half": make(3.0, keep=0.5, scores=True), "random_scores": make(5.0, scores=True)}


def score_sets(api, user) -> tuple[list[dict], float]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.selectors import personal_workspace
    from datasets.imports import import_coco_folder
    from datasets.models import Image
    from datasets.services import dataset_create

    rows, perfect_min = [], 1.0
    rng = random.Random(0)
    for name, (json_path, images) in SETS.items():
        ds = dataset_create(workspace=personal_workspace(user), user=user, name=f"bench {name}")
        import_coco_folder(dataset=ds, json_path=json_path, images_dir=images)
        ids = list(ds.images.order_by("id").values_list("id", flat=True))
        Image.objects.filter(pk__in=ids).update(split="train")
        Image.objects.filter(pk__in=ids[1::3]).update(split="val")
        r = api.get(f"/api/v1/datasets/{ds.pk}/export/?format=coco")
        gt = json.loads(b"".join(r.streaming_content) if r.streaming else r.content)
        for label, preds in prediction_sets(gt, rng).items():
            for split in (None, "val"):
                data = {"predictions": SimpleUploadedFile("p.json", json.dumps(preds).encode())}
                if split:
                    data["split"] = split
                answer = api.post(f"/api/v1/datasets/{ds.pk}/evaluate/", data, format="multipart").json()
                assert "ap" in answer, (name, label, split, answer)
                offset, sigmas_of = 0, {}
                for cat in answer["per_keypoint"]:
                    sigmas_of.setdefault(cat["category_id"], []).append(cat["sigma"])
                view = gt
                if split:
                    keep = {i for i in ids[1::3]}
                    view = {**gt, "images": [i for i in gt["images"] if i["id"] in keep],
                            "annotations": [a for a in gt["annotations"] if a["image_id"] in keep]}
                    preds_view = [p for p in preds if p["image_id"] in keep]
                else:
                    preds_view = preds
                plain = plain_ap(view, preds_view, sigmas_of)
                offset = abs((answer["ap"] or 0.0) - (plain or 0.0))
                rows.append({"set": name, "predictions": label, "split": split or "all", "posedeck": answer["ap"],
                             "pycocotools": plain, "diff": offset})
                if label == "perfect":
                    perfect_min = min(perfect_min, answer["ap"])
    return rows, perfect_min


def train_once(api, user) -> dict:
    from accounts.selectors import personal_workspace
    from datasets.imports import import_coco_folder
    from datasets.models import Image
    from datasets.services import dataset_create
    from training.execution import session_execute
    from training.models import EpochMetric, TrainingSession

    json_path, images = SETS["coco_mini"]
    ds = dataset_create(workspace=personal_workspace(user), user=user, name="bench train")
    import_coco_folder(dataset=ds, json_path=json_path, images_dir=images)
    ids = list(ds.images.order_by("id").values_list("id", flat=True))
    Image.objects.filter(pk__in=ids).update(split="train")
    Image.objects.filter(pk__in=ids[1::3]).update(split="val")
    r = api.post("/api/v1/training-sessions/", {"dataset": ds.pk, "epochs": 2, "imgsz": 160, "batch": 8,
                                                "plots": False}, format="json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    started = time.perf_counter()
    session_execute(session_id=pk, attempt=1, evaluate="none")
    wall = time.perf_counter() - started
    s = TrainingSession.objects.get(pk=pk)
    assert s.status == "completed", s.error
    detail = api.get(f"/api/v1/training-sessions/{pk}/").json()
    gt = json.loads(b"".join(api.get(detail["links"]["coco_ground_truth"]).streaming_content))
    preds = json.loads(b"".join(api.get(detail["links"]["coco_predictions"]).streaming_content))
    plain = plain_ap(gt, preds, {c["id"]: c["sigmas"] for c in gt["categories"]})
    shares = []
    for row in EpochMetric.objects.filter(session=s).order_by("epoch"):
        if row.seconds and row.metrics.get("coco/seconds") is not None:
            shares.append(row.metrics["coco/seconds"] / row.seconds)
    return {"session_ap": s.coco["ap"], "session_plain_ap": plain,
            "session_diff": abs((s.coco["ap"] or 0.0) - (plain or 0.0)),
            "coco_eval_share": max(shares) if shares else None,
            "coco_eval_seconds": [r.metrics.get("coco/seconds") for r in EpochMetric.objects.filter(session=s)],
            "epoch_seconds": [r.seconds for r in EpochMetric.objects.filter(session=s)],
            "ultralytics_pose_map": s.final_metrics.get("metrics/mAP50-95(P)"), "train_wall_s": round(wall, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-training", action="store_true", help="skip the real training session")
    args = parser.parse_args()
    setup("posedeck-coco-headline-")
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    user = get_user_model().objects.create_user("bench", password="bench-pass-123")
    api = APIClient()
    api.force_authenticate(user)
    rows, perfect_min = score_sets(api, user)
    for row in rows:
        print(f"{row['set']:10} {row['split']:4} {row['predictions']:13} posedeck {row['posedeck']:.6f} "
              f"pycocotools {row['pycocotools']:.6f} diff {row['diff']:.2e}")
    out = {"max_diff": max(r["diff"] for r in rows), "perfect_ap_min": perfect_min, "sets": len(SETS),
           "scored": len(rows)}
    if not args.no_training:
        out.update(train_once(api, user))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
