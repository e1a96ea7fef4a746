"""Neutral records -> an Ultralytics YOLO pose dataset, streamed into a zip or a folder (no Django imports).

Layout (what Ultralytics 8.4 reads, ultralytics/data/utils.py):
    data.yaml                      no `path:` key, so check_det_dataset resolves the splits against the
                                   folder data.yaml is in, wherever it was unzipped (line ~789:
                                   ``path = Path(extract_dir or data.get("path") or Path(data["yaml_file"]).parent)``)
    images/<split>/<name>          <name> = the user's relative name, sub-folders kept (cam1/frame.jpg)
    labels/<split>/<stem>.txt      where img2label_paths looks: the last `images` folder -> `labels`,
                                   the extension -> .txt; one line per instance:
                                   ``cls cx cy w h x1 y1 v1 ...`` normalised to 0..1, absent points `0 0 0`
`flip_idx` is written only when the classes share flip pairs, or (identity) when every class is marked
left/right symmetric; without it Ultralytics turns horizontal (and vertical) flips off
(ultralytics/data/augment.py, v8_transforms: "No 'flip_idx' array defined in data.yaml, disabling
'fliplr' and 'flipud' augmentations"). Every split data.yaml names exists: with no val image, val points
at the train images and data.yaml says so in a comment (or the writer refuses: `empty_val="error"`).
"""
from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import yaml

from .names import YOLO_IMAGE_SUFFIXES, export_names, normalize_name, yolo_label_path
from .records import ClassSpec, FormatError, FormatWarning, ImageRecord, PoseDataset
from .skeleton import flip_index

ImageSource = bytes | bytearray | memoryview | IO[bytes] | str | os.PathLike
SPLITS = ("train", "val", "test")
_CHUNK = 1 << 20
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed: the same data gives the same zip


# ---------------------------------------------------------------- sinks
class ZipSink:
    """Writes entries into a zip: a ZipFile opened for writing, or any writable binary stream (it need not
    seek: zipfile then writes data descriptors). Pictures are stored, text is deflated."""

    def __init__(self, target: IO[bytes] | zipfile.ZipFile):
        self.own = not isinstance(target, zipfile.ZipFile)
        self.zf = zipfile.ZipFile(target, "w") if self.own else target

    def write_bytes(self, name: str, data: bytes, *, compress: bool = False) -> None:
        info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        self.zf.writestr(info, bytes(data))

    def write_stream(self, name: str, src: IO[bytes]) -> None:
        info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
        with self.zf.open(info, "w") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)

    def write_file(self, name: str, path: str | os.PathLike) -> None:
        with open(path, "rb") as src:
            self.write_stream(name, src)

    def close(self) -> None:
        if self.own:
            self.zf.close()


class FolderSink:
    """Writes entries as files under `root`; pictures given as paths are hard-linked where the file system
    allows (a training snapshot then costs no copy), else copied."""

    def __init__(self, root: str | os.PathLike, *, link: bool = True):
        self.root = Path(root)
        self.link = link

    def _path(self, name: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write_bytes(self, name: str, data: bytes, *, compress: bool = False) -> None:
        self._path(name).write_bytes(bytes(data))

    def write_stream(self, name: str, src: IO[bytes]) -> None:
        with open(self._path(name), "wb") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)

    def write_file(self, name: str, path: str | os.PathLike) -> None:
        dst = self._path(name)
        if self.link:
            try:
                os.link(path, dst)
                return
            except OSError:
                pass
        shutil.copyfile(path, dst)

    def close(self) -> None:
        pass


# ---------------------------------------------------------------- labels and data.yaml
def _clip01(v: float) -> float:
    return min(max(v, 0.0), 1.0)


def label_line(inst, width: int, height: int) -> str:
    """One Ultralytics pose label line. Values are clipped to 0..1: Ultralytics drops a whole label file
    with any coordinate outside (verify_image_label), and the validator allows points 1 px outside."""
    w, h = float(width), float(height)
    x, y, bw, bh = (float(v) for v in inst.bbox)
    parts = [str(inst.class_index), f"{_clip01((x + bw / 2) / w):.6f}", f"{_clip01((y + bh / 2) / h):.6f}",
             f"{_clip01(bw / w):.6f}", f"{_clip01(bh / h):.6f}"]
    for kx, ky, v in inst.keypoints:
        if v > 0:
            parts += [f"{_clip01(float(kx) / w):.6f}", f"{_clip01(float(ky) / h):.6f}", str(int(v))]
        else:
            parts += ["0.000000", "0.000000", "0"]
    return " ".join(parts)


def label_lines(ds: PoseDataset, image_index: int) -> list[str]:
    rec = ds.images[image_index]
    return [label_line(inst, rec.width, rec.height) for inst in rec.instances]


def _checked_pairs(c: int, spec: ClassSpec, k: int) -> list[tuple[int, int]]:
    pairs, used = [], set()
    for n, pair in enumerate(spec.flip_pairs or []):
        where = f"classes[{c}].flip_pairs[{n}]"
        if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < k for v in pair)
                or pair[0] == pair[1] or used & set(pair)):
            raise FormatError(f"class {spec.name!r} flip pair {pair!r} is not two distinct keypoints used once", where)
        used |= set(pair)
        pairs.append((min(pair), max(pair)))
    return sorted(pairs)


def keypoint_count(classes: list[ClassSpec]) -> int:
    """The K of kpt_shape [K, 3]: YOLO pose needs one keypoint count for all classes."""
    if not classes:
        raise FormatError("the dataset has no skeleton class", "classes")
    counts = {len(c.keypoints) for c in classes}
    if len(counts) != 1:
        raise FormatError("YOLO pose needs every class to have the same number of keypoints; "
                          f"found {sorted(counts)}", "classes")
    return counts.pop()


def yolo_flip_idx(classes: list[ClassSpec]) -> tuple[list[int] | None, list[FormatWarning]]:
    """flip_idx for data.yaml, or None to leave it out (Ultralytics then never flips).

    The classes' shared flip pairs give flip_idx; with no pairs, an identity flip_idx only when every class
    is marked `symmetric`. Classes that disagree get None and a warning: one flip_idx serves all classes.
    """
    k = keypoint_count(classes)
    pair_sets = [_checked_pairs(c, spec, k) for c, spec in enumerate(classes)]
    if any(pair_sets):
        if all(p == pair_sets[0] for p in pair_sets):
            return flip_index(k, [list(p) for p in pair_sets[0]]), []
        return None, [FormatWarning("the classes have different flip pairs and YOLO pose has one flip_idx for "
                                    "all of them, so horizontal flips are off", code="flip_off", field="classes")]
    if all(c.symmetric for c in classes):
        return list(range(k)), []
    if any(c.symmetric for c in classes):
        return None, [FormatWarning("only some classes are marked left/right symmetric, so horizontal flips are "
                                    "off", code="flip_off", field="classes")]
    return None, []


@dataclass
class YoloSummary:
    data: dict  # data.yaml as written (without its comments)
    images: dict = field(default_factory=dict)  # split -> pictures written
    instances: int = 0
    crowd_left_out: int = 0  # YOLO has no crowd regions
    keypointless_left_out: int = 0
    warnings: list[FormatWarning] = field(default_factory=list)


class YoloPoseWriter:
    """Writes an Ultralytics pose dataset entry by entry: ``add(record, image)`` per picture, then
    ``close()``, which writes data.yaml. Memory holds one picture's chunk and the set of names written.

    `record.file_name` is the name under images/<split>/ (use names.export_names first); `image` is the
    picture as bytes, a binary file object (read in 1 MB chunks, then closed) or a file path.
    `empty_val`: "train" (val falls back to the train images, said in data.yaml) or "error" (FormatError).
    `keypointless`: "keep" writes people without a labelled point as rows with every point `0 0 0`
    (Ultralytics learns their boxes); "drop" leaves them out of the labels.
    Raises FormatError naming the field for bad classes, splits, names or sizes.
    """

    def __init__(self, sink, classes: list[ClassSpec], *, empty_val: str = "train", keypointless: str = "keep"):
        if empty_val not in ("train", "error") or keypointless not in ("keep", "drop"):
            raise ValueError("empty_val is 'train' or 'error'; keypointless is 'keep' or 'drop'")
        self.sink, self.classes = sink, classes
        self.k = keypoint_count(classes)
        self.flip_idx, warnings = yolo_flip_idx(classes)
        self.empty_val, self.keypointless = empty_val, keypointless
        self.summary = YoloSummary(data={}, images={s: 0 for s in SPLITS}, warnings=list(warnings))
        self._files: set[str] = set()
        self._dirs: set[str] = set()

    def _claim(self, entry: str) -> None:
        """No two entries may differ only by letter case, and no file may be a folder of another."""
        key = entry.casefold()
        parts = key.split("/")
        parents = ["/".join(parts[:n]) for n in range(1, len(parts))]
        if key in self._files or key in self._dirs or any(p in self._files for p in parents):
            raise FormatError(f"{entry!r} collides with another entry (letter case ignored); name the images "
                              "with names.export_names", "images")
        self._files.add(key)
        self._dirs.update(parents)

    def add(self, rec: ImageRecord, image: ImageSource) -> None:
        if rec.split not in SPLITS:
            raise FormatError(f"image {rec.file_name!r} has split {rec.split!r}; expected one of {SPLITS}", "images")
        name = normalize_name(rec.file_name)
        if name != rec.file_name or not name:
            raise FormatError(f"image name {rec.file_name!r} is not a normalised relative path", "images")
        if name.rpartition(".")[2].lower() not in YOLO_IMAGE_SUFFIXES or "/" in name.rpartition(".")[2]:
            raise FormatError(f"image {name!r} has no picture suffix Ultralytics reads "
                              f"({', '.join(sorted(YOLO_IMAGE_SUFFIXES))})", "images")
        if not (isinstance(rec.width, int) and isinstance(rec.height, int) and rec.width > 0 and rec.height > 0):
            raise FormatError(f"image {name!r} has no valid width and height", "images")
        entry = f"images/{rec.split}/{name}"
        label = yolo_label_path(entry)
        self._claim(entry)
        self._claim(label)
        lines = []
        for inst in rec.instances:
            if not 0 <= inst.class_index < len(self.classes) or len(inst.keypoints) != self.k:
                raise FormatError(f"image {name!r}: an instance does not fit its class", "images")
            if self.keypointless == "drop" and inst.num_keypoints == 0:
                self.summary.keypointless_left_out += 1
                continue
            lines.append(label_line(inst, rec.width, rec.height))
        self._write_image(entry, image)
        self.sink.write_bytes(label, ("\n".join(lines) + "\n" if lines else "").encode(), compress=True)
        self.summary.images[rec.split] += 1
        self.summary.instances += len(lines)
        self.summary.crowd_left_out += len(rec.crowd)

    def _write_image(self, entry: str, image: ImageSource) -> None:
        if isinstance(image, (bytes, bytearray, memoryview)):
            self.sink.write_bytes(entry, image)
        elif isinstance(image, (str, os.PathLike)):
            self.sink.write_file(entry, image)
        elif hasattr(image, "read"):
            try:
                self.sink.write_stream(entry, image)
            finally:
                if hasattr(image, "close"):
                    image.close()
        else:
            raise TypeError(f"image source for {entry!r} must be bytes, a binary file or a path")

    def close(self) -> YoloSummary:
        counts = self.summary.images
        if not counts["train"] and not counts["val"]:
            raise FormatError("nothing to export: no labelled image", "images")
        data: dict = {"train": "images/train", "val": "images/val"}
        notes = []
        for empty, other in (("val", "train"), ("train", "val")):
            if not counts[empty]:
                if self.empty_val == "error":
                    raise FormatError(f"no labelled image is in the {empty} split", "split")
                data[empty] = f"images/{other}"
                notes.append(f"{empty}: no labelled image is in the {empty} split, so {empty} uses the {other} "
                             f"images; figures measured on them look better than they are")
                self.summary.warnings.append(FormatWarning(notes[-1], code=f"{empty}_uses_{other}", field="split"))
        if counts["test"]:
            data["test"] = "images/test"
        data["kpt_shape"] = [self.k, 3]
        if self.flip_idx is not None:
            data["flip_idx"] = self.flip_idx
            flip_note = ("flip_idx: horizontal flips swap the left/right pairs" if self.flip_idx != list(range(self.k))
                         else "flip_idx: identity, the object is marked left/right symmetric")
        else:
            flip_note = "no flip_idx: no left/right pairs, so Ultralytics turns horizontal flips off"
        data["names"] = {i: c.name for i, c in enumerate(self.classes)}
        data["kpt_names"] = {i: list(c.keypoints) for i, c in enumerate(self.classes)}
        first = self.classes[0]
        if first.sigmas and len(first.sigmas) == self.k:
            data["kpt_oks_sigmas"] = [float(s) for s in first.sigmas]
        header = ["Ultralytics YOLO pose dataset written by Posedeck.",
                  "Train: yolo pose train data=<this folder>/data.yaml  (there is no `path:` key: Ultralytics reads",
                  "the splits relative to this file's folder, wherever it is unzipped)", flip_note, *notes]
        text = "".join(f"# {line}\n" for line in header)
        text += yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None)
        self._claim("data.yaml")
        self.sink.write_bytes("data.yaml", text.encode("utf-8"), compress=True)
        self.sink.close()
        self.summary.data = data
        return self.summary


def write_yolo_stream(sink, classes: list[ClassSpec], records: Iterable[ImageRecord],
                      open_image: Callable[[ImageRecord], ImageSource], **options) -> YoloSummary:
    """Write every record with YoloPoseWriter; `open_image(record)` gives its picture when it is written."""
    writer = YoloPoseWriter(sink, classes, **options)
    for rec in records:
        writer.add(rec, open_image(rec))
    return writer.close()


def write_yolo(ds: PoseDataset, out_dir: str | os.PathLike, source_path: Callable[[int], str],
               link: bool = True, **options) -> Path:
    """Write the folder for a PoseDataset in memory; `source_path(i)` is the picture of ds.images[i].
    Names go through export_names first, so colliding names get distinct ones."""
    names = export_names([r.file_name for r in ds.images],
                         [os.path.splitext(str(source_path(i)))[1] for i in range(len(ds.images))])
    writer = YoloPoseWriter(FolderSink(out_dir, link=link), ds.classes, **options)
    for i, rec in enumerate(ds.images):
        renamed = ImageRecord(**{**rec.__dict__, "file_name": names[i]})
        writer.add(renamed, source_path(i))
    writer.close()
    return Path(out_dir)
