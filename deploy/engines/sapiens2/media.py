"""Reading the inputs `sapiens_pose` accepts (an image, a folder of images, a video) and writing results."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from ..images import read_rgb
from .errors import InputNotSupported

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg"}


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES


def collect_inputs(input_path: str | Path) -> list[Path]:
    """The files to process, in name order: the file itself, or the images and videos directly in a folder."""
    path = Path(input_path).expanduser()
    if not path.exists():
        raise InputNotSupported(f"input not found: {path}")
    if path.is_dir():
        files = sorted(p for p in path.iterdir()
                       if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES | VIDEO_SUFFIXES)
        if not files:
            raise InputNotSupported(f"no images or videos in {path} (looked for {', '.join(sorted(IMAGE_SUFFIXES))} "
                                    f"and {', '.join(sorted(VIDEO_SUFFIXES))})")
        return files
    if path.suffix.lower() not in IMAGE_SUFFIXES | VIDEO_SUFFIXES:
        raise InputNotSupported(f"{path.name}: not an image or video file this tool reads")
    return [path]


def output_stems(files: list[Path]) -> dict[Path, str]:
    """Output names from input names, unique even on case-insensitive filesystems: `a.png` next to `a.jpg`
    gives `a_png` and `a_jpg`; `a.jpg` next to `a.JPG` gives `a_jpg` and `a_jpg_2` (in name order)."""
    counts: dict[str, int] = {}
    for f in files:
        counts[f.stem.casefold()] = counts.get(f.stem.casefold(), 0) + 1
    taken: set[str] = set()
    stems = {}
    for f in files:
        base = f.stem if counts[f.stem.casefold()] == 1 else f"{f.stem}_{f.suffix.lstrip('.').lower()}"
        stem, n = base, 1
        while stem.casefold() in taken:
            n += 1
            stem = f"{base}_{n}"
        taken.add(stem.casefold())
        stems[f] = stem
    return stems


def read_image(path: Path) -> np.ndarray:
    """RGB uint8, upright as a viewer shows it; 16-bit greyscale keeps its values (deploy.engines.images).
    Raises ImageUnreadable (a core.errors.InvalidInput) naming the file."""
    return read_rgb(path)


def write_image(path: Path, image_rgb: np.ndarray, quality: int = 92) -> None:
    if not cv2.imwrite(str(path), cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]):
        raise OSError(f"could not write {path}")


def write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, separators=(",", ":")))


def video_frame_count(path: Path) -> int | None:
    """The container's frame count (for the progress bar); None when it does not say."""
    capture = cv2.VideoCapture(str(path))
    try:
        return (int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None) if capture.isOpened() else None
    finally:
        capture.release()


class VideoReader:
    """RGB frames of a video file, with its frame rate and (approximate) frame count."""

    def __init__(self, path: Path):
        self.path = path
        self.capture = cv2.VideoCapture(str(path))
        if not self.capture.isOpened():
            raise InputNotSupported(f"{path.name} could not be opened as a video")
        self.fps = self.capture.get(cv2.CAP_PROP_FPS) or 25.0
        self.frame_count = int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None

    def __iter__(self) -> Iterator[np.ndarray]:
        try:
            while True:
                ok, frame = self.capture.read()
                if not ok:
                    return
                yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        finally:
            self.capture.release()


class VideoWriter:
    """MP4 (mp4v) from RGB frames; opened on the first frame, when the size is known."""

    def __init__(self, path: Path, fps: float):
        self.path, self.fps, self.writer = path, fps, None

    def write(self, frame_rgb: np.ndarray) -> None:
        if self.writer is None:
            height, width = frame_rgb.shape[:2]
            self.writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), self.fps, (width, height))
            if not self.writer.isOpened():
                raise OSError(f"could not open {self.path} for writing (OpenCV without an MP4 encoder?)")
        self.writer.write(cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.release()
