"""Ultralytics YOLO pose folder: data.yaml (kpt_shape, flip_idx), images/<split>/, labels/<split>/."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

import yaml

from .records import FormatError, PoseDataset
from .skeleton import flip_index


def _clip01(v: float) -> float:
    return min(max(v, 0.0), 1.0)


def label_lines(ds: PoseDataset, image_index: int) -> list[str]:
    rec = ds.images[image_index]
    w, h = float(rec.width), float(rec.height)
    lines = []
    for inst in rec.instances:
        x, y, bw, bh = inst.bbox
        parts = [str(inst.class_index),
                 f"{_clip01((x + bw / 2) / w):.6f}", f"{_clip01((y + bh / 2) / h):.6f}",
                 f"{_clip01(bw / w):.6f}", f"{_clip01(bh / h):.6f}"]
        for kx, ky, v in inst.keypoints:
            if v > 0:
                parts += [f"{_clip01(kx / w):.6f}", f"{_clip01(ky / h):.6f}", str(int(v))]
            else:
                parts += ["0.000000", "0.000000", "0"]
        lines.append(" ".join(parts))
    return lines


def write_yolo(ds: PoseDataset, out_dir: str | os.PathLike, source_path: Callable[[int], str],
               link: bool = True) -> Path:
    """Write the folder. `source_path(i)` gives the image file for ds.images[i]; file names must be unique.

    Images are hard-linked where the filesystem allows (a snapshot costs no copy), else copied.
    """
    if not ds.classes:
        raise FormatError("the dataset has no skeleton class", "classes")
    counts = {len(c.keypoints) for c in ds.classes}
    if len(counts) != 1:
        raise FormatError("YOLO pose needs every class to have the same number of keypoints; "
                          f"found {sorted(counts)}", "classes")
    k = counts.pop()
    first = ds.classes[0]
    pairs = first.flip_pairs or []
    # Flip augmentation is only honest when every class agrees on which points swap.
    if any((c.flip_pairs or []) != pairs for c in ds.classes[1:]):
        pairs = []
    out = Path(out_dir)
    for split in ("train", "val"):
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
    for i, rec in enumerate(ds.images):
        split = rec.split if rec.split in ("train", "val") else "train"
        dst = out / "images" / split / rec.file_name
        src = source_path(i)
        if not dst.exists():
            try:
                if not link:
                    raise OSError
                os.link(src, dst)
            except OSError:
                shutil.copyfile(src, dst)
        stem = Path(rec.file_name).stem
        (out / "labels" / split / f"{stem}.txt").write_text("\n".join(label_lines(ds, i)) + ("\n" if rec.instances else ""))
    data = {
        "path": str(out.resolve()),
        "train": "images/train",
        "val": "images/val",
        "kpt_shape": [k, 3],
        "flip_idx": flip_index(k, pairs),
        "names": {i: c.name for i, c in enumerate(ds.classes)},
        "kpt_names": {i: list(c.keypoints) for i, c in enumerate(ds.classes)},
    }
    if first.sigmas and len(first.sigmas) == k:
        data["kpt_oks_sigmas"] = [float(s) for s in first.sigmas]
    (out / "data.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return out
