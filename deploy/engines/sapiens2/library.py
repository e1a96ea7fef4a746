"""The library facade: `sapiens_info()` and `sapiens_pose(...)`, answering tool results.

A tool result is `{"status": "success" | "error", "content": [{"text": summary}, {"json": details}]}`.
`sapiens_pose` also lifts the details to the top level (`result["api"]`, `result["outputs"]`, ...) so a
plain caller need not dig. Domain errors (missing checkpoint, bad input, an output folder that would
overwrite the inputs) are answered, not raised; in a folder run one unreadable file is a failure in the
result and the other files go on.
"""
from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from core import devices
from core.errors import PosedeckError

from ..cache import default_cache
from . import checkpoints
from .detector import API as DETECTOR_API
from .draw import draw_poses
from .engine import CPU_NOTICE, Sapiens2Engine
from .errors import OutputNotAllowed, PathUnusable
from .media import (VideoReader, VideoWriter, collect_inputs, is_video, output_stems, read_image, video_frame_count,
                    write_image, write_json)
from .model import API as POSE_API

API = f"{POSE_API} + {DETECTOR_API}"


def _versions() -> dict:
    import cv2
    import safetensors
    import transformers

    versions = {"python": platform.python_version(), "torch": torch.__version__,
                "transformers": transformers.__version__, "safetensors": safetensors.__version__, "opencv": cv2.__version__, "numpy": np.__version__}
    try:
        import timm

        versions["timm"] = timm.__version__
    except ImportError:
        versions["timm"] = None  # DETR's ResNet backbone comes from timm: the detector cannot load without it
    return versions


def sapiens_info(checkpoint_root: str | os.PathLike | None = None) -> dict:
    """Which pose sizes and detector are present, the device pose would run on, and the versions in use."""
    root = checkpoints.checkpoint_root(checkpoint_root)
    available = checkpoints.available_pose_sizes(root)
    detector_present = checkpoints.detector_present(root)
    device, _ = devices.resolve_device("auto")
    pose = {}
    for size in checkpoints.POSE_SIZES:
        path = checkpoints.pose_checkpoint_path(size, root)
        pose[size] = {
            "path": str(path),
            "present": path.is_file(),
            "bytes": path.stat().st_size if path.is_file() else None,
            "expected_bytes": checkpoints.FP32_BYTES[size],
            "download_command": checkpoints.pose_download_command(size, root),
        }
    info = {
        "checkpoint_root": str(root),
        "checkpoint_root_exists": root.is_dir(),
        "checkpoint_root_variable": checkpoints.ENV_VAR,
        "available": available,
        "pose_checkpoints": pose,
        "detector_present": detector_present,
        "detector_type": checkpoints.DETECTOR_NAME if detector_present else "none",
        "detector_dir": str(checkpoints.detector_dir(root)),
        "detector_download_command": checkpoints.detector_download_command(root),
        "device": str(device),
        "dtype": str(devices.resolve_dtype(None, device)).replace("torch.", ""),
        "flip_test": True,
        "cpu_native_bf16": devices.cpu_has_native_bf16(),
        "cuda": torch.cuda.is_available(),
        "cuda_devices": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())],
        "api": API,
        "cpu_notice": CPU_NOTICE if device.type == "cpu" else None,
        "versions": _versions(),
    }
    lines = [
        f"Sapiens2 checkpoints under {root}" + ("" if info["checkpoint_root_exists"] else " (folder does not exist)"),
        f"pose sizes present: {', '.join(available) if available else 'none'}",
        f"person detector ({checkpoints.DETECTOR_NAME}): {'present' if detector_present else 'missing'}",
        f"device: {device}" + (f" ({', '.join(info['cuda_devices'])})" if info["cuda_devices"] else "")
        + f", {info['dtype']} and flip test by default (as upstream)",
    ]
    if not available:
        lines.append(f"get the 0.4b model with: {pose['0.4b']['download_command']}")
    if not detector_present:
        lines.append(f"get the detector with: {info['detector_download_command']}")
    if info["versions"]["timm"] is None:
        lines.append("timm is not installed: the DETR detector cannot load without it")
    if info["cpu_notice"]:
        lines.append(CPU_NOTICE)
    return {"status": "success", "content": [{"text": "\n".join(lines)}, {"json": info}]}


def _error(exc: Exception, **extra) -> dict:
    details = exc.as_dict() if isinstance(exc, PosedeckError) else {"error": type(exc).__name__, "message": str(exc)}
    details = {"api": API, **details, **extra}
    return {"status": "error", **details, "content": [{"text": details["message"]}, {"json": details}]}


def sapiens_pose(input_path: str | os.PathLike, output_dir: str | os.PathLike, model_size: str = "0.4b",
                 device: str = "cuda:0", kpt_thres: float = 0.3, line_thickness: int = 2, radius: int = 3, *,
                 flip_test: bool = True, bbox_thres: float = 0.3, nms_thres: float = 0.3,
                 checkpoint_root: str | os.PathLike | None = None, dtype: str | None = None, max_batch: int = 32,
                 progress: bool = False) -> dict:
    """308-keypoint pose for an image, a folder of images, or a video.

    Writes `<name>.jpg` (overlay) and `<name>.json` (`{"instances": [{"bbox", "score", "whole_image",
    "keypoints", "keypoint_scores"}]}`) per image; per video `<name>.mp4` and `<name>_frames/frame_NNNNNN.json`.
    Names stay distinct when inputs differ only by extension or case (`a.jpg`, `a.JPG` -> `a_jpg`,
    `a_jpg_2`). `output_dir` may not be the folder the inputs are in (the overlays would replace the
    pictures): that, or an existing file as `output_dir`, is answered as error `output_not_allowed`.
    Boxes come from DETR (score > `bbox_thres`, NMS at `nms_thres`); with nobody found the whole image is
    one box, marked `"whole_image": true` with score 0. Defaults are upstream's: float32 and the flip test
    (the mirrored crop averaged in, at twice the cost); `dtype="bfloat16"` and `flip_test=False` trade
    accuracy for speed (docs/sapiens2.md).
    """
    started = time.perf_counter()
    try:
        files = collect_inputs(input_path)
        out_dir = _output_folder(input_path, output_dir)
        cache = default_cache()
        key = Sapiens2Engine.cache_key(checkpoint_root, model_size, device, dtype=dtype)
        engine = cache.load(key, lambda: Sapiens2Engine(checkpoint_root, model_size, device, dtype=dtype))
    except PosedeckError as exc:
        return _error(exc, model_size=model_size, requested_device=device)
    except OSError as exc:  # a path the OS refuses (too long, no permission): answered like every other error
        return _error(PathUnusable(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)),
                      model_size=model_size, requested_device=device)
    stems = output_stems(files)
    total = sum((video_frame_count(f) or 0) if is_video(f) else 1 for f in files) or None
    outputs, failures = [], []
    with tqdm(total=total, unit="frame", desc=f"sapiens2 {model_size}", disable=not progress) as bar:
        job = _Job(engine, f"sapiens2_{model_size}_pose", bbox_thres, nms_thres, kpt_thres, line_thickness, radius,
                   bar, flip_test=flip_test, max_batch=max_batch)
        for path in files:
            try:
                if is_video(path):
                    outputs.append(job.video(path, out_dir, stems[path]))
                else:
                    outputs.append(job.image(path, out_dir, stems[path]))
            except (PosedeckError, OSError) as exc:  # this file fails; the others go on
                code = exc.code if isinstance(exc, PosedeckError) else "io_error"
                failures.append({"input": str(path), "error": code, "message": str(exc)})
            except Exception as exc:  # noqa: BLE001 - a file nobody foresaw still must not abort the folder
                failures.append({"input": str(path), "error": "internal_error",
                                 "message": f"{path.name}: {type(exc).__name__}: {exc}"})

    seconds = time.perf_counter() - started
    frames = sum(o.get("frames", 1) for o in outputs)
    people = sum(o["instances"] for o in outputs)
    details = {
        **engine.describe(),
        "flip_test": flip_test,
        "max_batch": max_batch,
        "output_dir": str(out_dir),
        "outputs": outputs,
        "failures": failures,
        "images": sum(1 for o in outputs if o["type"] == "image"),
        "videos": sum(1 for o in outputs if o["type"] == "video"),
        "frames": frames,
        "instances": people,
        "whole_image_instances": sum(o.get("whole_image_instances", 0) for o in outputs),
        "seconds": round(seconds, 3),
        "seconds_per_frame": round(seconds / frames, 3) if frames else None,
        "kpt_thres": kpt_thres,
        "bbox_thres": bbox_thres,
        "nms_thres": nms_thres,
    }
    status = "success" if outputs else "error"
    text = (f"Sapiens2 {model_size} pose via {engine.api} on {engine.device} ({details['dtype']}): "
            f"{details['images']} image(s), {details['videos']} video(s), {frames} frame(s) in all, "
            f"{people} person instance(s); results in {out_dir} ({seconds:.1f} s).")
    if failures:
        text += " Failed: " + "; ".join(f["message"] for f in failures)
    if engine.warnings:
        text += "\n" + "\n".join(engine.warnings)
    if status == "error":
        details.update(error="no_output", message=text)
    return {"status": status, **details, "content": [{"text": text}, {"json": details}]}


class _Job:
    """One `sapiens_pose` call's settings, applied to each image or video frame."""

    def __init__(self, engine: Sapiens2Engine, model_name: str, bbox_thres: float, nms_thres: float,
                 kpt_thres: float, line_thickness: int, radius: int, bar: tqdm, *, flip_test: bool, max_batch: int):
        self.engine, self.model_name, self.bar = engine, model_name, bar
        self.bbox_thres, self.nms_thres = bbox_thres, nms_thres
        self.pose_options = {"flip_test": flip_test, "max_batch": max_batch, "fallback": True}
        self.draw = {"kpt_thres": kpt_thres, "line_thickness": line_thickness, "radius": radius}

    def frame(self, image: np.ndarray, name: str, **extra) -> tuple[np.ndarray, dict]:
        instances = self.engine.pose(image, self.bbox_thres, self.nms_thres, **self.pose_options)
        overlay = draw_poses(image, instances, self.engine.spec, **self.draw)
        payload = {"image": name, "width": int(image.shape[1]), "height": int(image.shape[0]),
                   "model": self.model_name, **extra, "instances": [instance.as_json() for instance in instances]}
        self.bar.update(1)
        return overlay, payload

    def image(self, path: Path, out_dir: Path, stem: str) -> dict:
        overlay, payload = self.frame(read_image(path), path.name)
        write_image(out_dir / f"{stem}.jpg", overlay)
        write_json(out_dir / f"{stem}.json", payload)
        return {"input": str(path), "type": "image", "overlay": str(out_dir / f"{stem}.jpg"),
                "json": str(out_dir / f"{stem}.json"), "instances": len(payload["instances"]),
                "whole_image_instances": sum(1 for i in payload["instances"] if i["whole_image"])}

    def video(self, path: Path, out_dir: Path, stem: str) -> dict:
        """People are detected once per frame and all crops of a frame share one forward pass."""
        reader = VideoReader(path)
        video_path, frames_dir = out_dir / f"{stem}.mp4", out_dir / f"{stem}_frames"
        frames_dir.mkdir(exist_ok=True)
        writer, count, found = VideoWriter(video_path, reader.fps), 0, 0
        try:
            for index, frame in enumerate(reader):
                overlay, payload = self.frame(frame, path.name, frame=index)
                writer.write(overlay)
                write_json(frames_dir / f"frame_{index:06d}.json", payload)
                count, found = count + 1, found + len(payload["instances"])
        finally:
            writer.close()
        if count == 0:
            raise OSError(f"{path.name}: no frame could be decoded")
        return {"input": str(path), "type": "video", "overlay": str(video_path), "json_dir": str(frames_dir),
                "frames": count, "instances": found}


def _output_folder(input_path: str | os.PathLike, output_dir: str | os.PathLike) -> Path:
    """The output folder, created; OutputNotAllowed when it is the inputs' own folder (every overlay would
    replace the picture or video of the same name, and the JSON files the user's sidecars) or not a folder."""
    source = Path(input_path).expanduser()
    inputs_folder = source if source.is_dir() else source.parent
    out = Path(output_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise OutputNotAllowed(f"output_dir {out} is an existing file, not a folder", field="output_dir")
    if out.is_dir() and os.path.samefile(out, inputs_folder):
        raise OutputNotAllowed(
            f"output_dir {out} is the folder the inputs are in: the overlays would overwrite the pictures and "
            f"videos of the same names. Choose another folder, e.g. {inputs_folder / 'sapiens2'}",
            field="output_dir")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputNotAllowed(f"output_dir {out} cannot be created: {exc}", field="output_dir") from exc
    return out
