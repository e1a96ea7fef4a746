"""The immutable dataset snapshot a session trains on: a YOLO pose folder written at start."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from datasets.exchange import export_yolo
from datasets.formats.skeleton import COCO_KEYPOINT_NAMES, default_sigmas, flip_index
from datasets.models import Dataset, SkeletonClass

from . import files
from .engine.evaluate import IMAGE_SUFFIXES


@dataclass
class Snapshot:
    data_yaml: Path
    train_images: int
    val_images: int
    skeleton: dict
    warnings: list[str] = field(default_factory=list)


def _count(folder: Path) -> int:
    return sum(1 for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES) if folder.is_dir() else 0


def skeleton_of(classes: list[SkeletonClass]) -> dict:
    k = len(classes[0].keypoints)
    first = classes[0]
    names = [kp["name"] for kp in first.keypoints]
    sigmas = first.sigmas if first.sigmas and len(first.sigmas) == k else default_sigmas(names)
    return {
        "keypoint_count": k,
        "keypoint_names": names,
        "sigmas": [float(s) for s in sigmas],
        "sigmas_source": "class" if first.sigmas else (
            "coco" if [n.lower() for n in names] == COCO_KEYPOINT_NAMES else "uniform"),
        "flip_idx": flip_index(k, first.flip_pairs or []),
        "classes": [{"id": c.pk, "name": c.name, "color": c.color,
                     "keypoints": [kp["name"] for kp in c.keypoints],
                     "connections": [[e["a"], e["b"]] for e in c.connections],
                     "flip_pairs": c.flip_pairs} for c in classes],
    }


def snapshot_create(*, session_id: int, dataset: Dataset, classes: list[SkeletonClass]) -> Snapshot:
    """Export the labelled images and labels now; later label edits never reach this folder."""
    out = files.snapshot_dir(session_id)
    export_yolo(dataset, out, [c.pk for c in classes])
    skeleton = skeleton_of(classes)
    path = out / "data.yaml"
    data = yaml.safe_load(path.read_text())
    skeleton["flip_idx"] = data.get("flip_idx", skeleton["flip_idx"])
    warnings = []
    # Ultralytics needs one sigma list for the whole set; the exporter wrote the class's own when it has one.
    data["kpt_oks_sigmas"] = skeleton["sigmas"]
    if len({tuple(c.sigmas or ()) for c in classes}) > 1:
        warnings.append(f"the classes have different OKS sigmas; pose mAP uses those of {classes[0].name!r}")
    train, val = _count(out / "images" / "train"), _count(out / "images" / "val")
    if val == 0 and train > 0:
        data["val"] = "images/train"
        warnings.append("no labelled image is in the val split, so validation uses the train images: "
                        "mAP and the evaluation will look better than they are")
    elif train == 0 and val > 0:
        data["train"] = "images/val"
        warnings.append("no labelled image is in the train split, so training uses the val images: "
                        "mAP and the evaluation will look better than they are")
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return Snapshot(data_yaml=path, train_images=train, val_images=val, skeleton=skeleton, warnings=warnings)
