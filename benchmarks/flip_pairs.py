"""Horizontal-flip augmentation with the right flip pairs vs no flipping, scored by COCO keypoint AP.

    .venv/bin/python benchmarks/flip_pairs.py [--data synthetic|coco_mini] [--epochs 25] [--imgsz 256]
        [--arms pairs,off] [--seed 0]

Arms (same data, epochs, seed and settings; yolo11n-pose from its YAML through training.engine.runner):
  pairs:    flip_idx from the COCO-17 left/right pairs, fliplr 0.5 (Ultralytics' default);
  off:      fliplr 0 (what Posedeck does for a class without pairs);
  identity: fliplr 0.5 with an identity flip_idx, i.e. flipping without swapping left and right (the
            behaviour of ../shared/cases/fliplr-on-without-pairs), for reference.
Reported for best.pt on val: COCO keypoint AP/AP50/AR (training.metrics.coco_eval) and Ultralytics' pose mAP.
Data: "synthetic" (default): 60 drawn stick people facing the camera, every person labelled, val every 5th image;
"coco_mini": tests/data/coco_mini, val every 4th image with people. Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # before this folder, which holds a training.py of its own

from benchmarks._pose_data import (
    COCO_MINI_IMAGES,
    COCO_MINI_JSON,
    synthetic_people,
    val_ids_every,
)
from benchmarks.people_without_keypoints import run_option

ARMS = {"pairs": {"flip_pairs": True, "fliplr": 0.5}, "off": {"flip_pairs": True, "fliplr": 0.0},
        "identity": {"flip_pairs": False, "fliplr": 0.5}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", choices=("synthetic", "coco_mini"), default="synthetic")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--imgsz", type=int, default=256)
    parser.add_argument("--arms", default="pairs,off")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-eval", action="store_true", help="score the train images (memorisation)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="posedeck-flip-"))
    if args.data == "synthetic":
        coco_json = synthetic_people(tmp / "synthetic", images=60, seed=0, box_only_share=0.0)
        images_dir = coco_json.parent
        val_ids = {i["id"] for i in json.loads(coco_json.read_text())["images"] if i["id"] % 5 == 0}
    else:
        coco_json, images_dir = COCO_MINI_JSON, COCO_MINI_IMAGES
        val_ids = val_ids_every(json.loads(coco_json.read_text()), 4)
    results = {}
    for arm in args.arms.split(","):
        setting = ARMS[arm]
        results[arm] = run_option(arm, coco_json, images_dir, val_ids, args, tmp, flip_pairs=setting["flip_pairs"],
                                  extra={"fliplr": setting["fliplr"]})
        print(arm, json.dumps(results[arm]), flush=True)
    print(json.dumps({"data": args.data, "epochs": args.epochs, "imgsz": args.imgsz, "seed": args.seed,
                      "coco_ap": {a: r["coco_ap"] for a, r in results.items()},
                      "coco_ap50": {a: r["coco_ap50"] for a, r in results.items()},
                      "coco_ap_last10_mean": {a: r["coco_ap_last10_mean"] for a, r in results.items()},
                      "ultralytics_pose_map": {a: r["ultralytics_pose_map"] for a, r in results.items()}}))


if __name__ == "__main__":
    main()
