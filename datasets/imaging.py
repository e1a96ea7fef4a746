"""Image validation and thumbnails with Pillow (no Django imports)."""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image as PILImage
from PIL import ImageOps

ALLOWED_FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "BMP": "bmp", "TIFF": "tif"}
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


def check_image(data: bytes, max_bytes: int) -> CheckedImage:
    """Decode enough of the file to be sure it is a whole, sane image, and make its thumbnail."""
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
                raise BadImage("unsupported_format", f"format {fmt} is not accepted; use JPEG, PNG, WebP, BMP or TIFF")
            with PILImage.open(io.BytesIO(data)) as im:
                header_size = im.size
                # draft() lets JPEG decode at 1/2..1/8 scale: the whole stream is still read, so a
                # truncated file fails here, at a fraction of a full decode's cost.
                im.draft("RGB", _draft_request(header_size))
                im.load()
                width, height = _oriented_size(im, header_size)
                thumb = ImageOps.exif_transpose(im).convert("RGB")
                thumb.thumbnail((THUMB_SIZE, THUMB_SIZE), PILImage.Resampling.BILINEAR, reducing_gap=2.0)
                buf = io.BytesIO()
                thumb.save(buf, "JPEG", quality=80)
    except BadImage:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
        raise BadImage("decompression_bomb", f"image has too many pixels: {exc}") from exc
    except PILImage.UnidentifiedImageError as exc:
        raise BadImage("not_an_image", "the file is not an image Pillow can read") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise BadImage("corrupt_image", f"the image is damaged or truncated: {exc}") from exc
    return CheckedImage(
        sha256=hashlib.sha256(data).hexdigest(), width=width, height=height,
        ext=ALLOWED_FORMATS[fmt], thumbnail_jpeg=buf.getvalue(),
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
