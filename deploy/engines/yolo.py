"""Ultralytics YOLO pose checkpoints as engines: ONNX Runtime by default, PyTorch as reference and fallback.

- `export_onnx(pt_path, out_dir, imgsz=None) -> Path` runs Ultralytics' own exporter offline (opset 18,
  onnxslim) into `out_dir/<stem>.onnx`, with **dynamic** batch, height and width: Ultralytics then letterboxes
  each image to the smallest stride-32 rectangle around it, as it does for `.pt` files. Measured on the
  2-core dev box, yolo11n-pose, a 640x392 COCO photo at imgsz 640: 37 ms through the dynamic file (640x416
  input) against 61 ms through a fixed 640x640 export; on square inputs both take 53 ms (docs/deploy.md).
- `YoloPoseEngine(weights, engine=...)` runs a `.onnx` (engine "onnx") or a `.pt` (engine "torch") through
  Ultralytics' own predictor (`YOLO(path, task="pose")`): the same letterbox, decoding and NMS for both, so
  the two agree to float round-off, and nothing of Ultralytics' post-processing is re-implemented here.
  Its overhead over a bare `session.run` was ~2 ms per image at 640 (37 vs 35 ms).
- `load_yolo_engine(pt_path, engine="onnx", onnx_dir=...)` exports when the ONNX file is missing or older
  than the checkpoint, then loads.

Class names and keypoint names come from the checkpoint (`names`, `kpt_names`, which the exporter copies
into the ONNX metadata) unless passed in. `training.engine.offline.prepare()` runs before Ultralytics is
touched, so nothing here goes online. Loading a `.pt` unpickles it: only load files from trusted sources.
"""
from __future__ import annotations

import ast
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from core import devices
from core.errors import InvalidInput

from .errors import ExportFailed, WeightsInvalid
from .images import as_rgb_uint8
from .types import Instance, check_thresholds

ENGINES = ("onnx", "torch")
DEFAULT_IMGSZ = 640
_EXPORT_LOCK = threading.Lock()  # the exporter changes process-wide torch state (threads, default device)


def _prepare_ultralytics() -> None:
    from training.engine.offline import prepare

    prepare()


def _load_yolo(path: Path):
    _prepare_ultralytics()
    from ultralytics import YOLO

    if not path.is_file():
        raise WeightsInvalid(f"weights file {path} does not exist", field="weights")
    try:
        model = YOLO(str(path), task="pose")
    except Exception as exc:  # torch/pickle/protobuf errors: anything here means "not a usable model file"
        raise WeightsInvalid(f"{path.name} is not an Ultralytics model ({type(exc).__name__}: {exc})",
                             field="weights") from exc
    return model


def read_pose_checkpoint(pt_path: str | os.PathLike) -> dict:
    """What a `.pt` says about itself: {"names": [class names], "kpt_shape": [K, 2|3], "kpt_names": {class:
    [K names]}, "imgsz": training image size or None}. Raises WeightsInvalid for a non-pose or broken file."""
    path = Path(pt_path)
    model = _load_yolo(path)
    if model.task != "pose":
        raise WeightsInvalid(f"{path.name} is a {model.task!r} model; a pose model is needed", field="weights")
    net = model.model
    names = [str(model.names[i]) for i in sorted(model.names)]
    kpt_shape = [int(v) for v in (getattr(net, "kpt_shape", None) or net.model[-1].kpt_shape)]
    train_args = (getattr(model, "ckpt", None) or {}).get("train_args") or {}
    return {"names": names, "kpt_shape": kpt_shape,
            "kpt_names": _kpt_names(getattr(net, "kpt_names", None), names, kpt_shape[0]),
            "imgsz": _single_size(train_args.get("imgsz"))}


def _single_size(value) -> int | None:
    if isinstance(value, (list, tuple)) and value:
        value = max(value)
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _kpt_names(raw, class_names: Sequence[str], count: int) -> dict[str, list[str]]:
    """Per class name, its keypoint names; Ultralytics saves {class index: [names]} (or nothing: "0".."K-1")."""
    raw = ast.literal_eval(raw) if isinstance(raw, str) else raw
    out = {}
    for index, name in enumerate(class_names):
        found = raw.get(index, raw.get(str(index))) if isinstance(raw, Mapping) else None
        found = list(map(str, found)) if found and len(found) == count else [str(i) for i in range(count)]
        out[name] = found
    return out


def export_onnx(pt_path: str | os.PathLike, out_dir: str | os.PathLike, imgsz: int | None = None, *,
                dynamic: bool = True) -> Path:
    """Export a pose `.pt` to `out_dir/<stem>.onnx` with Ultralytics' exporter, offline; returns the path.

    imgsz: the trace size written into the file's metadata (default: the checkpoint's training size, else
    640); with `dynamic` (the default) any size is accepted at inference. The export runs in a private
    folder under `out_dir` (the exporter writes beside its input) and the finished file replaces the old
    one atomically, so a reader never sees half a file. Raises WeightsInvalid (not a pose checkpoint) or
    ExportFailed (the exporter's reason, e.g. onnx/onnxslim missing).
    """
    source = Path(pt_path)
    info = read_pose_checkpoint(source)  # a clear error before the exporter's own
    size = int(imgsz or info["imgsz"] or DEFAULT_IMGSZ)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{source.stem}.onnx"
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=out))
    import torch

    threads = torch.get_num_threads()
    try:
        shutil.copyfile(source, work / source.name)
        with _EXPORT_LOCK:
            model = _load_yolo(work / source.name)
            try:
                produced = model.export(format="onnx", imgsz=size, dynamic=dynamic, simplify=True, device="cpu",
                                        verbose=False)
            except Exception as exc:  # the exporter raises many types; its message is the useful part
                raise ExportFailed(f"ONNX export of {source.name} failed: {type(exc).__name__}: {exc}") from exc
            finally:
                torch.set_num_threads(threads)  # the exporter's select_device() lowers it process-wide
        if not produced or not Path(produced).is_file():
            raise ExportFailed(f"ONNX export of {source.name} produced no file (is `onnx` installed?)")
        os.replace(produced, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


class YoloPoseEngine:
    """An Ultralytics pose model (`.onnx` or `.pt`) behind the Engine protocol (deploy.engines.types).

    weights: a `.onnx` file for engine "onnx" (see `export_onnx`) or a `.pt` for engine "torch"; engine
        defaults from the suffix.
    imgsz: inference size (the long side after letterbox; default: the size in the file, else 640).
    device: "auto", "cpu", "cuda[:N]", "mps"; an absent device falls back to the CPU with a line in
        `warnings`. The ONNX engine runs on the CPU unless onnxruntime's CUDA provider is installed.
    class_names / keypoint_names: override the file's (per class name, or one list for every class).
    threads: CPU threads per call (default core.devices.inference_threads()). The torch engine sets torch's
        process-wide thread count; the ONNX engine sets its session's intra-op threads and leaves torch's.
    max_batch: images per forward pass in `predict` (memory bound for long batches).

    Loading runs one warm-up prediction, so the first request pays no set-up. Calls are serialised per
    engine (Ultralytics' predictor keeps per-call settings on itself); one call uses every thread given.
    """

    def __init__(self, weights: str | os.PathLike, *, engine: str | None = None, imgsz: int | None = None,
                 device: str = "auto", class_names: Sequence[str] | None = None,
                 keypoint_names: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
                 threads: int | None = None, max_batch: int = 16, max_det: int = 300):
        import torch

        self.weights = Path(weights)
        self.engine = engine or ("onnx" if self.weights.suffix.lower() == ".onnx" else "torch")
        if self.engine not in ENGINES:
            raise InvalidInput(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}", field="engine")
        wanted = ".onnx" if self.engine == "onnx" else ".pt"
        if self.weights.suffix.lower() != wanted:
            raise InvalidInput(f"engine {self.engine!r} runs a {wanted} file, got {self.weights.name}"
                               + (" (export it with export_onnx first)" if self.engine == "onnx" else ""),
                               field="weights")
        self.threads = int(threads or devices.inference_threads())
        self.max_batch, self.max_det = max(1, int(max_batch)), int(max_det)
        self.device, warning = devices.resolve_device(device)
        self.warnings = [warning] if warning else []
        if self.engine == "onnx" and self.device.type != "cpu" and not _ort_has_cuda():
            self.warnings.append(f"onnxruntime has no CUDA provider here; the ONNX engine runs on the CPU "
                                 f"instead of {self.device}")
            self.device = torch.device("cpu")
        self._lock = threading.Lock()
        started = time.perf_counter()
        self._model = _load_yolo(self.weights)
        if self._model.task != "pose":
            raise WeightsInvalid(f"{self.weights.name} is a {self._model.task!r} model; a pose model is needed",
                                 field="weights")
        self._read_names(class_names, keypoint_names)
        self.imgsz = int(imgsz or self._file_imgsz or DEFAULT_IMGSZ)
        self._setup(torch)
        self.load_seconds = time.perf_counter() - started

    # ------------------------------------------------------------ loading
    def _read_names(self, class_names, keypoint_names) -> None:
        if self.engine == "onnx":
            from ultralytics.nn.backends.base import BaseBackend

            meta = BaseBackend.read_metadata(self.weights)
            raw_names = _literal(meta.get("names")) or {}
            kpt_shape = _literal(meta.get("kpt_shape"))
            raw_kpt = meta.get("kpt_names")
            self._file_imgsz = _single_size(_literal(meta.get("imgsz")))
            self.dynamic = bool((_literal(meta.get("args")) or {}).get("dynamic", False))
        else:
            net = self._model.model
            raw_names = self._model.names
            kpt_shape = getattr(net, "kpt_shape", None) or net.model[-1].kpt_shape
            raw_kpt = getattr(net, "kpt_names", None)
            self._file_imgsz = _single_size(((getattr(self._model, "ckpt", None) or {}).get("train_args") or {})
                                            .get("imgsz"))
            self.dynamic = True
        if not kpt_shape:
            raise WeightsInvalid(f"{self.weights.name} carries no kpt_shape: not a pose model", field="weights")
        self.kpt_shape = (int(kpt_shape[0]), int(kpt_shape[1]))
        names = [str(raw_names[i]) for i in sorted(raw_names)] if isinstance(raw_names, Mapping) else []
        if class_names is not None:
            if names and len(class_names) != len(names):
                raise InvalidInput(f"{len(class_names)} class names for a model of {len(names)} classes",
                                   field="class_names")
            names = [str(n) for n in class_names]
        self.class_names = tuple(names)
        found = _kpt_names(raw_kpt, names, self.kpt_shape[0])
        if keypoint_names is not None:
            given = (keypoint_names if isinstance(keypoint_names, Mapping)
                     else {name: keypoint_names for name in names})
            for name, points in given.items():
                if name not in found:
                    raise InvalidInput(f"keypoint names for unknown class {name!r}", field="keypoint_names")
                if len(points) != self.kpt_shape[0]:
                    raise InvalidInput(f"{len(points)} keypoint names for class {name!r}; the model has "
                                       f"{self.kpt_shape[0]}", field="keypoint_names")
                found[name] = [str(p) for p in points]
        self.keypoint_names = {name: tuple(points) for name, points in found.items()}

    def _setup(self, torch) -> None:
        """Build Ultralytics' predictor with one tiny prediction, then put the threads where they belong: its
        select_device() sets torch's process-wide count to cores - 1, and its ONNX session takes ORT's
        default (which measured 52 ms where 2 explicit threads took 37)."""
        before = torch.get_num_threads()
        self._model.predict(np.zeros((64, 64, 3), np.uint8), imgsz=min(self.imgsz, 64), device=self._ul_device,
                            verbose=False)
        if self.engine == "torch" and self.device.type == "cpu":
            torch.set_num_threads(self.threads)
        else:
            torch.set_num_threads(before)
        if self.engine == "onnx":
            self._set_session_threads()

    def _set_session_threads(self) -> None:
        import onnxruntime as ort

        backend = getattr(getattr(self._model.predictor, "model", None), "backend", None)
        session = getattr(backend, "session", None)
        if session is None:  # Ultralytics moved its internals: keep its session, say so
            self.warnings.append("could not set ONNX Runtime's thread count; using its default")
            return
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        backend.session = ort.InferenceSession(str(self.weights), options, providers=session.get_providers())

    @property
    def _ul_device(self) -> str:
        return devices.ultralytics_device(self.device)

    # ------------------------------------------------------------ the protocol
    def predict(self, images: Sequence, conf: float = 0.25, iou: float = 0.45,
                kpt_thres: float = 0.0) -> list[list[Instance]]:
        """One list of Instances per image (see deploy.engines.types.Engine), best first."""
        conf, iou, kpt_thres = check_thresholds(conf, iou, kpt_thres)
        if isinstance(images, (str, bytes, np.ndarray)) or not isinstance(images, Sequence):
            raise InvalidInput("predict takes a list of images (wrap a single image in a list)", field="images")
        # Ultralytics takes numpy images as OpenCV BGR.
        bgr = [np.ascontiguousarray(as_rgb_uint8(image)[:, :, ::-1]) for image in images]
        # Only images of one size share a forward pass: Ultralytics letterboxes a mixed batch to a padded square,
        # which costs more and answers differently than the same image alone (the detect endpoint).
        groups: dict[tuple[int, ...], list[int]] = {}
        for index, image in enumerate(bgr):
            groups.setdefault(image.shape, []).append(index)
        out: list[list[Instance] | None] = [None] * len(bgr)
        for indices in groups.values():
            for start in range(0, len(indices), self.max_batch):
                chunk = indices[start:start + self.max_batch]
                with self._lock:
                    results = self._model.predict([bgr[i] for i in chunk], imgsz=self.imgsz, conf=conf, iou=iou,
                                                  max_det=self.max_det, device=self._ul_device, verbose=False)
                for i, result in zip(chunk, results):
                    out[i] = self._instances(result, kpt_thres)
        return out

    def _instances(self, result, kpt_thres: float) -> list[Instance]:
        if result.boxes is None or not len(result.boxes):
            return []
        boxes = result.boxes.xyxy.cpu().numpy().astype(np.float64)
        scores = result.boxes.conf.cpu().numpy().astype(np.float64)
        classes = result.boxes.cls.cpu().numpy().astype(int)
        points = result.keypoints.xy.cpu().numpy().astype(np.float64)
        kconf = result.keypoints.conf
        # A [K, 2] model predicts no per-keypoint confidence: its keypoints carry the box's.
        kconf = (kconf.cpu().numpy().astype(np.float64) if kconf is not None
                 else np.repeat(scores[:, None], points.shape[1], axis=1))
        instances = []
        for i in range(len(boxes)):
            name = self.class_names[classes[i]] if classes[i] < len(self.class_names) else str(classes[i])
            instances.append(Instance.from_arrays(
                class_name=name, confidence=scores[i], box_xyxy=boxes[i], keypoints_xy=points[i],
                keypoint_conf=kconf[i], keypoint_names=self.keypoint_names.get(name, _numbered(points.shape[1])),
                class_id=classes[i], kpt_thres=kpt_thres))
        return instances

    def describe(self) -> dict:
        return {"kind": "yolo", "engine": self.engine, "weights": str(self.weights), "imgsz": self.imgsz,
                "dynamic": self.dynamic, "device": str(self.device), "threads": self.threads,
                "class_names": list(self.class_names), "kpt_shape": list(self.kpt_shape),
                "keypoint_names": {k: list(v) for k, v in self.keypoint_names.items()},
                "load_seconds": round(self.load_seconds, 3), "warnings": list(self.warnings)}

    def raw_outputs(self, image) -> np.ndarray:
        """The network's output for one image after Ultralytics' letterbox, before NMS: float32 [4 + nc + K*d,
        anchors] (box centre and size in letterboxed pixels, class scores, keypoints). For comparing engines
        and for debugging; `predict` is the API."""
        bgr = np.ascontiguousarray(as_rgb_uint8(image)[:, :, ::-1])
        with self._lock:
            # predict() sets the predictor's size and letterbox for this image; then run its two steps again.
            self._model.predict(bgr, imgsz=self.imgsz, device=self._ul_device, verbose=False)
            predictor = self._model.predictor
            output = predictor.inference(predictor.preprocess([bgr]))
        output = output[0] if isinstance(output, (list, tuple)) else output
        return output.detach().float().cpu().numpy()[0]

    def session_threads(self) -> int | None:
        """ONNX Runtime's intra-op threads for this engine's session (None for the torch engine)."""
        if self.engine != "onnx":
            return None
        session = self._model.predictor.model.backend.session
        return session.get_session_options().intra_op_num_threads


def load_yolo_engine(pt_path: str | os.PathLike, *, engine: str = "onnx", onnx_dir: str | os.PathLike | None = None,
                     imgsz: int | None = None, **options) -> YoloPoseEngine:
    """The engine for a pose `.pt`: engine "torch" loads it as is; "onnx" loads `onnx_dir/<stem>.onnx`
    (default: beside the `.pt`), exporting it first when it is missing or older than the `.pt`."""
    pt = Path(pt_path)
    if engine == "torch":
        return YoloPoseEngine(pt, engine="torch", imgsz=imgsz, **options)
    if engine != "onnx":
        raise InvalidInput(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}", field="engine")
    target = Path(onnx_dir or pt.parent) / f"{pt.stem}.onnx"
    if not target.is_file() or target.stat().st_mtime_ns < pt.stat().st_mtime_ns:
        target = export_onnx(pt, target.parent, imgsz)
    return YoloPoseEngine(target, engine="onnx", imgsz=imgsz, **options)


def _ort_has_cuda() -> bool:
    try:
        import onnxruntime as ort
    except ImportError:
        return False
    return "CUDAExecutionProvider" in ort.get_available_providers()


def _literal(value):
    if isinstance(value, str):
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return None
    return value


def _numbered(count: int) -> tuple[str, ...]:
    return tuple(str(i) for i in range(count))
