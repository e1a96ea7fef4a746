"""Imports: a COCO keypoints file or an Ultralytics YOLO pose dataset (a zip, or a folder on the command line)
into a dataset, through the format readers (datasets.formats) and the one annotation writer.

The rules (docs/formats.md, "Importing"):
- All or nothing: a missing or bad picture, an instance outside its picture, a value of the wrong type
  anywhere, an unknown category, an ambiguous file name: 400 naming the field and the offending ids, and
  the dataset is left as it was (rows; picture files are content-addressed, an orphan is harmless).
- Nothing is dropped silently: whatever is stored differently from the file (visibility values mapped,
  a size that disagrees with the picture, two entries that are the same picture) comes back as a
  warning `{"code", "message", "item", "field"}`.
- Images that already have labels (or "no objects") are left as they are by default and listed in
  `skipped`; `mode="merge"` adds the file's instances to theirs, `mode="replace"` replaces them; every
  image whose labels were written is listed in `changed`.
"""
from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from django.conf import settings
from django.db import transaction

from core.errors import InvalidInput

from . import services
from .annotations import Labels, annotation_update
from .archives import ArchiveError, open_zip
from .formats.coco import parse_coco
from .formats.names import find_annotation_file, folder_entries, is_junk_entry, resolve_file_names
from .formats.records import FormatWarning, ImageRecord, PoseDataset, summarise
from .formats.yolo_reader import read_yolo_folder, read_yolo_zip
from .imaging import BadImage
from .instances import validate_crowd_regions, validate_instances
from .models import Dataset, Image, SkeletonClass

MODES = ("skip", "merge", "replace")
FORMATS = ("coco", "yolo")
Progress = Callable[[int, int], None]  # (done, total)


def _mode_transform(mode: str, new: Labels):
    """What an import writes into an image, given what the image already holds."""
    def transform(current: Labels):
        if current.labelled and mode == "skip":
            return None
        if current.labelled and mode == "merge":
            instances, crowd = current.instances + new.instances, current.crowd + new.crowd
            empty = not instances and not crowd
            return Labels(instances, empty and (current.no_objects or new.no_objects), crowd)
        return new
    return transform


# ---------------------------------------------------------------- classes
def _template(name: str, keypoints: list[str], instances: list) -> list[dict]:
    """A template drawn from the average pose of the imported instances: each point at its mean place inside
    the instances' boxes (normalised 0..1); a point no instance labels goes on a row below the box."""
    sums = [[0.0, 0.0, 0] for _ in keypoints]
    for inst in instances:
        x, y, w, h = inst.bbox
        if w <= 0 or h <= 0:
            continue
        for j, (kx, ky, v) in enumerate(inst.keypoints):
            if v > 0:
                sums[j][0] += (kx - x) / w
                sums[j][1] += (ky - y) / h
                sums[j][2] += 1
    unseen = [j for j, s in enumerate(sums) if not s[2]]
    out = []
    for j, kp in enumerate(keypoints):
        sx, sy, n = sums[j]
        if n:
            px, py = min(max(sx / n, -0.5), 1.5), min(max(sy / n, -0.5), 1.5)
        else:
            px, py = (unseen.index(j) + 0.5) / len(unseen), 1.1
        out.append({"name": kp, "x": round(px, 4), "y": round(py, 4)})
    return out


def _classes(dataset: Dataset, parsed: PoseDataset) -> tuple[list[int], list[str]]:
    """Class ids for the parsed classes (matched by name, created when new); and warnings."""
    ids, created = [], []
    for c, spec in enumerate(parsed.classes):
        existing = SkeletonClass.objects.filter(dataset=dataset, name=spec.name).first()
        if existing:
            if [k["name"] for k in existing.keypoints] != list(spec.keypoints):
                raise InvalidInput(f"class {spec.name!r} already exists in the dataset with other keypoints "
                                   f"({len(existing.keypoints)} vs {len(spec.keypoints)} in the file)",
                                   field=f"categories[{c}].keypoints")
            ids.append(existing.pk)
            continue
        instances = [i for rec in parsed.images for i in rec.instances if i.class_index == c]
        cls = services.class_create(dataset=dataset, name=spec.name, keypoints=_template(spec.name, spec.keypoints,
                                                                                         instances),
                                    connections=[{"a": a, "b": b} for a, b in spec.skeleton],
                                    flip_pairs=spec.flip_pairs, sigmas=spec.sigmas, symmetric=spec.symmetric)
        ids.append(cls.pk)
        created.append(spec.name)
    return ids, created


# ---------------------------------------------------------------- storing
@dataclass
class _Entry:
    """The file's entries that turned out to be one picture (identical bytes), with their labels."""

    image: Image
    names: list[str] = field(default_factory=list)
    labels: Labels = field(default_factory=Labels)
    annotated: bool = False  # the file said something about this picture (objects or none)


@transaction.atomic
def store_records(*, dataset: Dataset, parsed: PoseDataset, read_picture: Callable[[int], bytes | None],
                  listed_means_labelled: bool, mode: str = "skip", user=None,
                  progress: Progress | None = None) -> dict:
    """Store every picture and label of `parsed` (`read_picture(i)`: the bytes of parsed.images[i], None when
    missing) under the rules of this module; returns the result the API answers with.

    `listed_means_labelled`: COCO labels every object of every image it lists, so a listed image with no
    annotation is stored as "no objects"; a YOLO picture without a label file stays unlabelled."""
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {list(MODES)}", field="mode")
    class_ids, created_classes = _classes(dataset, parsed)
    counts = {pk: len(parsed.classes[i].keypoints) for i, pk in enumerate(class_ids)}
    warnings: list[FormatWarning] = list(parsed.warnings)
    missing: list[str] = []
    entries: dict[int, _Entry] = {}
    created = existing = 0
    total = len(parsed.images)
    for n, rec in enumerate(parsed.images):
        data = read_picture(n)
        if data is None:
            missing.append(rec.file_name)
            continue
        try:
            image, was_created = services.image_add(dataset=dataset, name=rec.file_name, data=data)
        except BadImage as exc:
            raise InvalidInput(f"image {rec.file_name!r}: {exc.message}", field="images", code=exc.code) from exc
        created += was_created
        existing += not was_created
        if (rec.width, rec.height) != (image.width, image.height):
            turned = (rec.width, rec.height) == (image.height, image.width)
            warnings.append(FormatWarning(
                f"{rec.file_name}: the file says {rec.width}x{rec.height}, the picture is {image.width}x{image.height}"
                + (" after its EXIF rotation: labels are kept in the picture's displayed orientation, check them"
                   if turned else "; labels are checked against the picture's own size"),
                code="size_differs", item=rec.file_name, field="images"))
        entry = entries.setdefault(image.pk, _Entry(image))
        entry.names.append(rec.file_name)
        _add_labels(entry, rec, class_ids, counts, image)
        entry.annotated = entry.annotated or listed_means_labelled or rec.has_annotations
        if progress and (n % 50 == 0 or n == total - 1):
            progress(n + 1, total)
    if missing:
        raise InvalidInput(f"{len(missing)} picture(s) named in the file were not found: {summarise(missing, 10)}",
                           field="images", missing=missing[:100])
    changed, skipped = [], []
    for entry in entries.values():
        if len(entry.names) > 1:
            warnings.append(FormatWarning(
                f"{summarise(entry.names, 5)} are the same picture (identical bytes): stored once as "
                f"{entry.image.original_name!r}, with the labels of all {len(entry.names)} entries",
                code="same_picture", item=entry.image.original_name, field="images"))
        if not entry.annotated:
            continue  # a YOLO picture without a label file: stored, left unlabelled
        labels = entry.labels
        # COCO (and YOLO) label every object of their classes: a listed picture with none is a negative.
        labels.no_objects = not labels.instances and not labels.crowd
        written = annotation_update(image=entry.image, transform=_mode_transform(mode, labels), user=user)
        (changed if written is not None else skipped).append({"image": entry.image.pk,
                                                              "file_name": entry.image.original_name})
    if skipped:
        warnings.append(FormatWarning(
            f"{len(skipped)} image(s) already had labels and were left as they are (import with mode=merge or "
            f"mode=replace to change them): {summarise([s['file_name'] for s in skipped], 10)}",
            code="skipped_labelled", field="mode"))
    return {"images_created": created, "images_existing": existing, "classes": class_ids,
            "classes_created": created_classes, "mode": mode,
            "instances": sum(len(r.instances) for r in parsed.images),
            "crowd": sum(len(r.crowd) for r in parsed.images),
            "changed": changed, "skipped": skipped, "warnings": [w.as_dict() for w in warnings]}


def _add_labels(entry: _Entry, rec: ImageRecord, class_ids: list[int], counts: dict, image: Image) -> None:
    raw = [{"class": class_ids[i.class_index], "bbox": i.bbox, "keypoints": i.keypoints,
            **({"area": i.area} if i.area is not None else {})} for i in rec.instances]
    crowd = [{"class": class_ids[c.class_index], "bbox": c.bbox, **({"area": c.area} if c.area is not None else {})}
             for c in rec.crowd]
    try:
        entry.labels.instances += validate_instances(raw, width=image.width, height=image.height,
                                                     keypoint_counts=counts)
        entry.labels.crowd += validate_crowd_regions(crowd, width=image.width, height=image.height, class_ids=counts)
    except InvalidInput as exc:
        raise InvalidInput(f"image {rec.file_name!r}: {exc.message}", field=f"images[{rec.file_name}].{exc.field}",
                           image=rec.source_id if rec.source_id is not None else rec.file_name) from exc


# ---------------------------------------------------------------- sources
def _read_json(raw: bytes, where: str):
    try:
        return json.loads(raw)
    except RecursionError:
        raise InvalidInput("the annotation file nests too deeply to be COCO JSON", field=where) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"the annotation file is not valid JSON: {exc}", field=where) from None


def detect_format(names: list[str]) -> str:
    """'yolo' when the archive holds a data.yaml, else 'coco'."""
    return "yolo" if any(n.lower().rsplit("/", 1)[-1] in ("data.yaml", "data.yml") for n in names
                         if not is_junk_entry(n)) else "coco"


def import_zip(*, dataset: Dataset, fileobj, fmt: str | None = None, mode: str = "skip", user=None,
               progress: Progress | None = None) -> dict:
    """Import an uploaded zip: one COCO keypoints .json with its pictures anywhere inside, or an Ultralytics
    YOLO pose dataset (data.yaml, images/, labels/). `fmt` None: detected from the contents."""
    try:
        zf = open_zip(fileobj, settings.MAX_ZIP_BYTES)
    except ArchiveError as exc:
        raise InvalidInput(exc.message, field="file", code=exc.code) from exc
    names = [n for n in zf.namelist() if not is_junk_entry(n)]
    fmt = fmt or detect_format(names)
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {list(FORMATS)}", field="format")
    limit = settings.MAX_IMAGE_BYTES

    def read(entry: str) -> bytes:
        info = zf.getinfo(entry)
        if info.file_size > limit:
            raise InvalidInput(f"picture {entry!r} is {info.file_size} bytes; the limit is {limit}", field="images",
                               code="file_too_large")
        with zf.open(info) as fh:
            return fh.read(limit + 1)

    if fmt == "yolo":
        parsed = read_yolo_zip(zf)
        return store_records(dataset=dataset, parsed=parsed, read_picture=lambda i: read(parsed.images[i].source_path),
                             listed_means_labelled=False, mode=mode, user=user, progress=progress)
    json_name = find_annotation_file(names)
    with zf.open(json_name) as fh:
        parsed = parse_coco(_read_json(fh.read(), "file"))
    pictures = [n for n in names if n != json_name]
    found = resolve_file_names([r.file_name for r in parsed.images], pictures, base=posixpath.dirname(json_name))
    return store_records(dataset=dataset, parsed=parsed,
                         read_picture=lambda i: read(found[i]) if found[i] is not None else None,
                         listed_means_labelled=True, mode=mode, user=user, progress=progress)


def import_coco_folder(*, dataset: Dataset, json_path: str | Path, images_dir: str | Path, mode: str = "skip",
                       user=None, progress: Progress | None = None) -> dict:
    """The command line's COCO import: a JSON file and a folder of pictures (matched like zip entries)."""
    root = Path(images_dir)
    if not root.is_dir():
        raise InvalidInput(f"{images_dir} is not a folder", field="images")
    parsed = parse_coco(_read_json(Path(json_path).read_bytes(), "json"))
    entries = folder_entries(root)
    found = resolve_file_names([r.file_name for r in parsed.images], entries)
    return store_records(dataset=dataset, parsed=parsed,
                         read_picture=lambda i: (root / found[i]).read_bytes() if found[i] is not None else None,
                         listed_means_labelled=True, mode=mode, user=user, progress=progress)


def import_yolo_folder(*, dataset: Dataset, root: str | Path, mode: str = "skip", user=None,
                       progress: Progress | None = None) -> dict:
    """The command line's YOLO import: an Ultralytics pose dataset folder (with its data.yaml)."""
    parsed = read_yolo_folder(root)
    base = Path(root)
    return store_records(dataset=dataset, parsed=parsed,
                         read_picture=lambda i: (base / parsed.images[i].source_path).read_bytes(),
                         listed_means_labelled=False, mode=mode, user=user, progress=progress)

