"""Images in, RGB uint8 arrays out: the one reader every engine uses. Framework-free.

- Files are decoded with Pillow and turned upright by their EXIF orientation, as viewers and the labeler
  show them, so keypoints land in the coordinates a person sees.
- 16-bit greyscale (PNG and TIFF open as Pillow mode "I;16"/"I") keeps its real values: v >> 8, what
  OpenCV's 8-bit read (upstream Sapiens2's `cv2.imread`) gives. Pillow's own `convert("RGB")` clips every
  value above 255 to white.
- Over Pillow's pixel limit (`PIL.Image.MAX_IMAGE_PIXELS`, ~89 MP by default) is refused with
  ImageUnreadable, like uploads (datasets/imaging.py): Pillow only warns up to twice the limit, and a
  decompression bomb would take the process's memory.
- Messages name the file and the problem only: Pillow's own texts can hold Python reprs
  ("<_io.BytesIO object at 0x...>") and server paths, which are not for the people calling.
"""
from __future__ import annotations

import io
import os
import warnings
from collections.abc import Collection
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from .errors import ImageUnreadable, UnsupportedFormat

_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def read_rgb(source: str | os.PathLike | bytes, name: str | None = None, *,
             formats: Collection[str] | None = None, accepted: str = "") -> np.ndarray:
    """An image file (path or bytes) as an upright HxWx3 RGB uint8 array. Raises ImageUnreadable naming the
    file for anything Pillow cannot decode, truncated files, and images over the pixel limit.

    formats: Pillow format names to accept (e.g. datasets.imaging.ALLOWED_FORMATS); any other raises
    UnsupportedFormat (field "image") whose message ends with `accepted`, the human list. None accepts all.
    """
    label = name or (Path(source).name if not isinstance(source, (bytes, bytearray)) else "image")
    handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(handle) as image:
                if formats is not None and image.format not in formats:
                    raise UnsupportedFormat(f"image: {label} is {image.format or 'an unknown format'}, which is not "
                                            f"accepted; use {accepted or ', '.join(sorted(formats))}", field="image")
                image.load()
                return pil_to_rgb(ImageOps.exif_transpose(image))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageUnreadable(f"image: {label} has too many pixels to read (the limit is "
                              f"{Image.MAX_IMAGE_PIXELS} pixels)", field="image") from exc
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise ImageUnreadable(f"image: {label} is not a file", field="image") from exc
    except Image.UnidentifiedImageError as exc:
        raise ImageUnreadable(f"image: {label} is not a picture that can be read", field="image") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # Pillow's decode failures
        raise ImageUnreadable(f"image: {label} is damaged or truncated and could not be read", field="image") from exc


def pil_to_rgb(image: Image.Image) -> np.ndarray:
    """A PIL image in any mode as a contiguous, writable HxWx3 uint8 array (16-bit kept as v >> 8)."""
    if image.mode in _SIXTEEN_BIT_MODES:
        return gray_to_rgb(sixteen_to_eight(np.asarray(image)))
    if image.mode == "F":
        return gray_to_rgb(float_to_eight(np.asarray(image)))
    return np.array(image.convert("RGB"))  # np.array copies: PIL's buffer is read-only


def sixteen_to_eight(values: np.ndarray) -> np.ndarray:
    return (np.clip(values.astype(np.int64), 0, 65535) >> 8).astype(np.uint8)


def float_to_eight(values: np.ndarray) -> np.ndarray:
    """Floats as 0..1 when none exceeds 1, else as 0..255; NaN as 0."""
    values = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    scale = 255.0 if values.size and values.max() <= 1.0 else 1.0
    return np.clip(np.round(values * scale), 0, 255).astype(np.uint8)


def gray_to_rgb(gray: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))


def as_rgb_uint8(image) -> np.ndarray:
    """What `Engine.predict` accepts per image, as an HxWx3 RGB uint8 array.

    PIL images in any mode; arrays HxW, HxWx1, HxWx3 or HxWx4 taken as RGB(A) (uint8 as is, uint16 as v >> 8,
    floats in 0..1 or 0..255, other integers clipped to 0..255); paths are read with `read_rgb`. Raises
    ImageUnreadable for anything else.
    """
    if isinstance(image, (str, os.PathLike, bytes, bytearray)):
        return read_rgb(image)
    if isinstance(image, Image.Image):
        return pil_to_rgb(image)
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)) or 0 in array.shape[:2]:
        raise ImageUnreadable(f"expected an HxWx3 image array, got shape {array.shape}", field="image")
    if array.dtype == np.uint16:
        array = sixteen_to_eight(array)
    elif array.dtype == np.bool_:
        array = array.astype(np.uint8) * 255
    elif np.issubdtype(array.dtype, np.floating):
        array = float_to_eight(array)
    elif array.dtype != np.uint8:
        if not np.issubdtype(array.dtype, np.integer):
            raise ImageUnreadable(f"image arrays must hold numbers, got {array.dtype}", field="image")
        array = np.clip(array, 0, 255).astype(np.uint8)
    if array.ndim == 2:
        return gray_to_rgb(array)
    array = np.ascontiguousarray(array[:, :, :3])
    # Consumers wrap arrays in tensors in place, which needs them writable (PIL's arrays are not).
    return array if array.flags.writeable else array.copy()
