"""Where a session's files live under MEDIA_ROOT/training/<id>/:

    snapshot/     the immutable YOLO pose export (data.yaml, images/, labels/)
    initial.pt    the weights it started from, copied in (never a link to another session's file)
    run/          Ultralytics' save dir: weights/best.pt, weights/last.pt, results.csv, plots
    train.log     the console log (Ultralytics' LOGGER plus one line per epoch)
    evaluation/   example_<n>.jpg drawn by the evaluation
"""
from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def session_dir(session_id: int) -> Path:
    return media_root() / "training" / str(session_id)


def relative(path: str | Path | None) -> str:
    if not path:
        return ""
    p = Path(path)
    try:
        return p.resolve().relative_to(media_root().resolve()).as_posix()
    except ValueError:
        return str(p)


def absolute(rel: str) -> Path | None:
    if not rel:
        return None
    p = Path(rel)
    return p if p.is_absolute() else media_root() / p


def snapshot_dir(session_id: int) -> Path:
    return session_dir(session_id) / "snapshot"


def data_yaml(session_id: int) -> Path:
    return snapshot_dir(session_id) / "data.yaml"


def run_dir(session_id: int) -> Path:
    return session_dir(session_id) / "run"


def weights(session_id: int, kind: str) -> Path:
    return run_dir(session_id) / "weights" / f"{kind}.pt"


def initial_weights(session_id: int) -> Path:
    return session_dir(session_id) / "initial.pt"


def log_path(session_id: int) -> Path:
    return session_dir(session_id) / "train.log"


def evaluation_dir(session_id: int) -> Path:
    return session_dir(session_id) / "evaluation"


def remove_session(session_id: int) -> None:
    shutil.rmtree(session_dir(session_id), ignore_errors=True)


def append_log(session_id: int, text: str) -> None:
    path = log_path(session_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text.rstrip("\n") + "\n")


def tail(path: Path, lines: int, max_bytes: int = 256 * 1024) -> tuple[list[str], int]:
    """The last `lines` lines of a text file (reading at most max_bytes from its end) and its size."""
    if not path.is_file():
        return [], 0
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(max(0, size - max_bytes))
        data = fh.read()
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    # Progress bars rewrite one line with carriage returns: keep what the line finally said.
    rows = [row.rsplit("\r", 1)[-1] for row in text.split("\n")]
    if size > max_bytes:
        rows = rows[1:]  # the first row was cut in the middle
    if rows and rows[-1] == "":
        rows.pop()
    return rows[-lines:], size
