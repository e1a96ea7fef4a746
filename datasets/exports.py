"""Exports: a dataset's labelled images as COCO keypoints JSON or an Ultralytics YOLO pose zip, streamed so
memory stays bounded by a few images whatever the dataset's size (docs/formats.md, "Exporting").

- Only labelled images are exported (an unlabelled image would teach a model that it holds nothing); a
  dataset with nothing labelled is a 400, never an empty file.
- Images keep the user's names (`cam1/frame_0001.jpg`); names that would collide in a YOLO folder or on a
  case-insensitive disk get distinct, visible names, the same in both formats (formats.names.export_names).
- COCO keeps each instance's stored `area`, crowd regions, `num_keypoints`, and stable ids (an image's id is
  its Posedeck id, a category's its class id).
- The YOLO zip trains as downloaded: data.yaml holds no server path, names only splits that exist, and has
  `flip_idx` only when the class has left/right pairs (or is marked symmetric).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from core.errors import InvalidInput

from .formats.coco_writer import iter_coco_json
from .formats.names import export_names
from .formats.records import ClassSpec, CrowdRecord, FormatError, ImageRecord, InstanceRecord
from .formats.yolo import YoloPoseWriter, ZipSink
from .models import Dataset, Image, SkeletonClass

Progress = Callable[[int, int], None]  # (done, total)


def class_specs(classes: list[SkeletonClass]) -> list[ClassSpec]:
    return [ClassSpec(name=c.name, keypoints=[k["name"] for k in c.keypoints],
                      skeleton=[(e["a"], e["b"]) for e in c.connections], flip_pairs=c.flip_pairs or None,
                      sigmas=c.sigmas, symmetric=c.symmetric, source_id=c.pk) for c in classes]


@dataclass
class ExportPlan:
    """What an export writes: the chosen classes and the labelled images with their export names."""

    dataset: Dataset
    classes: list[SkeletonClass]
    specs: list[ClassSpec]
    names: dict[int, str]  # image id -> export name

    @property
    def total(self) -> int:
        return len(self.names)

    def images(self):
        return (self.dataset.images.filter(pk__in=self.names.keys()) if len(self.names) < 1000
                else self.dataset.images.filter(labelled=True)).select_related("annotation").order_by("id")

    def records(self) -> Iterator[tuple[ImageRecord, Image]]:
        """(record, image) per labelled image in id order, read in chunks (bounded memory)."""
        index = {c.pk: i for i, c in enumerate(self.classes)}
        for image in self.images().iterator(chunk_size=500):
            if image.pk not in self.names:
                continue
            ann = getattr(image, "annotation", None)
            instances = [InstanceRecord(class_index=index[i["class"]], bbox=i["bbox"], keypoints=i["keypoints"],
                                        area=i.get("area")) for i in (ann.instances if ann else []) if i["class"] in index]
            crowd = [CrowdRecord(class_index=index[c["class"]], bbox=c["bbox"], area=c.get("area"))
                     for c in (ann.crowd if ann else []) if c["class"] in index]
            yield ImageRecord(file_name=self.names[image.pk], width=image.width, height=image.height,
                              instances=instances, crowd=crowd, split=image.split, source_id=image.pk,
                              has_annotations=True), image


def plan(dataset: Dataset, class_ids: list[int] | None = None) -> ExportPlan:
    """Check the request and name the images (one pass over names only); InvalidInput when nothing is
    labelled or a class id is not the dataset's."""
    classes = list(dataset.classes.all().order_by("id"))
    if class_ids:
        unknown = sorted(set(class_ids) - {c.pk for c in classes})
        if unknown:
            raise InvalidInput(f"class id(s) {unknown} are not classes of this dataset", field="classes")
        classes = [c for c in classes if c.pk in set(class_ids)]
    if not classes:
        raise InvalidInput("the dataset has no skeleton class to export", field="classes")
    rows = list(dataset.images.filter(labelled=True).order_by("id").values_list("id", "original_name", "file"))
    if not rows:
        raise InvalidInput("nothing to export: no image of this dataset is labelled yet; label some (or mark "
                           "them 'no objects') first", field="dataset", code="nothing_labelled")
    names = export_names([name for _, name, _ in rows], [os.path.splitext(file)[1] for _, _, file in rows])
    return ExportPlan(dataset, classes, class_specs(classes), {pk: name for (pk, _, _), name in zip(rows, names)})


def write_coco(export: ExportPlan, out: IO[str], progress: Progress | None = None) -> dict:
    """Stream the COCO keypoints JSON into `out` (text): two passes over the images (image entries, then
    annotations), one image in memory at a time; returns counts."""
    counts = {"images": 0, "instances": 0, "crowd": 0}
    passes = 0

    def images():
        nonlocal passes
        passes += 1
        second = passes == 2
        for done, (rec, _) in enumerate(export.records(), 1):
            if second:
                counts["images"] += 1
                counts["instances"] += len(rec.instances)
                counts["crowd"] += len(rec.crowd)
            if progress and (done % 200 == 0 or done == export.total):
                progress(done + second * export.total, 2 * export.total)
            yield rec

    info = {"description": f"{export.dataset.name}, exported by Posedeck"}
    try:
        for chunk in iter_coco_json(export.specs, images, info=info):
            out.write(chunk)
    except FormatError as exc:
        raise InvalidInput(exc.message, field=exc.field) from exc
    return {**counts, "warnings": []}


def write_yolo(export: ExportPlan, out: IO[bytes], progress: Progress | None = None) -> dict:
    """Stream the YOLO pose zip into `out` (binary, need not seek); returns counts and warnings."""
    try:
        writer = YoloPoseWriter(ZipSink(out), export.specs)
        done = 0
        for rec, image in export.records():
            writer.add(rec, image.file.open("rb"))
            done += 1
            if progress and (done % 50 == 0 or done == export.total):
                progress(done, export.total)
        summary = writer.close()
    except FormatError as exc:
        raise InvalidInput(exc.message, field=exc.field) from exc
    warnings = [w.as_dict() for w in summary.warnings]
    if summary.crowd_left_out:
        warnings.append({"code": "crowd_left_out", "item": None, "field": "crowd",
                         "message": f"{summary.crowd_left_out} crowd region(s) are not in the YOLO export: the format "
                                    "has no ignore regions (the COCO export keeps them)"})
    return {"images": sum(summary.images.values()), "instances": summary.instances,
            "splits": summary.images, "data": summary.data, "warnings": warnings}


def export_name(dataset: Dataset, fmt: str) -> str:
    slug = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in dataset.name) or f"dataset{dataset.pk}"
    return f"{slug}_coco.json" if fmt == "coco" else f"{slug}_yolo.zip"
