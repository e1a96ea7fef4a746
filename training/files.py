"""A session's files.

Kept through the storage API (config.storage), under `training/<id>/`, so web servers and gpu workers need
no shared disk:
    snapshot.json        the frozen classes, image names and labels the session trains on (written at start)
    initial.pt           the weights it starts from (an upload, or a copy of another session's)
    weights/best.pt      uploaded by the worker after every epoch, and once more when training ends
    weights/last.pt
    evaluation/example_<n>.jpg   drawn by the evaluation
Worked on locally by the worker that trains, under `TRAINING_WORK_DIR/<id>/` (default var/work/training):
    snapshot/            the YOLO pose folder built from snapshot.json (images linked or downloaded)
    run/                 Ultralytics' save dir (weights/, results.csv, plots)
The console log is `LogLine` rows (training.models), appended to by any process. Server paths in it (the
session's work dir, TRAINING_WORK_DIR, MEDIA_ROOT, BASE_DIR, the Python install) are redacted to "…/"
both when lines are stored and when they are served, so members never see the server's layout.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import sysconfig
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from config import storage

from .models import LogLine


# ---------------------------------------------------------------- stored (storage names)
def stored(session_id: int, name: str) -> str:
    return f"training/{session_id}/{name}"


def snapshot_name(session_id: int) -> str:
    return stored(session_id, "snapshot.json")


def initial_weights_name(session_id: int) -> str:
    return stored(session_id, "initial.pt")


def weights_name(session_id: int, kind: str) -> str:
    return stored(session_id, f"weights/{kind}.pt")


def evaluation_name(session_id: int, file: str) -> str:
    return stored(session_id, f"evaluation/{file}")


COCO_FILES = {"predictions": "predictions.json", "ground_truth": "ground_truth.json"}


def coco_name(session_id: int, kind: str) -> str:
    """The COCO files of a session: "ground_truth" (the val split frozen at start, COCO keypoints JSON) and
    "predictions" (best.pt's predictions on it from the final validation, COCO results JSON)."""
    return stored(session_id, f"coco/{COCO_FILES[kind]}")


def local_coco_ground_truth(session_id: int) -> Path:
    return work_dir(session_id) / "coco_ground_truth.json"


def has_weights(session_id: int, kind: str) -> bool:
    return storage.exists(weights_name(session_id, kind))


# ---------------------------------------------------------------- local to the worker
def work_dir(session_id: int) -> Path:
    return Path(settings.TRAINING_WORK_DIR) / str(session_id)


def snapshot_dir(session_id: int) -> Path:
    return work_dir(session_id) / "snapshot"


def data_yaml(session_id: int) -> Path:
    return snapshot_dir(session_id) / "data.yaml"


def run_dir(session_id: int) -> Path:
    return work_dir(session_id) / "run"


def local_weights(session_id: int, kind: str) -> Path:
    return run_dir(session_id) / "weights" / f"{kind}.pt"


def local_initial_weights(session_id: int) -> Path:
    return work_dir(session_id) / "initial.pt"


def evaluation_dir(session_id: int) -> Path:
    return work_dir(session_id) / "evaluation"


def remove_local(session_id: int) -> None:
    shutil.rmtree(work_dir(session_id), ignore_errors=True)


def remove_session(session_id: int) -> None:
    storage.delete_tree(f"training/{session_id}")
    remove_local(session_id)


def upload_weights(session_id: int) -> dict:
    """Copy the run's best.pt / last.pt into the storage; returns {"best_weights", "last_weights"} names
    ("" for one that does not exist)."""
    out = {}
    for kind in ("best", "last"):
        local = local_weights(session_id, kind)
        if local.is_file():
            out[f"{kind}_weights"] = storage.save_path(weights_name(session_id, kind), local)
        else:
            out[f"{kind}_weights"] = weights_name(session_id, kind) if has_weights(session_id, kind) else ""
    return out


def fetch_weights(session_id: int, kind: str) -> Path | None:
    """The stored weights as a local file in the run folder (downloaded when this worker lacks them)."""
    local = local_weights(session_id, kind)
    if not local.is_file() and has_weights(session_id, kind):
        storage.materialize(weights_name(session_id, kind), local)
    return local if local.is_file() else None


# ---------------------------------------------------------------- log
def append_log(session_id: int, text: str) -> None:
    """Append one or more lines, with server paths redacted (see `redact`). A progress bar that rewrote its
    line with carriage returns is kept as what the line finally said."""
    text = redact(session_id, text)
    lines = [line.rsplit("\r", 1)[-1] for line in text.replace("\r\n", "\n").rstrip("\n").split("\n")]
    LogLine.objects.bulk_create([LogLine(session_id=session_id, text=line) for line in lines], batch_size=1000)


def tail(session_id: int, lines: int) -> tuple[list[str], int]:
    """The last `lines` log lines (redacted again: rows stored before redaction existed) and how many lines
    the whole log has."""
    qs = LogLine.objects.filter(session_id=session_id)
    rows = list(qs.order_by("-id").values_list("text", flat=True)[:lines])
    return [redact(session_id, row) for row in rows[::-1]], qs.count()


def redact(session_id: int, text: str) -> str:
    """`text` with server paths cut to "…/...": the session's work dir becomes "…/" (so Ultralytics'
    ".../training/1/run/weights/best.pt" reads "…/run/weights/best.pt"), and any other path under
    TRAINING_WORK_DIR, MEDIA_ROOT, BASE_DIR or the Python install keeps only what follows that root."""
    pattern = _server_roots(str(work_dir(session_id)), str(settings.TRAINING_WORK_DIR), str(settings.MEDIA_ROOT),
                            str(settings.BASE_DIR))
    return pattern.sub("…", text) if pattern is not None else text


@lru_cache(maxsize=64)
def _server_roots(*roots: str) -> re.Pattern | None:
    """One regex for every root, as given and as resolved (symlinks, e.g. the shared .venv), longest first
    so the session's own dir wins over TRAINING_WORK_DIR; matched only at a path boundary."""
    found = set()
    for root in (*roots, sys.prefix, sys.base_prefix, sysconfig.get_paths().get("purelib", "")):
        if root and len(root) > 1:
            for form in (root, os.path.realpath(root)):
                found.add(form.rstrip(os.sep))
    found.discard("")
    if not found:
        return None
    alternatives = "|".join(re.escape(root) for root in sorted(found, key=len, reverse=True))
    return re.compile(f"(?<![\\w.~/-])(?:{alternatives})(?=[{re.escape(os.sep)}'\"\\s:,)]|$)")
