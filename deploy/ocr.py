"""Text in detected boxes, read with Tesseract (the `tesseract` command from Debian's tesseract-ocr packages).
Framework-free.

OCR models: "small" = Tesseract's LSTM engine (`--oem 1`) with the installed `tessdata` languages. Languages are
Tesseract codes ("eng", "deu", "eng+deu"). A model or language that is not installed raises OcrUnavailable
(400) naming it; nothing is ever downloaded.

Each box is cropped (2 px margin), upscaled so its height is at least 48 px (Tesseract reads glyphs of 20-30 px
best), and read as one block (`--psm 6`); the text is stripped of surrounding whitespace.
"""
from __future__ import annotations

import functools
import io
import re
import shutil
import subprocess

import numpy as np
from PIL import Image

from core.errors import InvalidInput, PosedeckError

MODELS = ("small",)
LANG_RE = re.compile(r"^[A-Za-z_]+(\+[A-Za-z_]+)*$")
TIMEOUT_S = 20
MIN_HEIGHT = 48


class OcrUnavailable(InvalidInput):
    code = "ocr_unavailable"


class OcrFailed(PosedeckError):
    code = "ocr_failed"
    status = 500


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


@functools.lru_cache(maxsize=1)
def installed_languages() -> tuple[str, ...]:
    """The languages `tesseract --list-langs` reports (cached for the process); () without Tesseract."""
    exe = tesseract_path()
    if exe is None:
        return ()
    out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=TIMEOUT_S)
    lines = (out.stdout or out.stderr).splitlines()
    return tuple(sorted(line.strip() for line in lines[1:] if line.strip() and " " not in line.strip()))


def check(model: str, language: str) -> tuple[str, str]:
    """(model, language) if both are usable here, else OcrUnavailable naming `ocr_model` or `ocr_language`."""
    if model not in MODELS:
        raise OcrUnavailable(f"OCR model {model!r} is not installed; available: {', '.join(MODELS)}",
                             field="ocr_model")
    if tesseract_path() is None:
        raise OcrUnavailable(f"OCR model {model!r} is not installed on this server (the tesseract-ocr package is "
                             "missing; `make install` or the Dockerfile installs it)", field="ocr_model")
    language = (language or "eng").strip()
    if not LANG_RE.match(language):
        raise OcrUnavailable(f"ocr_language must be Tesseract codes such as eng or eng+deu, got {language!r}",
                             field="ocr_language")
    have = installed_languages()
    missing = [code for code in language.split("+") if code not in have]
    if missing:
        raise OcrUnavailable(f"OCR language {'+'.join(missing)!r} is not installed; installed: {', '.join(have)} "
                             f"(Debian package tesseract-ocr-{missing[0].lower().replace('_', '-')})",
                             field="ocr_language")
    return model, language


def read_text(image_rgb: np.ndarray, box_xywh: tuple[float, float, float, float], language: str = "eng") -> str:
    """The text Tesseract reads in one box (x, y, width, height in pixels) of an RGB uint8 image."""
    height, width = image_rgb.shape[:2]
    x, y, w, h = box_xywh
    x1, y1 = max(0, int(np.floor(x)) - 2), max(0, int(np.floor(y)) - 2)
    x2, y2 = min(width, int(np.ceil(x + w)) + 2), min(height, int(np.ceil(y + h)) + 2)
    if x2 - x1 < 2 or y2 - y1 < 2:
        return ""
    crop = Image.fromarray(image_rgb[y1:y2, x1:x2])
    if crop.height < MIN_HEIGHT:
        scale = MIN_HEIGHT / crop.height
        crop = crop.resize((max(1, round(crop.width * scale)), MIN_HEIGHT), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    crop.save(buffer, format="PNG")
    try:
        out = subprocess.run([tesseract_path() or "tesseract", "stdin", "stdout", "-l", language, "--oem", "1",
                              "--psm", "6"], input=buffer.getvalue(), capture_output=True, timeout=TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OcrFailed(f"tesseract did not finish: {exc}") from exc
    if out.returncode != 0:
        raise OcrFailed(f"tesseract failed: {out.stderr.decode('utf-8', 'replace')[-300:]}")
    return " ".join(out.stdout.decode("utf-8", "replace").split())
