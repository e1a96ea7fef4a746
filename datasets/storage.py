"""Where image files live under MEDIA_ROOT: content-addressed per dataset, written atomically."""
from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings


def media_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def image_relpath(dataset_id: int, sha256: str, ext: str) -> str:
    return f"datasets/{dataset_id}/images/{sha256[:2]}/{sha256}.{ext}"


def thumb_relpath(dataset_id: int, sha256: str) -> str:
    return f"datasets/{dataset_id}/thumbs/{sha256[:2]}/{sha256}.jpg"


def write_atomic(relative: str, data: bytes) -> None:
    """Write via a temp file and rename, so a crash never leaves a half file under the final name."""
    path = media_path(relative)
    if path.exists():
        return  # content-addressed: same name, same bytes
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def delete_dataset_files(dataset_id: int) -> None:
    import shutil

    shutil.rmtree(media_path(f"datasets/{dataset_id}"), ignore_errors=True)
