"""Every file Posedeck keeps (images, thumbnails, renditions, training snapshots, weights, logs, exports) is
read and written through Django's storage API (`default_storage`), never through a hand-built local path,
so an S3-compatible store is a setting (`STORAGES["default"]`), not a rewrite.

Names are storage names ("datasets/3/images/ab/ab12….jpg"), always with forward slashes. Code that needs a
real file on this machine (Ultralytics, ONNX export) asks for `local_copy(name)`: the file itself when the
storage is the local filesystem, else a temporary download.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Iterator

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

CHUNK = 1024 * 1024


def exists(name: str) -> bool:
    return bool(name) and default_storage.exists(name)


def size(name: str) -> int:
    return default_storage.size(name)


def open_read(name: str) -> IO[bytes]:
    return default_storage.open(name, "rb")


def read_bytes(name: str) -> bytes:
    with open_read(name) as fh:
        return fh.read()


def save_once(name: str, content: bytes | IO[bytes]) -> str:
    """Store content-addressed data under `name` unless it is there already; returns the stored name.

    Two writers racing on one new name both succeed: the storage gives the loser a suffixed name, which
    holds the same bytes.
    """
    if default_storage.exists(name):
        return name
    return _save_whole(name, content)


def save_replace(name: str, content: bytes | IO[bytes]) -> str:
    """Store `content` under exactly `name`, replacing what was there (logs, weights, exports)."""
    if default_storage.exists(name):
        default_storage.delete(name)
    return _save_whole(name, content)


def _save_whole(name: str, content: bytes | IO[bytes]) -> str:
    """Save a new file, or nothing: Django's FileSystemStorage leaves the part it wrote when a write fails
    (a full disk: OSError ENOSPC), and a half image must not stay behind under a name a row may point at."""
    file = _as_file(content)
    try:
        expected = file.size
    except (AttributeError, OSError, TypeError):
        expected = None
    try:
        return default_storage.save(name, file)
    except OSError:
        # A complete file under the name (a concurrent writer of the same bytes) is kept; a part is not.
        if default_storage.exists(name) and (expected is None or default_storage.size(name) != expected):
            default_storage.delete(name)
        raise


def save_path(name: str, path: str | os.PathLike) -> str:
    """Copy a local file into the storage under exactly `name`."""
    with open(path, "rb") as fh:
        return save_replace(name, fh)


def delete(name: str) -> None:
    if name:
        default_storage.delete(name)


def delete_tree(prefix: str) -> None:
    """Delete every file under the folder `prefix` (a dataset's images, a session's files)."""
    prefix = prefix.rstrip("/")
    try:
        dirs, files = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        default_storage.delete(f"{prefix}/{name}")
    for sub in dirs:
        delete_tree(f"{prefix}/{sub}")
    local = local_path(prefix)
    if local is not None:
        shutil.rmtree(local, ignore_errors=True)  # the empty folders the storage API cannot remove


def local_path(name: str) -> Path | None:
    """The stored file's path on this machine, or None when it is not a file here (a remote storage)."""
    try:
        path = Path(default_storage.path(name))
    except NotImplementedError:  # a remote storage: no local path
        return None
    return path if path.exists() else None  # some storages (in-memory) name a path that holds nothing


@contextlib.contextmanager
def local_copy(name: str) -> Iterator[Path]:
    """A path on this machine holding the stored file: the file itself on a local storage, else a temporary
    download removed afterwards. Read only."""
    local = local_path(name)
    if local is not None:
        yield local
        return
    suffix = Path(name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as tmp, open_read(name) as src:
        shutil.copyfileobj(src, tmp, CHUNK)
    try:
        yield Path(tmp.name)
    finally:
        os.unlink(tmp.name)


def materialize(name: str, target: Path) -> None:
    """Make `target` (a local path, e.g. in a training work folder) hold the stored file: a hard link to it on a
    local storage when the filesystem allows, else a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return
    local = local_path(name)
    if local is not None:
        try:
            os.link(local, target)
            return
        except OSError:
            pass
    tmp = target.with_name(f".{target.name}.part")
    with open_read(name) as src, open(tmp, "wb") as out:
        shutil.copyfileobj(src, out, CHUNK)
    os.replace(tmp, target)


def _as_file(content: bytes | IO[bytes]) -> File:
    if isinstance(content, (bytes, bytearray)):
        return ContentFile(bytes(content))
    return content if isinstance(content, File) else File(content)
