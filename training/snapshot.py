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
from datasets.formats.yolo import FolderSink, YoloPoseWriter, yolo_flip_idx
from datasets.models import Dataset, SkeletonClass

from . import files
from .engine import split_check
from .engine.ground_truth import class_sigmas, coco_ground_truth
from .errors import NotEnoughPeople
from .metrics.coco_ground_truth import prepare_ground_truth

FORMAT = 1


@dataclass
class Snapshot:
    train_images: int
    val_images: int
    skeleton: dict
    warnings: list[str] = field(default_factory=list)
    split_check: dict = field(default_factory=dict)


def skeleton_of(classes: list[SkeletonClass]) -> dict:
    """The skeleton summary a session keeps. Top-level keypoint names and sigmas are the first class's (what
    Ultralytics trains with: it takes one sigma list); `classes[i]` has each class's own names and sigmas, which
    the COCO AP uses."""
    k = len(classes[0].keypoints)
    specs = exports.class_specs(classes)
    flip_idx, _ = yolo_flip_idx(specs)
    per_class = [class_sigmas(spec) for spec in specs]
    return {
        "keypoint_count": k,
        "keypoint_names": list(specs[0].keypoints),
        "sigmas": per_class[0][0],
        "sigmas_source": per_class[0][1],
        "flip_idx": flip_idx,  # None: no left/right pairs, so horizontal flips are off (fliplr 0)
        "classes": [{"id": c.pk, "name": c.name, "color": c.color,
                     "keypoints": [kp["name"] for kp in c.keypoints],
                     "connections": [[e["a"], e["b"]] for e in c.connections],
                     "flip_pairs": c.flip_pairs, "sigmas": sig, "sigmas_source": source}
                    for c, (sig, source) in zip(classes, per_class)],
    }


def snapshot_create(*, session_id: int, dataset: Dataset, classes: list[SkeletonClass]) -> Snapshot:
    """Freeze the labelled images' labels now into the storage, with the val split's COCO ground truth; returns the
    counts and warnings. NotEnoughPeople (409) when train and val cannot each hold a person with keypoints."""
    export = exports.plan(dataset, [c.pk for c in classes])
    skeleton = skeleton_of(classes)
    warnings = []
    if len({tuple(c["sigmas"]) for c in skeleton["classes"]}) > 1:
        warnings.append(f"the classes have different OKS sigmas; Ultralytics' loss and its own mAP use those of "
                        f"{classes[0].name!r}; the COCO AP scores each class with its own")
    for c in skeleton["classes"]:
        if c["sigmas_source"] == "uniform":
            warnings.append(f"class {c['name']!r} has no OKS sigmas of its own: it trains and is scored with the "
                            f"uniform default 1/K = {c['sigmas'][0]:g}, which depends on its number of keypoints, not "
                            "on how precise they are; set them in the template editor (presets there)")
    images = [{**_image_json(rec), "stored": image.file.name} for rec, image in export.records()]
    _unique_basenames(images)
    plan = split_check.check_split(images)
    if not plan.ok:
        raise NotEnoughPeople(plan.message, field="split", train=vars(plan.train), val=vars(plan.val))
    for image in images:
        image["split"] = plan.moves.get(image["source_id"], image["split"])
    if plan.message:
        warnings.append(plan.message)
    warnings += plan.warnings
    train = sum(1 for i in images if i["split"] == "train")
    val = sum(1 for i in images if i["split"] == "val")
    body = {"format": FORMAT, "skeleton": skeleton, "classes": [vars(c) for c in export.specs], "images": images,
            "split_check": plan.as_dict()}
    storage.save_replace(files.snapshot_name(session_id), json.dumps(body).encode())
    truth = prepare_ground_truth(coco_ground_truth(export.specs, [_record(i) for i in images if i["split"] == "val"],
                                                   description=f"{dataset.name}: val split frozen for session "
                                                               f"{session_id}"))
    storage.save_replace(files.coco_name(session_id, "ground_truth"), json.dumps(truth).encode())
    return Snapshot(train_images=train, val_images=val, skeleton=skeleton, warnings=warnings,
                    split_check=plan.as_dict())


def _unique_basenames(images: list[dict]) -> None:
    """Give images whose file name without folders is shared (cam1/f.jpg, cam2/f.jpg) a flattened name in the
    snapshot (cam1__f.jpg): Ultralytics' validator names its predictions by that bare name, which the COCO AP maps
    back to image ids. Other names stay as they are."""
    def base(name: str) -> str:
        return name.rsplit("/", 1)[-1].casefold()

    counts: dict[str, int] = {}
    for image in images:
        counts[base(image["file_name"])] = counts.get(base(image["file_name"]), 0) + 1
    taken = {base(i["file_name"]) for i in images if counts[base(i["file_name"])] == 1}
    for image in images:
        name = image["file_name"]
        if counts[base(name)] == 1:
            continue
        flat = name.replace("/", "__")
        stem, dot, ext = flat.rpartition(".")
        candidate, n = flat, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{stem}_{n}{dot}{ext}" if dot else f"{flat}_{n}"
        taken.add(candidate.casefold())
        image["file_name"] = candidate


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
    images = [(_record(i), i["stored"]) for i in body["images"]]
    return classes, images, body["skeleton"]


def _record(i: dict) -> ImageRecord:
    return ImageRecord(file_name=i["file_name"], width=i["width"], height=i["height"], split=i["split"],
                       source_id=i["source_id"], has_annotations=True,
                       instances=[InstanceRecord(**inst) for inst in i["instances"]],
                       crowd=[CrowdRecord(**c) for c in i.get("crowd", [])])


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
    # Ultralytics needs one sigma list for the whole set: the first class's (or its default). The COCO AP uses
    # each class's own (the frozen ground truth's categories carry them).
    data["kpt_oks_sigmas"] = skeleton["sigmas"]
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    (out / "data.yaml").write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    shutil.rmtree(final, ignore_errors=True)
    out.rename(final)
    return path
