"""An Ultralytics YOLO pose dataset (zip or folder) -> neutral records, strict like the COCO reader.

No Django imports. What it reads, as Ultralytics 8.4 does (ultralytics/data/utils.py, data/base.py):
- one YAML file with `kpt_shape` ([K, 3], or [K, 2]: then (0, 0) is an absent point and any other a
  visible one), `names` (list or {index: name}), optional `kpt_names` ({index: [K names]}), `flip_idx`,
  `kpt_oks_sigmas`, `path`; `train` and `val` (and `test`) as folders (searched recursively) or list files
  (one picture per line; `./x` relative to the list file, other relative lines to the dataset folder).
  `path` and absolute paths from another machine are tried inside the archive, then by their tail.
- each picture's labels where Ultralytics looks for them (names.yolo_label_path); a picture without a
  label file is a background picture (`has_annotations` False).
Labels are normalised `cls cx cy w h` + K x (`x y v`); errors name ``labels/train/a.txt:3`` (line 3).
Pixel coordinates need the picture sizes: `image_size(path)` (default: the header read with Pillow,
after EXIF orientation, as Ultralytics' exif_size).
"""
from __future__ import annotations

import io
import math
import os
import posixpath
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO

import yaml

from .names import (
    YOLO_IMAGE_SUFFIXES,
    is_junk_entry,
    normalize_name,
    resolve_file_names,
    yolo_label_path,
)
from .records import (
    ClassSpec,
    FormatError,
    FormatWarning,
    ImageRecord,
    InstanceRecord,
    PoseDataset,
    summarise,
)
from .skeleton import COCO_KEYPOINT_NAMES, flip_index, pairs_from_flip_index
from .values import read_visibility, show, to_float

MAX_TEXT_BYTES = 32 << 20  # a label or list file larger than this is not a label file
_COCO_FLIP = flip_index(17, [[i, i + 1] for i in range(1, 17, 2)])


class _Tree:
    """The files of a zip or a folder by normalised relative path."""

    def __init__(self, files: dict[str, object], opener: Callable[[object], IO[bytes]]):
        self.files = files
        self.opener = opener
        self.dirs = {"/".join(p.split("/")[:n]) for p in files for n in range(1, p.count("/") + 1)}

    def open(self, path: str) -> IO[bytes]:
        return self.opener(self.files[path])

    def read(self, path: str, limit: int) -> bytes:
        try:
            with self.open(path) as fh:
                return fh.read(limit)
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, OSError, NotImplementedError) as exc:
            raise FormatError(f"{path} cannot be read from the archive: {exc}", path) from exc

    def text(self, path: str) -> str:
        data = self.read(path, MAX_TEXT_BYTES + 1)
        if len(data) > MAX_TEXT_BYTES:
            raise FormatError(f"{path} is larger than {MAX_TEXT_BYTES} bytes", path)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FormatError(f"{path} is not UTF-8 text: {exc}", path) from exc

    def under(self, folder: str) -> list[str]:
        prefix = folder + "/" if folder else ""
        return sorted(p for p in self.files if p.startswith(prefix))


def _zip_tree(zf: zipfile.ZipFile) -> _Tree:
    files = {}
    for info in zf.infolist():
        if not is_junk_entry(info.filename):
            files.setdefault(normalize_name(info.filename), info)
    return _Tree(files, zf.open)


def _folder_tree(root: Path) -> _Tree:
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not is_junk_entry(rel):
            files[normalize_name(rel)] = path
    return _Tree(files, lambda p: open(p, "rb"))


def _pillow_reason(exc: Exception) -> str:
    """What went wrong, without Pillow's text: that can hold Python reprs ("<_io.BytesIO object at 0x...>")."""
    from PIL import Image

    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return "too many pixels"
    if isinstance(exc, Image.UnidentifiedImageError):
        return "not an image Pillow can read"
    return "damaged or truncated"


def _pillow_size(tree: _Tree) -> Callable[[str], tuple[int, int]]:
    from PIL import Image  # only for the default size reader

    def size(path: str) -> tuple[int, int]:
        data = tree.read(path, 1 << 26)
        try:
            with Image.open(io.BytesIO(data)) as im:
                w, h = im.size
                if im.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # rotated by 90 degrees, as exif_size
                    w, h = h, w
                return w, h
        except Exception as exc:  # Pillow raises many kinds (UnidentifiedImageError, DecompressionBombError, ...)
            raise FormatError(f"picture {path} cannot be read as a picture ({_pillow_reason(exc)})", path) from exc

    return size


# ---------------------------------------------------------------- data.yaml
def _find_yaml(tree: _Tree) -> tuple[str, dict]:
    found = []
    for path in tree.files:
        if path.lower().endswith((".yaml", ".yml")):
            try:
                data = yaml.safe_load(tree.text(path))
            except (yaml.YAMLError, RecursionError) as exc:
                raise FormatError(f"{path} is not valid YAML: {str(exc)[:200]}", path) from exc
            if isinstance(data, dict) and "kpt_shape" in data:
                found.append((path, data))
    if not found:
        raise FormatError("no YOLO pose data.yaml (a YAML file with kpt_shape) was found", "data.yaml")
    if len(found) > 1:
        named = [f for f in found if posixpath.basename(f[0]) == "data.yaml"]
        if len(named) != 1:
            raise FormatError(f"several YOLO pose YAML files: {summarise(p for p, _ in found)}; keep one", "data.yaml")
        return named[0]
    return found[0]


def _int(value, field: str, label: str) -> int:
    number = to_float(value)
    if number is None or not math.isfinite(number) or not number.is_integer():
        raise FormatError(f"{label} must be a whole number, got {show(value)}", field)
    return int(number)


def _classes(y: str, data: dict, warnings: list) -> tuple[list[ClassSpec], int, int]:
    shape = data.get("kpt_shape")
    if not (isinstance(shape, list) and len(shape) == 2):
        raise FormatError(f"kpt_shape must be [keypoints, 2 or 3], got {show(shape)}", f"{y}:kpt_shape")
    k, dims = (_int(v, f"{y}:kpt_shape", "kpt_shape") for v in shape)
    if not 1 <= k <= 10_000 or dims not in (2, 3):
        raise FormatError(f"kpt_shape must be [keypoints >= 1, 2 or 3], got {show(shape)}", f"{y}:kpt_shape")
    names = data.get("names")
    if names is None and "nc" in data:
        names = [f"class_{i}" for i in range(_int(data["nc"], f"{y}:nc", "nc"))]
    if isinstance(names, list):
        names = dict(enumerate(names))
    if not isinstance(names, dict) or not names:
        raise FormatError(f"names must be a list or a mapping of class names, got {show(names)}", f"{y}:names")
    by_index = {_int(i, f"{y}:names", "a names key"): n for i, n in names.items()}
    if sorted(by_index) != list(range(len(by_index))):
        raise FormatError(f"names must be numbered 0..{len(by_index) - 1}", f"{y}:names")
    kpt_names = data.get("kpt_names") or {}
    if isinstance(kpt_names, list):
        kpt_names = dict(enumerate(kpt_names))
    if not isinstance(kpt_names, dict):
        raise FormatError(f"kpt_names must map class indices to lists of names, got {show(kpt_names)}", f"{y}:kpt_names")
    kpt_names = {_int(i, f"{y}:kpt_names", "a kpt_names key"): v for i, v in kpt_names.items()}
    flip = data.get("flip_idx")
    if flip is not None:
        if not isinstance(flip, list) or len(flip) != k:
            raise FormatError(f"flip_idx must list {k} indices, got {show(flip)}", f"{y}:flip_idx")
        flip = [_int(v, f"{y}:flip_idx", "flip_idx") for v in flip]
        if sorted(flip) != list(range(k)) or any(flip[f] != i for i, f in enumerate(flip)):
            raise FormatError("flip_idx must swap points in pairs (a permutation that is its own inverse)", f"{y}:flip_idx")
    sigmas = data.get("kpt_oks_sigmas")
    if sigmas is not None:
        values = [to_float(s) for s in sigmas] if isinstance(sigmas, list) else []
        if len(values) != k or not all(v is not None and 0 < v < 10 for v in values):
            raise FormatError(f"kpt_oks_sigmas must list {k} positive numbers", f"{y}:kpt_oks_sigmas")
        sigmas = values
    classes = []
    for i in range(len(by_index)):
        name = by_index[i]
        if not isinstance(name, (str, int)) or not str(name).strip():
            raise FormatError(f"class {i} name must be text, got {show(name)}", f"{y}:names")
        kp = kpt_names.get(i)
        if kp is None:
            if k == 17 and flip == _COCO_FLIP:
                kp = list(COCO_KEYPOINT_NAMES)
                warnings.append(FormatWarning(f"class {name!r} has no kpt_names; its 17 points and flip_idx are "
                                              "COCO's, so they were named as COCO's", code="kpt_names_guessed",
                                              field=f"{y}:kpt_names"))
            else:
                kp = [f"kp{j + 1}" for j in range(k)]
                warnings.append(FormatWarning(f"class {name!r} has no kpt_names; its points are named kp1..kp{k}",
                                              code="kpt_names_missing", field=f"{y}:kpt_names"))
        if not isinstance(kp, list) or len(kp) != k or not all(isinstance(n, (str, int)) and str(n).strip() for n in kp):
            raise FormatError(f"kpt_names of class {i} must list {k} names, got {show(kp)}", f"{y}:kpt_names")
        kp = [str(n).strip() for n in kp]
        if len(set(kp)) != k:
            raise FormatError(f"kpt_names of class {i} names a point twice", f"{y}:kpt_names")
        classes.append(ClassSpec(name=str(name).strip(), keypoints=kp,
                                 flip_pairs=pairs_from_flip_index(flip) if flip else [],
                                 symmetric=flip is not None and flip == list(range(k)), sigmas=sigmas))
    return classes, k, dims


# ---------------------------------------------------------------- splits
def _candidates(y_dir: str, root: str, spec: str) -> list[str]:
    norm = normalize_name(spec)
    tails = norm.split("/")
    out = [posixpath.join(root, norm) if root else norm, posixpath.join(y_dir, norm) if y_dir else norm]
    if spec.startswith("../"):
        out.append(posixpath.join(root, normalize_name(spec[3:])))
    out += [posixpath.join(y_dir, "/".join(tails[n:])) if y_dir else "/".join(tails[n:]) for n in range(1, len(tails))]
    return list(dict.fromkeys(normalize_name(p) for p in out))


def _split_images(tree: _Tree, y: str, data: dict, split: str, warnings: list) -> list[tuple[str, str]]:
    """(picture path, the user's name for it) of one split."""
    specs = data.get(split)
    if isinstance(specs, str):
        specs = [specs]
    if not isinstance(specs, list) or not specs or not all(isinstance(s, str) and s.strip() for s in specs):
        raise FormatError(f"{split} must be a folder, a list file or a list of them, got {show(data.get(split))}",
                          f"{y}:{split}")
    y_dir = posixpath.dirname(y)
    path = data.get("path")
    if path is not None and not isinstance(path, str):
        raise FormatError(f"path must be text, got {show(path)}", f"{y}:path")
    root = y_dir
    if isinstance(path, str) and path.strip():
        inner = normalize_name(posixpath.join(y_dir, path)) if not path.startswith("/") else ""
        root = inner if inner and inner in tree.dirs else y_dir
    found: list[tuple[str, str]] = []
    for spec in specs:
        hit = next((c for c in _candidates(y_dir, root, spec) if c in tree.dirs or c in tree.files), None)
        if hit is None:
            raise FormatError(f"{split} {spec!r} is neither a folder nor a list file of the dataset", f"{y}:{split}")
        if hit in tree.dirs:
            found += [(p, p[len(hit) + 1:]) for p in tree.under(hit)
                      if p.rpartition(".")[2].lower() in YOLO_IMAGE_SUFFIXES]
        elif hit.rpartition(".")[2].lower() in YOLO_IMAGE_SUFFIXES:
            found.append((hit, posixpath.basename(hit)))
        else:
            found += _listed(tree, hit, root)
    return found


def _listed(tree: _Tree, list_file: str, root: str) -> list[tuple[str, str]]:
    lines = [(n, line.strip()) for n, line in enumerate(tree.text(list_file).splitlines(), start=1) if line.strip()]
    here = posixpath.dirname(list_file)
    wanted = [posixpath.join(here, line[2:]) if line.startswith("./") else
              (line if line.startswith("/") else posixpath.join(root, line)) for _, line in lines]
    pictures = [p for p in tree.files if p.rpartition(".")[2].lower() in YOLO_IMAGE_SUFFIXES]
    exact = [normalize_name(w) if normalize_name(w) in tree.files else None for w in wanted]
    todo = [i for i, e in enumerate(exact) if e is None]
    try:
        resolved = resolve_file_names([wanted[i] for i in todo], pictures)
    except FormatError as exc:
        raise FormatError(exc.message, list_file) from exc
    for i, path in zip(todo, resolved):
        if path is None:
            raise FormatError(f"{list_file} line {lines[i][0]} names {lines[i][1]!r}, which is not in the dataset",
                              f"{list_file}:{lines[i][0]}")
        exact[i] = normalize_name(path)
    # The user's name: relative to the dataset folder, after the last `images` folder if there is one
    # (images/train2017/x.jpg -> train2017/x.jpg).
    prefix = root + "/" if root else ""
    names = [p.removeprefix(prefix) for p in exact]
    return [(p, ("/" + n).rpartition("/images/")[2].lstrip("/")) for p, n in zip(exact, names)]


# ---------------------------------------------------------------- labels
def _labels(text: str, where: str, k: int, dims: int, n_classes: int, size: tuple[int, int],
            name: str, warnings: list) -> list[InstanceRecord]:
    w, h = size
    out, mapped, clipped = [], [], 0
    for n, line in enumerate(text.splitlines(), start=1):
        values = line.split()
        if not values:
            continue
        at = f"{where}:{n}"
        if len(values) != 5 + k * dims:
            raise FormatError(f"{at}: a line holds {len(values)} values; kpt_shape [{k}, {dims}] needs "
                              f"{5 + k * dims} (class, box, {k} points)", at)
        numbers = [to_float(v) for v in values]
        bad = next((j for j, v in enumerate(numbers) if v is None or not math.isfinite(v)), None)
        if bad is not None:
            raise FormatError(f"{at}: value {bad + 1} must be a number, got {show(values[bad])}", at)
        cls = numbers[0]
        if not cls.is_integer() or not 0 <= cls < n_classes:
            raise FormatError(f"{at}: class {values[0]} is not one of the {n_classes} names", at)
        cx, cy, bw, bh = numbers[1:5]
        if not all(0 <= v <= 1 for v in (cx, cy, bw, bh)) or bw <= 0 or bh <= 0:
            raise FormatError(f"{at}: the box {' '.join(values[1:5])} must be normalised to 0..1 with a size", at)
        x0, y0, x1, y1 = max(cx - bw / 2, 0.0), max(cy - bh / 2, 0.0), min(cx + bw / 2, 1.0), min(cy + bh / 2, 1.0)
        if (x0, y0, x1, y1) != (cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2):
            clipped += 1  # Ultralytics clips such boxes to the picture too (Instances.clip)
        kps = []
        for j in range(k):
            x, y = numbers[5 + j * dims], numbers[6 + j * dims]
            if dims == 3:
                v, was_mapped = read_visibility(numbers[7 + j * dims], at, f"{at}: keypoint {j} visibility")
                if was_mapped:
                    mapped.append(f"line {n} keypoint {j}: {values[7 + j * dims]} -> {v}")
            else:
                v = 0 if x == 0 and y == 0 else 2
            if v and not (0 <= x <= 1 and 0 <= y <= 1):
                raise FormatError(f"{at}: keypoint {j} ({values[5 + j * dims]}, {values[6 + j * dims]}) must be "
                                  "normalised to 0..1", at)
            kps.append([x * w, y * h, v] if v else [0.0, 0.0, 0])
        out.append(InstanceRecord(class_index=int(cls), bbox=[x0 * w, y0 * h, (x1 - x0) * w, (y1 - y0) * h],
                                  keypoints=kps))
    if clipped:
        warnings.append(FormatWarning(f"{where}: {clipped} box(es) reach past the picture's edge and were clipped to it",
                                      code="box_clipped", item=name, field=where))
    if mapped:
        warnings.append(FormatWarning(f"{where} has non-integer visibility values, read as labelled points (rounded "
                                      f"up: 0 < v <= 1 -> 1, 1 < v < 2 -> 2): {summarise(mapped, 5)}",
                                      code="visibility_mapped", item=name, field=where))
    return out


def read_yolo(tree: _Tree, *, image_size: Callable[[str], tuple[int, int]] | None = None) -> PoseDataset:
    warnings: list[FormatWarning] = []
    y, data = _find_yaml(tree)
    classes, k, dims = _classes(y, data, warnings)
    image_size = image_size or _pillow_size(tree)
    splits = [s for s in ("train", "val", "test") if s in data and (s != "test" or data.get("test"))]
    for required in ("train", "val"):
        if required not in data:
            raise FormatError(f"{y} has no '{required}:' entry", f"{y}:{required}")
    records: list[ImageRecord] = []
    seen: dict[str, str] = {}
    shared: dict[tuple[str, str], int] = {}
    used_labels = set()
    for split in splits:
        for path, name in _split_images(tree, y, data, split, warnings):
            if path in seen:
                if seen[path] != split:  # e.g. `val: images/train` when a set has no val pictures
                    shared[(seen[path], split)] = shared.get((seen[path], split), 0) + 1
                continue
            seen[path] = split
            label = yolo_label_path(path)
            size = image_size(path)
            if not (isinstance(size, tuple) and len(size) == 2 and all(isinstance(v, int) and v > 0 for v in size)):
                raise FormatError(f"picture {path} has no valid size ({size!r})", path)
            rec = ImageRecord(file_name=name, width=size[0], height=size[1], split=split, source_path=path,
                              has_annotations=label in tree.files)
            if rec.has_annotations:
                used_labels.add(label)
                rec.instances = _labels(tree.text(label), label, k, dims, len(classes), size, name, warnings)
            records.append(rec)
    if not records:
        raise FormatError("the dataset lists no picture", f"{y}:train")
    for (first, also), count in shared.items():
        warnings.append(FormatWarning(f"{count} picture(s) of {first} are also listed in {also}; each is read once, "
                                      f"in {first}", code="split_shared", field=f"{y}:{also}"))
    folded: dict[str, list[ImageRecord]] = {}
    for rec in records:
        folded.setdefault(rec.file_name.casefold(), []).append(rec)
    for group in folded.values():
        if len({r.split for r in group}) > 1:
            for rec in group:
                rec.file_name = f"{rec.split}/{rec.file_name}"
            warnings.append(FormatWarning(f"{len(group)} pictures of different splits share the name "
                                          f"{group[0].source_path.rpartition('/')[2]!r}; named after their split "
                                          f"({', '.join(r.file_name for r in group)})", code="name_prefixed",
                                          item=group[0].file_name, field="images"))
    orphans = [p for p in tree.files if p.endswith(".txt") and "/labels/" in "/" + p and p not in used_labels]
    if orphans:
        warnings.append(FormatWarning(f"{len(orphans)} label file(s) belong to no listed picture and were not read: "
                                      f"{summarise(orphans, 5)}", code="labels_without_picture", field="labels"))
    return PoseDataset(classes=classes, images=records, warnings=warnings)


def read_yolo_zip(source: IO[bytes] | zipfile.ZipFile, *,
                  image_size: Callable[[str], tuple[int, int]] | None = None) -> PoseDataset:
    """Read a zipped Ultralytics pose dataset (open it with archives.open_zip first for uploads).
    ImageRecord.source_path is the zip entry of each picture (normalised)."""
    try:
        zf = source if isinstance(source, zipfile.ZipFile) else zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FormatError(f"not a readable zip archive: {exc}", "file") from exc
    return read_yolo(_zip_tree(zf), image_size=image_size)


def read_yolo_folder(root: str | os.PathLike, *,
                     image_size: Callable[[str], tuple[int, int]] | None = None) -> PoseDataset:
    """Read an Ultralytics pose dataset folder; ImageRecord.source_path is relative to `root`."""
    if not Path(root).is_dir():
        raise FormatError(f"{root} is not a folder", "file")
    return read_yolo(_folder_tree(Path(root)), image_size=image_size)
