"""Safe reading of uploaded zip archives: no path escapes, no zip bombs (no Django imports)."""
from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from typing import IO

from core.errors import InvalidInput

from .formats.names import is_junk_entry, upload_name

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
MAX_ENTRIES = 100_000
MAX_RATIO = 200  # real images barely compress; text-like payloads of 1000:1 are bombs


class ArchiveError(InvalidInput):
    """The upload is not a zip we can read safely; `code` says why (bad_zip, zip_bomb, unsafe_path)."""

    def __init__(self, code: str, message: str):
        super().__init__(message, field="file", code=code)


def _is_unsafe(name: str) -> bool:
    normal = name.replace("\\", "/")
    if normal.startswith("/") or (len(normal) > 1 and normal[1] == ":"):
        return True
    return ".." in normal.split("/")


def open_zip(fileobj: IO[bytes], max_total: int) -> zipfile.ZipFile:
    """Open and check the whole directory before anything is extracted."""
    try:
        zf = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError("bad_zip", f"not a readable zip archive: {exc}") from exc
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ArchiveError("zip_bomb", f"archive has {len(infos)} entries; the limit is {MAX_ENTRIES}")
    total = 0
    for info in infos:
        if _is_unsafe(info.filename):
            raise ArchiveError("unsafe_path", f"archive entry {info.filename!r} points outside the archive")
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            raise ArchiveError("zip_bomb", f"archive entry {info.filename!r} expands {info.file_size // max(info.compress_size, 1)}x")
    if total > max_total:
        raise ArchiveError("zip_bomb", f"archive expands to {total} bytes; the limit is {max_total}")
    return zf


def iter_members(zf: zipfile.ZipFile, suffixes: tuple[str, ...], max_bytes: int) -> Iterator[tuple[str, bytes | None, str | None]]:
    """Yield (name, data, error) for each file with one of `suffixes`; reads at most max_bytes+1 of each,
    so an entry whose header lies about its size cannot blow up memory.

    `name` is the user-facing relative name (formats.names.upload_name: 'cam1/frame_0001.jpg', forward
    slashes, NFC); folders, macOS resource forks (`__MACOSX/`, `._x`), Finder/Explorer files and hidden
    files are skipped."""
    for info in zf.infolist():
        name = upload_name(info.filename)
        if info.is_dir() or is_junk_entry(info.filename) or not name:
            continue
        base = posixpath.basename(name)
        if base.startswith("."):
            continue
        if not base.lower().endswith(suffixes):
            continue
        if info.file_size > max_bytes:
            yield name, None, f"file_too_large: {info.file_size} bytes; the limit is {max_bytes}"
            continue
        with zf.open(info) as fh:
            data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            yield name, None, f"file_too_large: more than {max_bytes} bytes"
            continue
        yield name, data, None
