"""COCO-pretrained Ultralytics pose checkpoints: which are in the weights folder, fetching one, and how much of
one transfers to a class with another keypoint count. Framework-free (no Django imports).

Names are Ultralytics' own release file names: yolo11{n,s,m,l,x}-pose.pt and yolo26{n,s,m,l,x}-pose.pt, trained on
COCO-17 person keypoints (kpt_shape [17, 3], one class). They live in a weights folder (Django's WEIGHTS_DIR,
proposed default <repo>/var/weights, see DEFAULT_WEIGHTS_DIR); nothing ever downloads them implicitly.

`fetch(name, weights_dir)` downloads one through Ultralytics' own helper (`attempt_download_asset`, GitHub release
assets) in a child process with a hard time limit. Offline it answers core.errors.Unavailable (code "offline")
before any download starts: it first opens a TCP connection to github.com:443 with a short timeout. That matters
because Ultralytics downloads a missing asset even with YOLO_OFFLINE=1: the switch only stops its retries
(is_online() is then False, so the first failure is final); offline the bare download raised ConnectionError
after about 2 s, and against a host that accepts TCP but never answers it stalled 30 s per attempt
(/work/shared/notes/ultralytics-offline.md).

Training from a checkpoint whose keypoint count differs from the class's: Ultralytics builds the model for the
class's kpt_shape and copies every tensor whose name and shape match ("Transferred X/Y items from pretrained
weights"); the keypoint head's last convolutions do not fit and start fresh. `transfer_report` runs that same code
and captures X and Y; `TransferCapture` captures them from a real training's log.
"""
from __future__ import annotations

import copy
import logging
import os
import re
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidInput, NotFound, Unavailable

FAMILIES = ("yolo11", "yolo26")
SCALES = "nsmlx"
NAMES: tuple[str, ...] = tuple(f"{family}{scale}-pose.pt" for family in FAMILIES for scale in SCALES)
DEFAULT_WEIGHTS_DIR = Path(__file__).resolve().parents[2] / "var" / "weights"
RELEASE_URL = "https://github.com/ultralytics/assets/releases/download/v8.4.0/{name}"  # Ultralytics' default release
PROBE_HOST = ("github.com", 443)

_TRANSFERRED = re.compile(r"Transferred (\d+)/(\d+) items")


@dataclass(frozen=True)
class Checkpoint:
    name: str  # yolo11n-pose.pt
    family: str  # yolo11
    scale: str  # n
    path: Path | None  # the file in the weights folder, None when it is not there
    size_bytes: int | None

    @property
    def algorithm(self) -> str:
        """The matching model config name (training.engine.algorithms), e.g. yolo11n-pose."""
        return self.name.removesuffix(".pt")

    @property
    def url(self) -> str:
        return RELEASE_URL.format(name=self.name)

    def as_dict(self) -> dict:
        return {"name": self.name, "algorithm": self.algorithm, "family": self.family, "scale": self.scale,
                "available": self.path is not None, "path": str(self.path) if self.path else None,
                "size_bytes": self.size_bytes, "url": self.url, "kpt_shape": [17, 3], "trained_on": "COCO-17 person"}


def check_name(name: str) -> str:
    if name not in NAMES:
        raise InvalidInput(f"unknown pretrained checkpoint {name!r}; known: {', '.join(NAMES)}", field="name")
    return name


def catalogue(weights_dir: str | os.PathLike) -> list[Checkpoint]:
    """Every known checkpoint, in NAMES order, with its file when the weights folder has it."""
    folder = Path(weights_dir)
    out = []
    for name in NAMES:
        path = folder / name
        present = path.is_file() and path.stat().st_size > 0
        out.append(Checkpoint(name=name, family=name[:6], scale=name[6], path=path if present else None,
                              size_bytes=path.stat().st_size if present else None))
    return out


def available(weights_dir: str | os.PathLike) -> list[Checkpoint]:
    """The checkpoints present in the weights folder (what the training form offers)."""
    return [c for c in catalogue(weights_dir) if c.path is not None]


def checkpoint_path(name: str, weights_dir: str | os.PathLike) -> Path:
    """The local file for `name`; NotFound (field "name") when it is not in the weights folder."""
    check_name(name)
    path = Path(weights_dir) / name
    if not path.is_file():
        raise NotFound(f"{name} is not in the weights folder {weights_dir}; run `manage.py fetch_weights {name}` on "
                       f"a machine that is online, or copy the file there", field="name")
    return path


_FETCH = r"""
import sys
from pathlib import Path
from ultralytics.utils.downloads import attempt_download_asset
target = Path(sys.argv[1])
print(attempt_download_asset(str(target)))
"""


def fetch(name: str, weights_dir: str | os.PathLike, *, timeout_s: float = 900.0, probe_timeout_s: float = 5.0) -> Path:
    """Download `name` into the weights folder unless it is there; returns its path.

    Errors (core.errors): InvalidInput for an unknown name; Unavailable code "offline" when github.com:443 cannot
    be reached within probe_timeout_s (no download is attempted), code "download_failed" when Ultralytics'
    download fails, code "download_timeout" when it has not finished within timeout_s (the child is killed).
    """
    check_name(name)
    folder = Path(weights_dir)
    target = folder / name
    if target.is_file():
        return target
    problem = reachable(PROBE_HOST, probe_timeout_s)
    if problem:
        raise Unavailable(f"cannot download {name}: github.com is not reachable from this machine ({problem}). "
                          f"Download {RELEASE_URL.format(name=name)} elsewhere and copy it into {folder}",
                          field="name", code="offline")
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "YOLO_AUTOINSTALL": "0"}
    try:
        done = subprocess.run([sys.executable, "-c", _FETCH, str(target.resolve())], capture_output=True, text=True, check=False,
                              timeout=timeout_s, env=env, cwd=folder)
    except subprocess.TimeoutExpired as exc:
        raise Unavailable(f"downloading {name} did not finish within {timeout_s:.0f} s", field="name",
                          code="download_timeout") from exc
    if done.returncode != 0 or not target.is_file():
        tail = (done.stderr or done.stdout or "").strip().splitlines()[-1:] or ["no output"]
        raise Unavailable(f"downloading {name} failed: {tail[0]}", field="name", code="download_failed")
    return target


def reachable(address: tuple[str, int], timeout_s: float) -> str | None:
    """None when a TCP connection to `address` opens within timeout_s, else why not.

    The DNS lookup runs in a daemon thread too: `socket.create_connection`'s timeout does not cover
    getaddrinfo, which can take far longer than timeout_s on a machine with an unreachable resolver.
    """
    outcome: list[str | None] = []

    def attempt():
        try:
            socket.create_connection(address, timeout=timeout_s).close()
            outcome.append(None)
        except OSError as exc:
            outcome.append(f"{type(exc).__name__}: {exc}")

    worker = threading.Thread(target=attempt, name="posedeck-reachable", daemon=True)
    worker.start()
    worker.join(timeout_s + 0.5)
    return outcome[0] if outcome else f"no answer within {timeout_s:g} s"


class TransferCapture(logging.Handler):
    """Attach to Ultralytics' LOGGER; keeps the last "Transferred X/Y items" it sees as (X, Y)."""

    def __init__(self):
        super().__init__(level=logging.INFO)
        self.counts: tuple[int, int] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        found = _TRANSFERRED.search(record.getMessage())
        if found:
            self.counts = (int(found.group(1)), int(found.group(2)))


def parse_transferred(text: str) -> tuple[int, int] | None:
    """(X, Y) from the last "Transferred X/Y items" in a log text, or None."""
    found = _TRANSFERRED.findall(text or "")
    return (int(found[-1][0]), int(found[-1][1])) if found else None


def transfer_report(checkpoint: str | os.PathLike, *, kpt_shape: tuple[int, int] | list[int], nc: int = 1,
                    names: dict[int, str] | None = None) -> dict:
    """What a training from `checkpoint` would transfer for a class set with `kpt_shape` and `nc` classes.

    Runs the trainer's own steps (PoseModel for the new kpt_shape, class names set, `model.load(checkpoint)`), so
    the counts are the ones training logs. Returns {"transferred": X, "total": Y, "checkpoint_kpt_shape": [K, D],
    "kpt_shape": [K, D], "complete": X == Y}. Loads torch: seconds, not for a web request.
    Errors: InvalidInput (field "weights") when the file is not an Ultralytics pose checkpoint.
    """
    from . import offline

    offline.prepare()
    from ultralytics.nn.tasks import PoseModel, load_checkpoint
    from ultralytics.utils import LOGGER

    try:
        source, _ = load_checkpoint(str(checkpoint))
    except Exception as exc:  # pickle/torch/KeyError: anything here means "not a usable checkpoint"
        raise InvalidInput(f"not an Ultralytics checkpoint ({type(exc).__name__}: {exc})", field="weights") from exc
    if getattr(source, "task", None) != "pose" or not hasattr(source, "yaml"):
        raise InvalidInput(f"the checkpoint is for the {getattr(source, 'task', '?')!r} task; a pose model is needed",
                           field="weights")
    capture = TransferCapture()
    level = LOGGER.level
    LOGGER.addHandler(capture)
    LOGGER.setLevel(logging.INFO)
    try:
        model = PoseModel(copy.deepcopy(source.yaml), nc=nc, data_kpt_shape=tuple(kpt_shape), verbose=False)
        if names:
            model.names = dict(names)
        model.load(source)
    finally:
        LOGGER.removeHandler(capture)
        LOGGER.setLevel(level)
    if capture.counts is None:
        raise RuntimeError("Ultralytics did not log a 'Transferred X/Y items' line")  # an Ultralytics change
    transferred, total = capture.counts
    return {"transferred": transferred, "total": total, "checkpoint_kpt_shape": list(source.yaml["kpt_shape"]),
            "kpt_shape": list(kpt_shape), "complete": transferred == total}
