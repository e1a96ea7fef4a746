"""Image names: the user's relative names in, unambiguous file matches, collision-free export names.

No Django imports. Every name is normalised the same way (`normalize_name`): Unicode NFC (macOS writes
NFD), forward slashes (Windows zips carry backslashes), no leading `/`, `./` or `../`, no empty parts.
"""
from __future__ import annotations

import os
import posixpath
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from .records import FormatError, summarise

# The picture suffixes Ultralytics 8.4 trains on (ultralytics/data/utils.py, IMG_FORMATS).
YOLO_IMAGE_SUFFIXES = frozenset({"avif", "bmp", "dng", "heic", "heif", "jp2", "jpeg", "jpg", "mpo", "png",
                                 "tif", "tiff", "webp"})
_JUNK_FILES = {".ds_store", "thumbs.db", "desktop.ini"}


def normalize_name(name: str) -> str:
    """'.\\cam1\\frame.jpg' -> 'cam1/frame.jpg'; NFC; '..' parts resolved or dropped at the start."""
    text = unicodedata.normalize("NFC", str(name)).replace("\\", "/")
    if len(text) > 1 and text[1] == ":" and text[0].isalpha():  # C:/Users/...
        text = text[2:]
    parts: list[str] = []
    for part in text.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)


def is_junk_entry(name: str) -> bool:
    """Entries that are not the user's files: folders, macOS resource forks (`__MACOSX/`, `._x.jpg`),
    Finder and Explorer metadata."""
    text = str(name).replace("\\", "/")
    if text.endswith("/"):
        return True
    parts = [p for p in text.split("/") if p]
    if not parts:
        return True
    base = parts[-1]
    return "__MACOSX" in parts or base.startswith("._") or base.lower() in _JUNK_FILES


def upload_name(entry: str) -> str | None:
    """The user-facing name of an uploaded zip member: its whole relative path, normalised
    ('cam1/frame_0001.jpg' stays so), or None for junk entries that are not the user's files."""
    if is_junk_entry(entry):
        return None
    return normalize_name(entry) or None


def folder_entries(root: str | os.PathLike) -> list[str]:
    """Relative paths ('cam1/a.jpg') of the files under `root`, junk left out: the `available` list of
    resolve_file_names for a folder import (join them to `root` to open)."""
    base = Path(root)
    return sorted(p.relative_to(base).as_posix() for p in base.rglob("*")
                  if p.is_file() and not is_junk_entry(p.relative_to(base).as_posix()))


def find_annotation_file(entries: Iterable[str], suffixes: tuple[str, ...] = (".json",)) -> str:
    """The one annotation file of an archive (e.g. the COCO .json), junk left out; FormatError (field
    "file") naming what was found when there is not exactly one."""
    found = sorted(e for e in entries if not is_junk_entry(e) and e.lower().endswith(suffixes))
    if len(found) != 1:
        raise FormatError(f"the archive must hold exactly one {' or '.join(suffixes)} file; found {len(found)}"
                          + (f": {summarise(found, 5)}" if found else ""), "file")
    return found[0]


# ---------------------------------------------------------------- matching names to files
def _index(paths: Iterable[str]) -> tuple[dict[str, str], dict[str, list[str]], dict[str, list[str]]]:
    exact: dict[str, str] = {}
    by_base: dict[str, list[str]] = {}
    by_folded_base: dict[str, list[str]] = {}
    for raw in paths:
        if is_junk_entry(raw):
            continue
        norm = normalize_name(raw)
        if not norm or norm in exact:
            continue
        exact[norm] = raw
        base = posixpath.basename(norm)
        by_base.setdefault(base, []).append(norm)
        by_folded_base.setdefault(base.casefold(), []).append(norm)
    return exact, by_base, by_folded_base


def _ends_with(longer: str, shorter: str) -> bool:
    return longer == shorter or longer.endswith("/" + shorter)


def resolve_file_names(names: Sequence[str], available: Iterable[str], *, base: str = "") -> list[str | None]:
    """For each name of the annotation file, the one available path (e.g. zip entry) it refers to.

    Tiers, first that matches wins: 1. the exact path, relative to `base` (the annotation file's folder)
    or to the root; 2. a path that ends with '/' + the name on a component boundary
    ('images/train/0001.jpg' for 'train/0001.jpg'); 3. a path the name ends with (the name carries more
    folders than the archive: '/home/me/data/train/0001.jpg' for 'train/0001.jpg'); 4. tiers 1-3 ignoring
    letter case. A tier with several candidates is an error, never a guess. Returns the original spelling
    of the matched path, or None where nothing matches (the caller reports missing files).

    Raises FormatError (field "images") naming the name and its candidates when a name fits several
    paths, or naming the names when two of them resolve to the same path.
    """
    exact, by_base, by_folded_base = _index(available)
    base = normalize_name(base)
    chosen: list[str | None] = []
    ambiguous: list[str] = []
    for raw in names:
        name = normalize_name(raw)
        if not name:
            chosen.append(None)
            continue
        match = None
        for fold in (False, True):
            pool = by_folded_base.get(posixpath.basename(name).casefold(), []) if fold \
                else by_base.get(posixpath.basename(name), [])
            key = (lambda s: s.casefold()) if fold else (lambda s: s)
            tiers = (
                [p for p in pool if key(p) in (key(posixpath.join(base, name)) if base else None, key(name))],
                [p for p in pool if _ends_with(key(p), key(name))],
                [p for p in pool if _ends_with(key(name), key(p))],
            )
            for tier in tiers:
                tier = sorted(set(tier))
                if len(tier) == 1:
                    match = tier[0]
                elif len(tier) > 1:
                    ambiguous.append(f"{name!r} fits {summarise(repr(p) for p in tier)}")
                    match = ""
                if match is not None:
                    break
            if match is not None:
                break
        chosen.append(exact[match] if match else None)
    if ambiguous:
        raise FormatError(f"{len(ambiguous)} image name(s) of the annotation file fit several files, so the "
                          f"picture they mean is unknown: {summarise(ambiguous, 5)}. Give the full relative "
                          "path in file_name.", "images")
    seen: dict[str, str] = {}
    shared = []
    for raw, path in zip(names, chosen):
        if path is None:
            continue
        if path in seen:
            shared.append(f"{seen[path]!r} and {raw!r} both fit {path!r}")
        else:
            seen[path] = raw
    if shared:
        raise FormatError(f"two images of the annotation file resolve to the same picture: "
                          f"{summarise(shared, 5)}", "images")
    return chosen


# ---------------------------------------------------------------- export names
def yolo_label_path(image_entry: str) -> str:
    """The label file Ultralytics reads for an image path: the last 'images' folder becomes 'labels' and
    the extension '.txt' (ultralytics/data/utils.py, img2label_paths; with no 'images' folder the label
    sits next to the picture)."""
    path = "/" + image_entry
    head, sep, tail = path.rpartition("/images/")
    path = head + "/labels/" + tail if sep else path
    return path[1:].rsplit(".", 1)[0] + ".txt"


def _split_ext(name: str) -> tuple[str, str]:
    folder, base = posixpath.split(name)
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem:
        return name, ""
    return posixpath.join(folder, stem), "." + ext


def export_names(names: Sequence[str], extensions: Sequence[str | None] | None = None) -> list[str]:
    """The names an export gives its images: the user's relative names, changed only where they must.

    `names[i]`: the user's name of image i; `extensions[i]` (optional): the real suffix of its stored
    picture (".png"), appended when the name has no picture suffix Ultralytics reads. Two names whose
    files Ultralytics or a case-insensitive disk would confuse (equal ignoring letter case and
    extension: 'frame.jpg'/'frame.png', 'IMG_1.JPG'/'img_1.jpg') are all renamed, visibly and
    deterministically: the extension joins the stem ('frame_jpg.jpg', 'frame_png.png'), then '_2', '_3'
    where still needed, in the order of the original names. Otherwise names are only normalised
    (`normalize_name`). The result depends on the set of names, not on their order (identical names are
    told apart in the order given: give them in a stable order, e.g. by database id). Used by the COCO
    writer, the YOLO writer and the training snapshot, so every export names a picture the same way.
    """
    items = []
    for i, raw in enumerate(names):
        name = normalize_name(raw) or "image"
        ext = (extensions[i] if extensions else None) or ""
        if _split_ext(name)[1][1:].lower() not in YOLO_IMAGE_SUFFIXES and ext:
            name += ext if ext.startswith(".") else "." + ext
        items.append(name)

    # A picture 'a.jpg' and its label 'a.txt' may not share a name with a folder ('a.jpg/b.png').
    folders = {f.casefold() for name in items for f in _parents(name)}

    def clashes(stem: str, ext: str) -> bool:
        return (stem + ext).casefold() in folders or (stem + ".txt").casefold() in folders

    groups: dict[str, list[int]] = {}
    for i, name in enumerate(items):
        groups.setdefault(_split_ext(name)[0].casefold(), []).append(i)
    taken = set(groups)
    out = list(items)
    for group_key in sorted(groups):
        members = groups[group_key]
        if len(members) == 1 and not clashes(*_split_ext(items[members[0]])):
            continue
        for i in sorted(members, key=lambda i: (items[i], i)):
            stem, ext = _split_ext(items[i])
            suffix = "_" + ext[1:] if ext else "_file"
            candidate, n = stem + suffix, 1
            while candidate.casefold() in taken or clashes(candidate, ext):
                n += 1
                candidate = f"{stem}{suffix}_{n}"
            taken.add(candidate.casefold())
            out[i] = candidate + ext
    return out


def _parents(name: str) -> list[str]:
    parts = name.split("/")[:-1]
    return ["/".join(parts[: k + 1]) for k in range(len(parts))]
