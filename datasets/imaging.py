"""Image validation, thumbnails and browser renditions with Pillow (no Django imports)."""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image as PILImage
from PIL import ImageOps

# Pillow format name -> stored extension. The one list of what Posedeck takes as a picture: dataset uploads
# here, and the detect endpoint (deploy/detect.py) passes it to its reader.
ALLOWED_FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "BMP": "bmp", "TIFF": "tif"}
ACCEPTED_TEXT = "JPEG, PNG, WebP, BMP or TIFF"  # ALLOWED_FORMATS as people name them
THUMB_SIZE = 256


class BadImage(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class CheckedImage:
    sha256: str
    width: int  # after EXIF orientation, as browsers and Ultralytics show it
    height: int
    ext: str
    thumbnail_jpeg: bytes
    # A PNG that browsers can show, for pictures they cannot (TIFF, 16-bit or float pixels); None otherwise.
    # Same size and orientation as width x height, so labels drawn on it are in the original's pixels.
    rendition_png: bytes | None = None


# Formats Chromium and Firefox decode themselves; anything else is shown through a rendition.
BROWSER_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "BMP"}
_HIGH_BIT_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N", "F"}


def to_display(im: PILImage.Image) -> PILImage.Image:
    """An 8-bit RGB(A) picture of `im` as a person expects to see it.

    Pillow's own convert("RGB") clips 16-bit and 32-bit values at 255, which turns a 16-bit greyscale
    picture white; here 16-bit values are scaled by 255/65535, and 32-bit integer or float pixels are
    stretched from their own minimum to maximum.
    """
    if im.mode in _HIGH_BIT_MODES:
        arr = np.asarray(im)
        if im.mode.startswith("I;16") or (im.mode == "I" and arr.min() >= 0 and arr.max() <= 65535 and arr.max() > 255):
            out = (arr.astype(np.float64) * (255.0 / 65535.0)).round()
        elif im.mode == "F" and arr.size and 0.0 <= float(np.nanmin(arr)) and float(np.nanmax(arr)) <= 1.0:
            out = np.nan_to_num(arr.astype(np.float64)) * 255.0
        else:
            arr = np.nan_to_num(arr.astype(np.float64))
            low, high = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 0.0)
            out = (arr - low) * (255.0 / (high - low)) if high > low else np.zeros_like(arr)
        return PILImage.fromarray(out.clip(0, 255).astype(np.uint8), "L").convert("RGB")
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        return im.convert("RGBA")
    return im.convert("RGB")


def check_image(data: bytes, max_bytes: int) -> CheckedImage:
    """Decode enough of the file to be sure it is a whole, sane image; make its thumbnail and, for a picture
    browsers cannot show, a PNG rendition."""
    if len(data) > max_bytes:
        raise BadImage("file_too_large", f"image is {len(data)} bytes; the limit is {max_bytes} bytes")
    if not data:
        raise BadImage("empty_file", "the file is empty")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; treat the warning as the error it is.
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                probe.verify()
            if fmt not in ALLOWED_FORMATS:
                raise BadImage("unsupported_format", f"format {fmt} is not accepted; use {ACCEPTED_TEXT}")
            with PILImage.open(io.BytesIO(data)) as im:
                header_size = im.size
                # draft() lets JPEG decode at 1/2..1/8 scale: the whole stream is still read, so a
                # truncated file fails here, at a fraction of a full decode's cost.
                im.draft("RGB", _draft_request(header_size))
                im.load()
                width, height = _oriented_size(im, header_size)
                shown = to_display(ImageOps.exif_transpose(im))
                rendition = None
                if fmt not in BROWSER_FORMATS or im.mode in _HIGH_BIT_MODES:
                    out = io.BytesIO()
                    shown.save(out, "PNG", compress_level=3)
                    rendition = out.getvalue()
                thumb = shown.convert("RGB")
                thumb.thumbnail((THUMB_SIZE, THUMB_SIZE), PILImage.Resampling.BILINEAR, reducing_gap=2.0)
                buf = io.BytesIO()
                thumb.save(buf, "JPEG", quality=80)
    except BadImage:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
        raise BadImage("decompression_bomb", f"image has too many pixels (the limit is "
                                             f"{PILImage.MAX_IMAGE_PIXELS} pixels)") from exc
    except PILImage.UnidentifiedImageError as exc:
        raise BadImage("not_an_image", "the file is not an image Pillow can read") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow's text is left out: it can hold Python reprs ("<_io.BytesIO object at 0x...>").
        raise BadImage("corrupt_image", "the image is damaged or truncated") from exc
    return CheckedImage(
        sha256=hashlib.sha256(data).hexdigest(), width=width, height=height,
        ext=ALLOWED_FORMATS[fmt], thumbnail_jpeg=buf.getvalue(), rendition_png=rendition,
    )


def _draft_request(size: tuple[int, int]) -> tuple[int, int]:
    """The smallest decode size whose longer side still covers the thumbnail."""
    w, h = size
    scale = 1
    while scale < 8 and max(w, h) / (scale * 2) >= THUMB_SIZE:
        scale *= 2
    return -(-w // scale), -(-h // scale)


def _oriented_size(im: PILImage.Image, size: tuple[int, int]) -> tuple[int, int]:
    w, h = size
    if im.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # rotated by 90 degrees
        return h, w
    return w, h
