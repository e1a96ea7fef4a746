"""Deployments made for tests from a real tiny pose model (tests/yolo_fixtures.py: trained here by Ultralytics'
trainer) stored as a finished training session's weights."""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from config import storage

from .yolo_fixtures import COCO_PHOTOS

COCO_NAMES = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
              "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
              "right_knee", "left_ankle", "right_ankle"]


def finished_session(workspace, pt: Path, *, last: Path | None = None):
    """A completed TrainingSession of `workspace` whose best.pt (and last.pt) are the given checkpoint."""
    from training.models import TrainingSession

    session = TrainingSession.objects.create(
        workspace=workspace, algorithm="yolo11n-pose", status="completed", name="people v1",
        skeleton={"classes": [{"name": "person", "color": "#1e90ff", "keypoints": COCO_NAMES,
                               "connections": [[5, 7], [7, 9], [6, 8], [8, 10]]}]})
    session.best_weights = storage.save_path(f"training/{session.pk}/weights/best.pt", pt)
    session.last_weights = storage.save_path(f"training/{session.pk}/weights/last.pt", last or pt)
    session.save()
    return session


def photo_bytes(index: int = 0) -> bytes:
    return COCO_PHOTOS[index].read_bytes()


def png_bytes(width=64, height=48) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 30)).save(buf, format="PNG")
    return buf.getvalue()
