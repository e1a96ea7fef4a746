"""The immutable dataset snapshot a session trains on.

At start (in the web request) the labels are frozen: the classes and, for every labelled image, its storage
name, export name, size, split and instances go into `training/<id>/snapshot.json` through the storage API.
No image is copied there. The worker that trains builds the YOLO pose folder from that file in its own work
folder (`materialize`), reading each image through the storage API, so the web server and the gpu worker need
no shared disk. Later label edits never reach a session.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from config import storage
from datasets.exchange import dataset_records
from datasets.formats.records import ClassSpec, ImageRecord, InstanceRecord, PoseDataset
from datasets.formats.skeleton import COCO_KEYPOINT_NAMES, default_sigmas, flip_index
from datasets.formats.yolo import write_yolo
from datasets.models import Dataset, SkeletonClass

from . import files

FORMAT = 1


@dataclass
class Snapshot:
    train_images: int
    val_images: int
    skeleton: dict
    warnings: list[str] = field(default_factory=list)


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
    """Freeze the labelled images' labels now into the storage; returns the counts and warnings."""
    records, names = dataset_records(dataset, [c.pk for c in classes])
    skeleton = skeleton_of(classes)
    warnings = []
    if len({tuple(c.sigmas or ()) for c in classes}) > 1:
        warnings.append(f"the classes have different OKS sigmas; pose mAP uses those of {classes[0].name!r}")
    train = sum(1 for r in records.images if r.split != "val")
    val = len(records.images) - train
    if val == 0 and train > 0:
        warnings.append("no labelled image is in the val split, so validation uses the train images: "
                        "mAP and the evaluation will look better than they are")
    elif train == 0 and val > 0:
        warnings.append("no labelled image is in the train split, so training uses the val images: "
                        "mAP and the evaluation will look better than they are")
    body = {"format": FORMAT, "skeleton": skeleton,
            "classes": [vars(c) for c in records.classes],
            "images": [{**_image_json(rec), "stored": name} for rec, name in zip(records.images, names)]}
    storage.save_replace(files.snapshot_name(session_id), json.dumps(body).encode())
    return Snapshot(train_images=train, val_images=val, skeleton=skeleton, warnings=warnings)


def _image_json(rec: ImageRecord) -> dict:
    return {"file_name": rec.file_name, "width": rec.width, "height": rec.height, "split": rec.split,
            "source_id": rec.source_id,
            "instances": [{"class_index": i.class_index, "bbox": i.bbox, "keypoints": i.keypoints}
                          for i in rec.instances]}


def load(session_id: int) -> tuple[PoseDataset, list[str], dict]:
    """The frozen records, each image's storage name, and the skeleton summary."""
    body = json.loads(storage.read_bytes(files.snapshot_name(session_id)))
    classes = [ClassSpec(**{**c, "skeleton": [tuple(e) for e in c["skeleton"]]}) for c in body["classes"]]
    images = [ImageRecord(file_name=i["file_name"], width=i["width"], height=i["height"], split=i["split"],
                          source_id=i["source_id"],
                          instances=[InstanceRecord(**inst) for inst in i["instances"]]) for i in body["images"]]
    return PoseDataset(classes=classes, images=images), [i["stored"] for i in body["images"]], body["skeleton"]


def materialize(session_id: int) -> Path:
    """Build (once) the session's YOLO pose folder in this worker's work folder; returns data.yaml."""
    path = files.data_yaml(session_id)
    if path.is_file():
        return path
    records, names, skeleton = load(session_id)
    final = files.snapshot_dir(session_id)
    out = final.with_name("snapshot.part")  # renamed when complete: a crash never leaves half a folder
    shutil.rmtree(out, ignore_errors=True)
    sources = final.parent / "sources"

    def source(i: int) -> str:
        local = sources / f"{i}{Path(names[i]).suffix}"
        storage.materialize(names[i], local)
        return str(local)

    write_yolo(records, out, source)
    shutil.rmtree(sources, ignore_errors=True)
    data = yaml.safe_load((out / "data.yaml").read_text())
    # Ultralytics needs one sigma list for the whole set; the exporter wrote the class's own when it has one.
    data["kpt_oks_sigmas"] = skeleton["sigmas"]
    images = out / "images"
    train = any((images / "train").iterdir()) if (images / "train").is_dir() else False
    val = any((images / "val").iterdir()) if (images / "val").is_dir() else False
    if train and not val:
        data["val"] = "images/train"
    elif val and not train:
        data["train"] = "images/val"
    data.pop("path", None)  # the folder moves below: Ultralytics then resolves splits next to data.yaml
    (out / "data.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    shutil.rmtree(final, ignore_errors=True)
    out.rename(final)
    return path
