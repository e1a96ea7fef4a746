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
from datasets import exports
from datasets.formats.records import ClassSpec, CrowdRecord, ImageRecord, InstanceRecord
from datasets.formats.skeleton import COCO_KEYPOINT_NAMES, default_sigmas
from datasets.formats.yolo import FolderSink, YoloPoseWriter, yolo_flip_idx
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
    flip_idx, _ = yolo_flip_idx(exports.class_specs(classes))
    return {
        "keypoint_count": k,
        "keypoint_names": names,
        "sigmas": [float(s) for s in sigmas],
        "sigmas_source": "class" if first.sigmas else (
            "coco" if [n.lower() for n in names] == COCO_KEYPOINT_NAMES else "uniform"),
        "flip_idx": flip_idx,  # None: no left/right pairs, so horizontal flips are off
        "classes": [{"id": c.pk, "name": c.name, "color": c.color,
                     "keypoints": [kp["name"] for kp in c.keypoints],
                     "connections": [[e["a"], e["b"]] for e in c.connections],
                     "flip_pairs": c.flip_pairs} for c in classes],
    }


def snapshot_create(*, session_id: int, dataset: Dataset, classes: list[SkeletonClass]) -> Snapshot:
    """Freeze the labelled images' labels now into the storage; returns the counts and warnings."""
    export = exports.plan(dataset, [c.pk for c in classes])
    skeleton = skeleton_of(classes)
    warnings = []
    if len({tuple(c.sigmas or ()) for c in classes}) > 1:
        warnings.append(f"the classes have different OKS sigmas; pose mAP uses those of {classes[0].name!r}")
    images = [{**_image_json(rec), "stored": image.file.name} for rec, image in export.records()]
    train = sum(1 for i in images if i["split"] != "val")
    val = len(images) - train
    if val == 0 and train > 0:
        warnings.append("no labelled image is in the val split, so validation uses the train images: "
                        "mAP and the evaluation will look better than they are")
    elif train == 0 and val > 0:
        warnings.append("no labelled image is in the train split, so training uses the val images: "
                        "mAP and the evaluation will look better than they are")
    body = {"format": FORMAT, "skeleton": skeleton, "classes": [vars(c) for c in export.specs], "images": images}
    storage.save_replace(files.snapshot_name(session_id), json.dumps(body).encode())
    return Snapshot(train_images=train, val_images=val, skeleton=skeleton, warnings=warnings)


def _image_json(rec: ImageRecord) -> dict:
    return {"file_name": rec.file_name, "width": rec.width, "height": rec.height, "split": rec.split,
            "source_id": rec.source_id,
            "instances": [{"class_index": i.class_index, "bbox": i.bbox, "keypoints": i.keypoints, "area": i.area}
                          for i in rec.instances],
            "crowd": [{"class_index": c.class_index, "bbox": c.bbox, "area": c.area} for c in rec.crowd]}


def load(session_id: int) -> tuple[list[ClassSpec], list[tuple[ImageRecord, str]], dict]:
    """The frozen classes, each image's record with its storage name, and the skeleton summary."""
    body = json.loads(storage.read_bytes(files.snapshot_name(session_id)))
    classes = [ClassSpec(**{**c, "skeleton": [tuple(e) for e in c["skeleton"]]}) for c in body["classes"]]
    images = [(ImageRecord(file_name=i["file_name"], width=i["width"], height=i["height"], split=i["split"],
                           source_id=i["source_id"], has_annotations=True,
                           instances=[InstanceRecord(**inst) for inst in i["instances"]],
                           crowd=[CrowdRecord(**c) for c in i.get("crowd", [])]), i["stored"])
              for i in body["images"]]
    return classes, images, body["skeleton"]


def materialize(session_id: int) -> Path:
    """Build (once) the session's YOLO pose folder in this worker's work folder; returns data.yaml."""
    path = files.data_yaml(session_id)
    if path.is_file():
        return path
    classes, images, skeleton = load(session_id)
    final = files.snapshot_dir(session_id)
    out = final.with_name("snapshot.part")  # renamed when complete: a crash never leaves half a folder
    shutil.rmtree(out, ignore_errors=True)
    writer = YoloPoseWriter(FolderSink(out), classes)
    for rec, stored in images:
        local = storage.local_path(stored)
        if local is None:  # a remote storage: stream the picture into the folder
            writer.add(rec, storage.open_read(stored))
        else:  # hard-linked where the file system allows: the snapshot costs no copy
            writer.add(rec, local)
    writer.close()
    text = (out / "data.yaml").read_text()
    data = yaml.safe_load(text)
    # Ultralytics needs one sigma list for the whole set: the first class's (or its default).
    data["kpt_oks_sigmas"] = skeleton["sigmas"]
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    (out / "data.yaml").write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    shutil.rmtree(final, ignore_errors=True)
    out.rename(final)
    return path
