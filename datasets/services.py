"""Writes for datasets, images and skeleton classes. Views call these; they never write themselves."""
from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import IO, Iterable

from django.conf import settings
from django.db import IntegrityError, transaction

from config import storage as cfg_storage
from core.errors import StorageFull

from . import storage
from .archives import IMAGE_SUFFIXES, ArchiveError, iter_members, open_zip
from .annotations import Labels, annotations_update_dataset
from .errors import ClassInUse, Conflict, InvalidInput
from .formats.names import normalize_name
from .formats.skeleton import derive_flip_pairs
from .imaging import BadImage, CheckedImage, check_image
from .models import Annotation, Dataset, Image, SkeletonClass
from .signals import dataset_moved, send_images_added
from .splits import split_for


# ---------------------------------------------------------------- datasets
def dataset_create(*, workspace, user=None, name: str, description: str = "", val_fraction: float = 0.2) -> Dataset:
    if Dataset.objects.filter(workspace=workspace, name=name).exists():
        raise InvalidInput(f"the workspace already has a dataset named {name!r}", field="name")
    return Dataset.objects.create(workspace=workspace, created_by=user, name=name, description=description,
                                  val_fraction=val_fraction)


@transaction.atomic
def dataset_update(*, dataset: Dataset, **changes) -> Dataset:
    if "name" in changes and Dataset.objects.filter(workspace_id=dataset.workspace_id, name=changes["name"]).exclude(
            pk=dataset.pk).exists():
        raise InvalidInput(f"the workspace already has a dataset named {changes['name']!r}", field="name")
    old_fraction = dataset.val_fraction
    for key, value in changes.items():
        setattr(dataset, key, value)
    dataset.save()
    if "val_fraction" in changes and changes["val_fraction"] != old_fraction:
        reassign_splits(dataset)
    return dataset


def reassign_splits(dataset: Dataset) -> None:
    to_val, to_train = [], []
    for pk, sha, split in dataset.images.values_list("id", "sha256", "split"):
        want = split_for(sha, dataset.val_fraction)
        if want != split:
            (to_val if want == "val" else to_train).append(pk)
    Image.objects.filter(pk__in=to_val).update(split="val")
    Image.objects.filter(pk__in=to_train).update(split="train")


@transaction.atomic
def dataset_move(*, dataset: Dataset, workspace) -> Dataset:
    """Move a dataset (images, classes, labels) into another workspace; the caller checked that the user is an
    admin of both. Apps that keep things about the dataset follow through `signals.dataset_moved` (training
    sessions move with it; assignments of people who are not members of the target are dropped).
    Conflict when the target already has a dataset with that name."""
    if workspace.pk == dataset.workspace_id:
        raise InvalidInput("the dataset is already in that workspace", field="workspace")
    if Dataset.objects.filter(workspace=workspace, name=dataset.name).exists():
        raise Conflict(f"{workspace.name!r} already has a dataset named {dataset.name!r}; rename one first",
                       field="workspace")
    source = dataset.workspace
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    dataset.workspace = workspace
    dataset.save(update_fields=["workspace"])
    dataset_moved.send(sender=Dataset, dataset=dataset, source=source, target=workspace)
    return dataset


def dataset_delete(*, dataset: Dataset) -> None:
    """Delete a dataset with its images, labels, classes and import/export jobs, and then their files."""
    pk = dataset.pk
    job_ids = list(dataset.jobs.values_list("id", flat=True))
    dataset.delete()

    def delete_files():
        storage.delete_dataset_files(pk)
        for job_id in job_ids:  # uploaded archives and finished exports
            cfg_storage.delete_tree(f"jobs/{job_id}")

    transaction.on_commit(delete_files)


# ---------------------------------------------------------------- images
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


@dataclass
class UploadReport:
    created: list[Image] = field(default_factory=list)
    duplicates: list[Image] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def add_error(self, file: str, code: str, message: str) -> None:
        self.errors.append({"file": file, "error": code, "message": message})


def _row(dataset: Dataset, name: str, checked: CheckedImage, size: int) -> Image:
    return Image(dataset=dataset, original_name=(normalize_name(name) or "image")[-500:], sha256=checked.sha256, width=checked.width,
                 height=checked.height, size_bytes=size, split=split_for(checked.sha256, dataset.val_fraction))


def _write_files(row: Image, data: bytes, checked: CheckedImage) -> list[str]:
    """Store the image, its thumbnail and rendition; returns the names this call created (not those that were
    there already), so a failed batch can take back exactly its own files. On OSError (a full disk) the
    files of this image written so far are removed before it propagates."""
    # Files first, row second: a row never points at a missing file.
    ds, sha = row.dataset_id, checked.sha256
    wanted = [("file", storage.image_name(ds, sha, checked.ext), data),
              ("thumbnail", storage.thumb_name(ds, sha), checked.thumbnail_jpeg)]
    if checked.rendition_png is not None:
        wanted.append(("rendition", storage.rendition_name(ds, sha), checked.rendition_png))
    created: list[str] = []
    try:
        for attr, name, content in wanted:
            existed = cfg_storage.exists(name)
            getattr(row, attr).name = stored = cfg_storage.save_once(name, content)
            if not existed:
                created.append(stored)
    except OSError:
        _delete_files(created)
        raise
    return created


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        try:
            cfg_storage.delete(name)
        except OSError:
            pass


def image_add(*, dataset: Dataset, name: str, data: bytes) -> tuple[Image, bool]:
    """Store one image; returns (image, created). Raises BadImage for anything that is not a sane image."""
    checked = check_image(data, settings.MAX_IMAGE_BYTES)
    existing = Image.objects.filter(dataset=dataset, sha256=checked.sha256).first()
    if existing:
        return existing, False
    row = _row(dataset, name, checked, len(data))
    created = _write_files(row, data, checked)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # the same bytes arrived in a concurrent request
        return Image.objects.get(dataset=dataset, sha256=checked.sha256), False
    except Exception:
        _delete_files(created)  # no row points at them
        raise
    send_images_added(dataset.pk, [row.pk])
    return row, True


class _Batch:
    """Checked images waiting for one INSERT: one commit per batch, not per image."""

    SIZE = 200

    def __init__(self, dataset: Dataset, report: "UploadReport"):
        self.dataset, self.report = dataset, report
        self.rows: dict[str, Image] = {}
        self.repeats: list[str] = []  # the same bytes twice in one upload
        self.new_files: list[str] = []  # created for rows not yet inserted

    def add(self, name: str, data: bytes) -> None:
        try:
            checked = check_image(data, settings.MAX_IMAGE_BYTES)
        except BadImage as exc:
            self.report.add_error(name, exc.code, exc.message)
            return
        if checked.sha256 in self.rows:
            self.repeats.append(checked.sha256)
            return
        row = _row(self.dataset, name, checked, len(data))
        self.new_files += _write_files(row, data, checked)
        self.rows[checked.sha256] = row
        if len(self.rows) >= self.SIZE:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        existing = {im.sha256: im for im in Image.objects.filter(dataset=self.dataset, sha256__in=list(self.rows))}
        new = [row for sha, row in self.rows.items() if sha not in existing]
        try:
            with transaction.atomic():
                created = Image.objects.bulk_create(new)
        except IntegrityError:  # a concurrent upload of some of the same bytes: settle row by row
            created = []
            for row in new:
                try:
                    with transaction.atomic():
                        row.save()
                    created.append(row)
                except IntegrityError:
                    existing[row.sha256] = Image.objects.get(dataset=self.dataset, sha256=row.sha256)
        by_sha = {**existing, **{row.sha256: row for row in created}}
        send_images_added(self.dataset.pk, [row.pk for row in created])
        self.report.created += created
        self.report.duplicates += list(existing.values()) + [by_sha[sha] for sha in self.repeats]
        self.rows, self.repeats, self.new_files = {}, [], []

    def discard(self) -> None:
        """Drop the rows not yet inserted and the files created for them (the batch failed)."""
        _delete_files(self.new_files)
        self.rows, self.repeats, self.new_files = {}, [], []


def thumbnails_rebuild(*, dataset_id: int) -> int:
    """Make missing thumbnails and renditions again from the originals; returns how many images needed it."""
    done = 0
    for image in Image.objects.filter(dataset_id=dataset_id).only("dataset_id", "file", "thumbnail", "rendition"):
        rendition_missing = (not cfg_storage.exists(image.rendition.name) if image.rendition
                             else image.file.name.endswith(".tif"))  # TIFFs stored before renditions existed
        if cfg_storage.exists(image.thumbnail.name) and not rendition_missing:
            continue
        try:
            checked = check_image(cfg_storage.read_bytes(image.file.name), settings.MAX_IMAGE_BYTES)
        except (OSError, BadImage):
            continue  # the original is gone or damaged too; nothing to rebuild from
        old = (image.thumbnail.name, image.rendition.name)
        image.thumbnail.name = cfg_storage.save_once(storage.thumb_name(image.dataset_id, checked.sha256),
                                                     checked.thumbnail_jpeg)
        if checked.rendition_png is not None:
            image.rendition.name = cfg_storage.save_once(storage.rendition_name(image.dataset_id, checked.sha256),
                                                         checked.rendition_png)
        if (image.thumbnail.name, image.rendition.name) != old:
            image.save(update_fields=["thumbnail", "rendition"])
        done += 1
    return done


def image_update(*, image: Image, split: str | None = None, original_name: str | None = None) -> Image:
    """Move an image to the train or val split, or rename it (the name is normalised like an uploaded one:
    forward slashes, NFC, no `..`). InvalidInput (field original_name) for a name with nothing left."""
    changes: dict = {}
    if split is not None:
        changes["split"] = split
    if original_name is not None:
        name = normalize_name(original_name.strip())
        if not name:
            raise InvalidInput("the name is empty once folders like '.' and '..' are removed", field="original_name")
        changes["original_name"] = name
    if changes:
        Image.objects.filter(pk=image.pk).update(**changes)
        image.refresh_from_db()
    return image


def image_delete(*, image: Image) -> None:
    names = [image.file.name, image.thumbnail.name, image.rendition.name]
    image.delete()
    transaction.on_commit(lambda: [cfg_storage.delete(n) for n in names if n])


def _no_images_message(zf) -> str:
    names = [i.filename for i in zf.infolist() if not i.is_dir()]
    kinds = ", ".join(sorted(IMAGE_SUFFIXES))
    if not names:
        return f"the zip is empty; put images ({kinds}) in it"
    if any(n.lower().endswith(".zip") for n in names):
        return f"the zip holds no image ({kinds}); zips inside a zip are not opened: upload them one by one"
    return f"the zip holds no image ({kinds}), only {len(names)} other file(s) such as {names[0]!r}"


def images_upload(*, dataset: Dataset, files: Iterable[tuple[str, IO[bytes]]]) -> UploadReport:
    """Store every good file (zips expanded) and report each bad one; nothing half-written per file.

    Policy: a batch with bad files keeps the good ones (a person dropping 300 photos should not
    redo 299 of them because one is damaged); the report lists each bad file with its reason.
    """
    report = UploadReport()
    batch = _Batch(dataset, report)
    try:
        _upload_into(batch, report, files)
    except BaseException as exc:
        batch.discard()  # no orphan files: the rows that would have named them are never inserted
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            kept = len(report.created)
            raise StorageFull("the server's storage is full; the files of this upload were not kept"
                              + (f" (except {kept} image(s) stored before it filled up)" if kept else ""),
                              field="files", kept=kept) from exc
        raise
    return report


def _upload_into(batch: "_Batch", report: UploadReport, files: Iterable[tuple[str, IO[bytes]]]) -> None:
    max_bytes = settings.MAX_IMAGE_BYTES
    for name, fh in files:
        if name.lower().endswith(".zip"):
            try:
                zf = open_zip(fh, settings.MAX_ZIP_BYTES)
                found = 0
                for member, data, error in iter_members(zf, IMAGE_SUFFIXES, max_bytes):
                    found += 1
                    if error:
                        code, _, message = error.partition(": ")
                        report.add_error(f"{name}/{member}", code, message)
                    else:
                        batch.add(member, data)
                if not found:
                    report.add_error(name, "no_images", _no_images_message(zf))
            except ArchiveError as exc:
                report.add_error(name, exc.code, exc.message)
            continue
        data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            report.add_error(name, "file_too_large", f"more than {max_bytes} bytes; the limit is {max_bytes}")
            continue
        batch.add(name, data)
    batch.flush()


# ---------------------------------------------------------------- classes
# Keypoints per class. The largest real template we know is Sapiens2's 308; every label stores k points and the
# labeller draws k handles, so thousands would make each image's labels and the page unusable.
MAX_KEYPOINTS = 1000


def _clean_template(keypoints: list[dict], connections: list[dict], flip_pairs: list | None,
                    sigmas: list | None) -> tuple[list[dict], list[dict], list[list[int]], list[float] | None]:
    if len(keypoints) > MAX_KEYPOINTS:
        raise InvalidInput(f"a class may have at most {MAX_KEYPOINTS} keypoints; this one has {len(keypoints)}",
                           field="keypoints")
    names = [kp["name"] for kp in keypoints]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise InvalidInput(f"keypoint name {dup!r} is used twice", field="keypoints")
    k = len(keypoints)
    seen = set()
    clean_conn = []
    for i, c in enumerate(connections):
        a, b = c["a"], c["b"]
        if not (0 <= a < k and 0 <= b < k) or a == b:
            raise InvalidInput(f"connection {i} joins {a} and {b}; indices must be distinct and below {k}",
                               field=f"connections[{i}]")
        if (min(a, b), max(a, b)) in seen:
            continue
        seen.add((min(a, b), max(a, b)))
        clean_conn.append({"a": a, "b": b, "color": c.get("color") or "#00ff00"})
    if flip_pairs is None:
        pairs = derive_flip_pairs(names)
    else:
        used: set[int] = set()
        pairs = []
        for i, pair in enumerate(flip_pairs):
            a, b = pair
            if not (0 <= a < k and 0 <= b < k) or a == b or a in used or b in used:
                raise InvalidInput(f"flip pair {i} ({a}, {b}) is invalid: indices must be distinct, below {k}, "
                                   "and each keypoint in at most one pair", field=f"flip_pairs[{i}]")
            used |= {a, b}
            pairs.append([min(a, b), max(a, b)])
    if sigmas is not None and len(sigmas) != k:
        raise InvalidInput(f"sigmas has {len(sigmas)} values; the class has {k} keypoints", field="sigmas")
    clean_kps = [{"name": kp["name"], "color": kp.get("color") or "#ff0000",
                  "x": float(kp.get("x", 0.5)), "y": float(kp.get("y", 0.5))} for kp in keypoints]
    return clean_kps, clean_conn, pairs, sigmas


@transaction.atomic
def class_create(*, dataset: Dataset, name: str, color: str = "#ff0000", keypoints: list[dict] | None = None,
                 connections: list[dict] | None = None, flip_pairs: list | None = None,
                 sigmas: list | None = None, template_image: Image | None = None,
                 symmetric: bool = False) -> SkeletonClass:
    if SkeletonClass.objects.filter(dataset=dataset, name=name).exists():
        raise InvalidInput(f"the dataset already has a class named {name!r}", field="name")
    kps, conns, pairs, sig = _clean_template(keypoints or [], connections or [], flip_pairs, sigmas)
    return SkeletonClass.objects.create(dataset=dataset, name=name, color=color, keypoints=kps,
                                        connections=conns, flip_pairs=pairs, sigmas=sig,
                                        template_image=template_image, symmetric=symmetric)


@transaction.atomic
def class_update(*, cls: SkeletonClass, user=None, **changes) -> SkeletonClass:
    """Update a class; a new keypoint list is mapped onto existing labels so they stay valid.

    Each keypoint may carry `source_index`, the index it had before (null for a new point). Without
    any source_index the old points keep their positions and new ones are appended: a new point is
    absent (v=0) in every existing label, and a removed point's column is dropped.
    """
    cls = SkeletonClass.objects.select_for_update().get(pk=cls.pk)
    if "name" in changes and SkeletonClass.objects.filter(dataset=cls.dataset, name=changes["name"]).exclude(pk=cls.pk).exists():
        raise InvalidInput(f"the dataset already has a class named {changes['name']!r}", field="name")
    new_kps = changes.pop("keypoints", None)
    mapping = None
    old_k = len(cls.keypoints)
    if new_kps is not None:
        if any("source_index" in kp for kp in new_kps):
            mapping = [kp.get("source_index") for kp in new_kps]
        else:
            mapping = [i if i < old_k else None for i in range(len(new_kps))]
        for i, src in enumerate(mapping):
            if src is not None and not (0 <= src < old_k):
                raise InvalidInput(f"keypoint {i} has source_index {src}; the class had {old_k} keypoints",
                                   field=f"keypoints[{i}].source_index")
        if len([s for s in mapping if s is not None]) != len({s for s in mapping if s is not None}):
            raise InvalidInput("two keypoints name the same source_index", field="keypoints")
    keypoints = new_kps if new_kps is not None else cls.keypoints
    connections = changes.pop("connections", None)
    if connections is None:
        connections = cls.connections if mapping is None else _remap_connections(cls.connections, mapping)
    flip_pairs = changes.pop("flip_pairs", None) if "flip_pairs" in changes else (
        None if new_kps is not None else cls.flip_pairs)
    sigmas = changes.pop("sigmas") if "sigmas" in changes else (cls.sigmas if new_kps is None else None)
    kps, conns, pairs, sig = _clean_template(keypoints, connections, flip_pairs, sigmas)
    for key, value in changes.items():
        setattr(cls, key, value)
    cls.keypoints, cls.connections, cls.flip_pairs, cls.sigmas = kps, conns, pairs, sig
    cls.save()
    if mapping is not None and mapping != list(range(old_k)):
        _remap_labels(cls, mapping, user)
    return cls


def _remap_connections(connections: list[dict], mapping: list[int | None]) -> list[dict]:
    new_index = {src: i for i, src in enumerate(mapping) if src is not None}
    return [{**c, "a": new_index[c["a"]], "b": new_index[c["b"]]}
            for c in connections if c["a"] in new_index and c["b"] in new_index]


def _remap_labels(cls: SkeletonClass, mapping: list[int | None], user=None) -> None:
    """Every label of the class follows the new keypoint list: moved points move, new ones are absent."""
    def remap(labels: Labels):
        if not any(inst.get("class") == cls.pk for inst in labels.instances):
            return None
        for inst in labels.instances:
            if inst.get("class") == cls.pk:
                old = inst["keypoints"]
                inst["keypoints"] = [list(old[s]) if s is not None and s < len(old) else [0, 0, 0] for s in mapping]
        return labels

    annotations_update_dataset(dataset_id=cls.dataset_id, transform=remap, user=user)


@transaction.atomic
def class_delete(*, cls: SkeletonClass, force: bool = False, user=None) -> None:
    """Refuse to drop labels silently: with labels, only `force` deletes them too."""
    using = [(ann.image_id, sum(1 for i in [*ann.instances, *ann.crowd] if i.get("class") == cls.pk))
             for ann in Annotation.objects.filter(image__dataset_id=cls.dataset_id).only("image_id", "instances",
                                                                                        "crowd")]
    using = [(image_id, n) for image_id, n in using if n]
    if using and not force:
        count = sum(n for _, n in using)
        raise ClassInUse(f"class {cls.name!r} has {count} labelled instance(s) on {len(using)} image(s); "
                         "delete with ?force=true to remove them too", field="class",
                         instances=count, images=len(using))

    def drop(labels: Labels):
        kept = [i for i in labels.instances if i.get("class") != cls.pk]
        crowd = [c for c in labels.crowd if c.get("class") != cls.pk]
        if len(kept) == len(labels.instances) and len(crowd) == len(labels.crowd):
            return None
        return Labels(kept, labels.no_objects, crowd)

    annotations_update_dataset(dataset_id=cls.dataset_id, transform=drop, user=user)
    cls.delete()
