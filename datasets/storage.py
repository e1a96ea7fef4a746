"""Storage names of a dataset's files: content-addressed per dataset, read and written through config.storage
(Django's storage API), so the same code runs on a local disk or an S3-compatible store."""
from __future__ import annotations

from config import storage


def image_name(dataset_id: int, sha256: str, ext: str) -> str:
    return f"datasets/{dataset_id}/images/{sha256[:2]}/{sha256}.{ext}"


def thumb_name(dataset_id: int, sha256: str) -> str:
    return f"datasets/{dataset_id}/thumbs/{sha256[:2]}/{sha256}.jpg"


def rendition_name(dataset_id: int, sha256: str) -> str:
    """The browser-viewable PNG of a picture browsers cannot show (TIFF, 16-bit)."""
    return f"datasets/{dataset_id}/renditions/{sha256[:2]}/{sha256}.png"


def delete_dataset_files(dataset_id: int) -> None:
    storage.delete_tree(f"datasets/{dataset_id}")
