"""People without labelled keypoints in the training labels: all-zero keypoint rows (A) or left out (B)?

    .venv/bin/python benchmarks/people_without_keypoints.py [--data synthetic|coco_mini] [--epochs 25]
        [--imgsz 256] [--options zero_rows,omit] [--train-eval]

Each option trains yolo11n-pose from its YAML with the same data, epochs, seed and settings through
training.engine.runner (the platform's runner) with the per-epoch COCO evaluation on, then reports, for best.pt on
the val split:
  coco_ap/coco_ap50/coco_ar: COCO keypoint AP (training.metrics.coco_eval: pycocotools, people without keypoints and
      crowd regions ignored, stored areas), scored against the same COCO ground truth for every option;
  person_box_ap/_ap50/_ar100: COCOeval bbox AP of the same predictions with every person as a target, box-only
      people included: does the detector still find people, or did the labels teach it they are background?
  ultralytics_pose_map/_map50, ultralytics_box_map50: Ultralytics' own validator figures on that option's labels.
And the cost of COCO evaluation: coco_eval_share = the per-epoch COCOeval seconds / epoch seconds (the runner
scores the validator's own predictions), predict_pass_share = one separate predict pass over the val images
(conf 0.001, what scoring a model outside the validator costs) / the mean epoch seconds.

Data: "synthetic" (default): 60 drawn stick people images, 40 % of the people labelled with a box only, val every
5th image; learnable in minutes on a CPU, so the options differ by more than noise. "coco_mini": tests/data/coco_mini
(36 COCO photos, 61 box-only people, 5 crowd regions), val every 4th image with people (7 images); from scratch
it learns next to nothing in minutes on a CPU (--train-eval scores the train images instead).
Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # before this folder, which holds a training.py of its own

from benchmarks._pose_data import (
    COCO_MINI_IMAGES,
    COCO_MINI_JSON,
    coco_to_yolo,
    synthetic_people,
    val_ids_every,
)
from training.engine.coco_epoch import CocoEvalSpec
from training.engine.runner import RunSpec, run_training


class EpochLog:
    """A Reporter that keeps each epoch's seconds and COCO evaluation seconds."""

    def __init__(self):
        self.rows = []

    def started(self, **kwargs):
        pass

    def tick(self, **kwargs):
        return False

    def epoch(self, *, epoch, metrics, seconds, **kwargs):
        self.rows.append({"epoch": epoch, "seconds": seconds, "coco_seconds": metrics.get("coco/seconds"),
                          "coco_ap": metrics.get("coco/ap")})
        return False


def dataset(kind: str, tmp: Path) -> tuple[Path, Path, set[int]]:
    if kind == "synthetic":
        coco_json = synthetic_people(tmp / "synthetic", images=60, seed=0)
        coco = json.loads(coco_json.read_text())
        return coco_json, coco_json.parent, {i["id"] for i in coco["images"] if i["id"] % 5 == 0}
    coco = json.loads(COCO_MINI_JSON.read_text())
    return COCO_MINI_JSON, COCO_MINI_IMAGES, val_ids_every(coco, 4)


def person_box_ap(ground_truth_path: str, predictions_path: str) -> dict:
    """COCOeval bbox AP of the predicted boxes with EVERY person as a target, box-only people included (crowd
    regions stay ignore regions): how well the detector finds people, which leaving box-only people out of the
    labels could teach it not to."""
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt = json.loads(Path(ground_truth_path).read_text())
    preds = [{k: p[k] for k in ("image_id", "category_id", "bbox", "score")}
             for p in json.loads(Path(predictions_path).read_text())]
    with contextlib.redirect_stdout(io.StringIO()):
        api = COCO()
        api.dataset = gt
        api.createIndex()
        ev = COCOeval(api, api.loadRes(preds) if preds else COCO(), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return {"person_box_ap": round(float(ev.stats[0]), 4), "person_box_ap50": round(float(ev.stats[1]), 4),
            "person_box_ar100": round(float(ev.stats[8]), 4)}


def predict_pass_seconds(weights: str, images: list[Path], imgsz: int) -> float:
    from ultralytics import YOLO

    model = YOLO(weights, task="pose")
    model.predict([str(images[0])], imgsz=imgsz, conf=0.001, device="cpu", verbose=False)  # warm-up
    started = time.perf_counter()
    for start in range(0, len(images), 16):
        model.predict([str(p) for p in images[start:start + 16]], imgsz=imgsz, conf=0.001, device="cpu",
                      verbose=False)
    return time.perf_counter() - started


def run_option(option: str, coco_json: Path, images_dir: Path, val_ids: set[int], args, tmp: Path, *,
               box_only: str = "zero_rows", flip_pairs: bool = True, extra: dict | None = None) -> dict:
    """Train once with `option` as the run name; args: epochs, imgsz, seed, train_eval."""
    from training.engine.evaluate import split_images

    folder = coco_to_yolo(coco_json, images_dir, tmp / f"data_{option}", val_ids=val_ids, box_only=box_only,
                          flip_pairs=flip_pairs, val_is_train=args.train_eval)
    log = EpochLog()
    spec = RunSpec(data_yaml=folder["data_yaml"], project=str(tmp / "runs"), name=option, model="yolo11n-pose.yaml",
                   epochs=args.epochs, batch=8, imgsz=args.imgsz, patience=0, console=False,
                   log_path=str(tmp / f"{option}.log"),
                   extra={"plots": False, "seed": args.seed, "deterministic": True, "nbs": 8, **(extra or {})},
                   coco_eval=CocoEvalSpec(ground_truth=folder["val_ground_truth"]))
    started = time.perf_counter()
    result = run_training(spec, log)
    wall = time.perf_counter() - started
    epoch_s = statistics.mean(r["seconds"] for r in log.rows if r["seconds"])
    coco_s = statistics.mean(r["coco_seconds"] for r in log.rows if r["coco_seconds"] is not None)
    val_images = split_images(folder["data_yaml"], "val")
    predict_s = predict_pass_seconds(result.best, val_images, args.imgsz) if result.best else None
    m = result.metrics
    return {
        "coco_ap": round(result.coco["ap"], 4), "coco_ap50": round(result.coco["ap50"], 4),
        "coco_ar": round(result.coco["ar"], 4), "coco_matched": result.coco["matched"],
        "coco_instances": result.coco["instances"],
        "ultralytics_pose_map": round(m.get("metrics/mAP50-95(P)", 0.0), 4),
        "ultralytics_pose_map50": round(m.get("metrics/mAP50(P)", 0.0), 4),
        "ultralytics_box_map50": round(m.get("metrics/mAP50(B)", 0.0), 4),
        **person_box_ap(result.coco_files["ground_truth"], result.coco_files["predictions"]),
        "train_rows": folder["train_rows"], "box_only_rows": folder["box_only_rows"],
        "epoch_s": round(epoch_s, 3), "coco_eval_s": round(coco_s, 4),
        "coco_eval_share": round(coco_s / epoch_s, 4),
        "predict_pass_s": None if predict_s is None else round(predict_s, 3),
        "predict_pass_share": None if predict_s is None else round(predict_s / epoch_s, 4),
        "val_images": len(val_images), "wall_s": round(wall, 1),
        "coco_ap_last10_mean": round(statistics.mean([r["coco_ap"] or 0.0 for r in log.rows][-10:]), 4),
        "coco_ap_by_epoch": [None if r["coco_ap"] is None else round(r["coco_ap"], 4) for r in log.rows],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", choices=("synthetic", "coco_mini"), default="synthetic")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--imgsz", type=int, default=256)
    parser.add_argument("--options", default="zero_rows,omit")
    parser.add_argument("--seed", type=int, default=0, help="Ultralytics' training seed (the data stay the same)")
    parser.add_argument("--train-eval", action="store_true", help="score the train images (memorisation)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="posedeck-box-only-"))
    coco_json, images_dir, val_ids = dataset(args.data, tmp)
    results = {}
    for option in args.options.split(","):
        results[option] = run_option(option, coco_json, images_dir, val_ids, args, tmp, box_only=option)
        print(option, json.dumps(results[option]), flush=True)
    best = max(results, key=lambda o: (results[o]["coco_ap"], results[o]["coco_ap50"]))
    shares = [r["coco_eval_share"] for r in results.values()]
    predict = [r["predict_pass_share"] for r in results.values() if r["predict_pass_share"] is not None]
    print(json.dumps({"data": args.data, "epochs": args.epochs, "imgsz": args.imgsz, "seed": args.seed,
                      "train_eval": args.train_eval,
                      "coco_ap": {o: r["coco_ap"] for o, r in results.items()},
                      "coco_ap_last10_mean": {o: r["coco_ap_last10_mean"] for o, r in results.items()},
                      "person_box_ap": {o: r["person_box_ap"] for o, r in results.items()},
                      "ultralytics_pose_map": {o: r["ultralytics_pose_map"] for o, r in results.items()},
                      "best_by_coco_ap": best, "coco_eval_share": round(max(shares), 4),
                      "predict_pass_share": round(max(predict), 4) if predict else None}))


if __name__ == "__main__":
    main()
