"""Import and export between the database and the neutral records of datasets/formats."""
from __future__ import annotations

import io
import json
import posixpath
import shutil
import zipfile
from pathlib import Path
from typing import Callable

from django.conf import settings
from django.db import transaction

from config import storage

from .archives import ArchiveError, open_zip
from .errors import InvalidInput
from .formats.coco import parse_coco, write_coco
from .formats.records import ClassSpec, FormatError, ImageRecord, InstanceRecord, PoseDataset
from .formats.yolo import write_yolo
from .imaging import BadImage
from .instances import validate_instances
from .annotations import annotation_update
from .models import Dataset, SkeletonClass
from .services import class_create, image_add


def _load_json(raw: bytes, field: str) -> dict:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"the annotations file is not valid JSON: {exc}", field=field) from exc


IMPORT_MODES = ("skip", "merge", "replace")


def _apply_mode(mode: str, instances: list, no_objects: bool):
    """The (instances, no_objects) an import writes into an image, given what the image already holds."""
    def transform(current: list, current_no_objects: bool):
        labelled = current_no_objects or bool(current)
        if labelled and mode == "skip":
            return None
        if labelled and mode == "merge":
            merged = current + instances
            return merged, not merged and (current_no_objects or no_objects)
        return instances, no_objects
    return transform


@transaction.atomic
def coco_import(*, dataset: Dataset, coco: dict, read_image: Callable[[str], bytes | None], mode: str = "skip",
                user=None) -> dict:
    """Import a COCO keypoints dict; `read_image(file_name)` returns the bytes or None if missing.

    All or nothing: a missing or bad image, or an invalid instance, rolls the whole import back.
    `mode` decides what happens to images that already have labels (or "no objects"): "skip" (default:
    left as they are and listed in `skipped`), "merge" (the file's instances are added to theirs) or
    "replace" (the file's instances replace theirs). Every image whose labels changed is listed in `changed`.
    """
    if mode not in IMPORT_MODES:
        raise InvalidInput(f"mode must be one of {list(IMPORT_MODES)}", field="mode")
    try:
        parsed = parse_coco(coco)
    except FormatError as exc:
        raise InvalidInput(exc.message, field=exc.field) from exc
    class_ids = []
    for spec in parsed.classes:
        existing = SkeletonClass.objects.filter(dataset=dataset, name=spec.name).first()
        if existing:
            if [k["name"] for k in existing.keypoints] != spec.keypoints:
                raise InvalidInput(f"class {spec.name!r} already exists with other keypoints", field="categories")
            class_ids.append(existing.pk)
            continue
        n = len(spec.keypoints)
        # Spread the template points on a grid so the editor shows something sensible before anyone edits it.
        cols = max(1, int(n ** 0.5 + 0.999))
        rows = (n + cols - 1) // cols
        kps = [{"name": name, "x": (i % cols + 0.5) / cols, "y": (i // cols + 0.5) / rows} for i, name in enumerate(spec.keypoints)]
        conns = [{"a": a, "b": b} for a, b in spec.skeleton]
        class_ids.append(class_create(dataset=dataset, name=spec.name, keypoints=kps, connections=conns).pk)
    counts = {pk: len(parsed.classes[i].keypoints) for i, pk in enumerate(class_ids)}

    missing = []
    created = duplicates = 0
    skipped, changed = [], []
    for rec in parsed.images:
        data = read_image(rec.file_name)
        if data is None:
            missing.append(rec.file_name)
            continue
        try:
            image, was_created = image_add(dataset=dataset, name=rec.file_name, data=data)
        except BadImage as exc:
            raise InvalidInput(f"image {rec.file_name}: {exc.message}", field="images") from exc
        created += was_created
        duplicates += not was_created
        raw = [{"class": class_ids[inst.class_index], "bbox": inst.bbox, "keypoints": inst.keypoints}
               for inst in rec.instances]
        try:
            instances = validate_instances(raw, width=image.width, height=image.height, keypoint_counts=counts)
        except InvalidInput as exc:
            raise InvalidInput(f"image {rec.file_name}: {exc.message}", field=f"annotations.{exc.field}") from exc
        # COCO labels every object of its categories, so an image listed without one is a negative.
        written = annotation_update(image=image, transform=_apply_mode(mode, instances, not instances), user=user)
        entry = {"image": image.pk, "file_name": rec.file_name}
        if written is None:
            skipped.append(entry)
        else:
            changed.append(entry)
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise InvalidInput(f"{len(missing)} image file(s) named in the JSON were not found: {shown}", field="images")
    warnings = list(parsed.warnings)
    if skipped:
        shown = ", ".join(e["file_name"] for e in skipped[:10]) + (f" and {len(skipped) - 10} more"
                                                                   if len(skipped) > 10 else "")
        warnings.append(f"{len(skipped)} image(s) already had labels and were left as they are (import with "
                        f"mode=merge or mode=replace to change them): {shown}")
    return {"images_created": created, "images_existing": duplicates, "classes": class_ids, "mode": mode,
            "instances": sum(len(r.instances) for r in parsed.images), "changed": changed, "skipped": skipped,
            "warnings": warnings}


def coco_import_dir(*, dataset: Dataset, json_path: str | Path, images_dir: str | Path, mode: str = "skip",
                    user=None) -> dict:
    root = Path(images_dir).resolve()

    def read(name: str) -> bytes | None:
        for candidate in (root / name, root / posixpath.basename(name)):
            candidate = candidate.resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate.read_bytes()
        return None

    return coco_import(dataset=dataset, coco=_load_json(Path(json_path).read_bytes(), "json"), read_image=read,
                       mode=mode, user=user)


def coco_import_zip(*, dataset: Dataset, fileobj, mode: str = "skip", user=None) -> dict:
    """A zip holding one COCO .json and its images anywhere inside (matched by path, then by base name)."""
    try:
        zf = open_zip(fileobj, settings.MAX_ZIP_BYTES)
    except ArchiveError as exc:
        raise InvalidInput(exc.message, field="file") from exc
    names = [n for n in zf.namelist() if not n.endswith("/") and not n.startswith("__MACOSX/")]
    jsons = [n for n in names if n.lower().endswith(".json")]
    if len(jsons) != 1:
        raise InvalidInput(f"the zip must hold exactly one COCO .json file; found {len(jsons)}", field="file")
    by_base: dict[str, str] = {}
    for n in names:
        by_base.setdefault(posixpath.basename(n), n)
    json_dir = posixpath.dirname(jsons[0])
    limit = settings.MAX_IMAGE_BYTES

    def read(name: str) -> bytes | None:
        for candidate in (posixpath.join(json_dir, name), name, by_base.get(posixpath.basename(name))):
            if candidate and candidate in zf.NameToInfo:
                with zf.open(candidate) as fh:
                    return fh.read(limit + 1)
        return None

    with zf.open(jsons[0]) as fh:
        coco = _load_json(fh.read(), "file")
    return coco_import(dataset=dataset, coco=coco, read_image=read, mode=mode, user=user)


# ---------------------------------------------------------------- export
def dataset_records(dataset: Dataset, class_ids: list[int] | None = None) -> tuple[PoseDataset, list[str]]:
    """Labelled images of the dataset as neutral records, plus each image's file path.

    Unlabelled images are left out: exporting them would teach a model they hold no objects.
    """
    classes = list(dataset.classes.all())
    if class_ids:
        unknown = set(class_ids) - {c.pk for c in classes}
        if unknown:
            raise InvalidInput(f"class id(s) {sorted(unknown)} are not classes of this dataset", field="classes")
        classes = [c for c in classes if c.pk in class_ids]
    index = {c.pk: i for i, c in enumerate(classes)}
    specs = [ClassSpec(name=c.name, keypoints=[k["name"] for k in c.keypoints],
                       skeleton=[(e["a"], e["b"]) for e in c.connections], flip_pairs=c.flip_pairs,
                       sigmas=c.sigmas) for c in classes]
    records, paths, used_names = [], [], set()
    images = (dataset.images.filter(labelled=True).select_related("annotation").order_by("id"))
    for image in images:
        name = image.original_name or f"{image.sha256}.jpg"
        if name in used_names:
            name = f"{image.pk}_{name}"
        used_names.add(name)
        ann = getattr(image, "annotation", None)
        insts = [InstanceRecord(class_index=index[i["class"]], bbox=i["bbox"], keypoints=i["keypoints"])
                 for i in (ann.instances if ann else []) if i["class"] in index]
        records.append(ImageRecord(file_name=name, width=image.width, height=image.height,
                                   instances=insts, split=image.split, source_id=image.pk))
        paths.append(image.file.name)
    return PoseDataset(classes=specs, images=records), paths


def export_coco(dataset: Dataset, class_ids: list[int] | None = None) -> dict:
    records, _ = dataset_records(dataset, class_ids)
    return write_coco(records)


def export_yolo(dataset: Dataset, out_dir: str | Path, class_ids: list[int] | None = None) -> Path:
    records, names = dataset_records(dataset, class_ids)
    out = Path(out_dir)

    def source(i: int) -> str:
        local = out / ".sources" / f"{i}{Path(names[i]).suffix}"
        storage.materialize(names[i], local)
        return str(local)

    try:
        folder = write_yolo(records, out_dir, source)
        shutil.rmtree(out / ".sources", ignore_errors=True)
        return folder
    except FormatError as exc:
        raise InvalidInput(exc.message, field=exc.field) from exc


def zip_folder(folder: Path) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:  # images are compressed already
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    buf.seek(0)
    return buf
