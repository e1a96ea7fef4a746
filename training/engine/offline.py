"""Keep Ultralytics offline and its files in one place.

Call `prepare()` before importing anything heavy from Ultralytics' trainer: it sets the environment
switches (when unset), places a local TTF as Arial.ttf so `check_font` never downloads, turns settings
sync and every integration off, and replaces the CUDA AMP check, which would download yolo26n.pt.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

_lock = threading.Lock()
_done = False

INTEGRATIONS = ("sync", "clearml", "comet", "dvc", "hub", "mlflow", "neptune", "raytune", "tensorboard", "wandb",
                "vscode_msg", "openvino_msg")


def _font_source() -> Path | None:
    try:
        import matplotlib

        path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        return path if path.is_file() else None
    except Exception:  # matplotlib is an Ultralytics dependency; be quiet if it is somehow absent
        return None


def place_fonts(config_dir: Path) -> None:
    """Copy matplotlib's DejaVuSans.ttf in as Arial.ttf and Arial.Unicode.ttf unless they are there."""
    src = _font_source()
    config_dir.mkdir(parents=True, exist_ok=True)
    for name in ("Arial.ttf", "Arial.Unicode.ttf"):
        dst = config_dir / name
        if dst.exists() or src is None:
            continue
        tmp = dst.with_name(f".{name}.{os.getpid()}.tmp")
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)


def prepare() -> None:
    """Idempotent, process-wide."""
    global _done
    if _done:
        return
    with _lock:
        if _done:
            return
        os.environ.setdefault("YOLO_OFFLINE", "1")
        os.environ.setdefault("YOLO_AUTOINSTALL", "0")
        from ultralytics.utils import USER_CONFIG_DIR, SETTINGS

        place_fonts(Path(USER_CONFIG_DIR))
        changes = {k: False for k in INTEGRATIONS if k in SETTINGS and SETTINGS[k] is not False}
        # Keep Ultralytics' own folders next to its settings, not relative to whatever the cwd is.
        home = Path(USER_CONFIG_DIR)
        for key in ("weights_dir", "runs_dir", "datasets_dir"):
            wanted = str(home / key.removesuffix("_dir"))
            if key in SETTINGS and SETTINGS[key] != wanted:
                changes[key] = wanted
        if changes:
            SETTINGS.update(changes)
        _patch_amp_check()
        _done = True


def _patch_amp_check() -> None:
    """The CUDA AMP check loads yolo26n.pt and downloads it when missing: only run it when it is local."""
    from ultralytics.engine import trainer as trainer_module
    from ultralytics.utils import LOGGER, WEIGHTS_DIR

    original = trainer_module.check_amp
    if getattr(original, "_posedeck_offline", False):
        return

    def check_amp_offline(model):
        if (Path(WEIGHTS_DIR) / "yolo26n.pt").is_file():
            return original(model)
        device = next(model.parameters()).device
        if device.type in {"cpu", "mps"}:
            return False
        LOGGER.info("AMP: check skipped (offline; yolo26n.pt is not in the weights dir), using amp=True")
        return True

    check_amp_offline._posedeck_offline = True
    trainer_module.check_amp = check_amp_offline
