"""Train one YOLO pose model with Ultralytics and report every epoch. Framework-free.

The caller passes a RunSpec and a Reporter. The reporter is asked, at most about once a second during
batches and once per epoch, whether to stop; answering yes raises TrainingCancelled from inside the
Ultralytics callback. Raising (rather than setting `trainer.stop`) keeps last.pt resumable: Ultralytics'
clean stop runs final_eval, which strips the optimizer out of last.pt.
"""
from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from core import devices

from . import offline
from .coco_epoch import CocoEpochEvaluator, CocoEvalSpec
from .params import TrainingParams
from .pretrained import TransferCapture


class TrainingCancelled(Exception):
    """Raised from a callback when the reporter asks to stop; last.pt stays resumable."""


class WeightsError(Exception):
    """The initial or resume weights cannot be used."""


class Reporter(Protocol):
    def started(self, *, device: str, epochs: int, start_epoch: int, save_dir: str) -> None: ...

    def tick(self, *, progress: float, phase: str) -> bool:
        """Called after every train and val batch; return True to cancel. Throttle inside."""

    def epoch(self, *, epoch: int, epochs: int, metrics: dict, fitness: float | None, seconds: float | None,
              best: str | None, last: str | None) -> bool:
        """One finished epoch (1-based); return True to cancel."""


@dataclass
class RunSpec:
    data_yaml: str
    project: str  # absolute folder; Ultralytics writes project/name/{weights,results.csv,...}
    model: str  # "yolo11n-pose.yaml" (from scratch) or an absolute .pt path (fine-tune)
    name: str = "run"
    # Defaults are TrainingParams' (training.engine.params); a session passes TrainingParams.run_args().
    epochs: int = TrainingParams.epochs
    batch: int = TrainingParams.batch  # -1: AutoBatch (CUDA only)
    imgsz: int = TrainingParams.imgsz
    patience: int = TrainingParams.patience
    resume_from: str | None = None  # an absolute last.pt: continue that run in its own folder
    device: str | None = None  # None: CUDA when available, else CPU
    extra: dict = field(default_factory=dict)  # workers, and the PASS_THROUGH keys
    log_path: str | None = None  # the console log is copied into this file (ANSI colours stripped) ...
    log_sink: Callable[[str], None] | None = None  # ... and/or handed line by line to this function
    console: bool = True  # False: keep Ultralytics' own output off stdout (the log copies still get it)
    coco_eval: CocoEvalSpec | None = None  # COCO keypoint AP after validations: metrics gain coco/* keys


@dataclass
class RunResult:
    save_dir: str
    best: str | None
    last: str | None
    metrics: dict  # final validation of best.pt: metrics/*(B), metrics/*(P), fitness
    fitness: float | None
    best_fitness: float | None
    best_epoch: int | None
    epochs_done: int
    coco: dict | None = None  # training.metrics.coco_eval result for the final validation (best.pt) when coco_eval
    coco_files: dict | None = None  # {"predictions", "ground_truth"}: the COCO JSON files that result came from
    transferred: dict | None = None  # {"transferred": X, "total": Y} when training started from a .pt


# RunSpec.extra keys handed to Ultralytics' train() as they are (its own names and meanings).
PASS_THROUGH = ("plots", "seed", "nbs", "fliplr", "mosaic", "close_mosaic", "deterministic")

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class _PlainFormatter(logging.Formatter):
    def format(self, record):
        text = super().format(record)
        return _ANSI.sub("", text)


class _SinkHandler(logging.Handler):
    """Hands each formatted log line to a function (the worker stores them as the session's log)."""

    def __init__(self, sink: Callable[[str], None]):
        super().__init__(logging.INFO)
        self.sink = sink

    def emit(self, record):
        try:
            self.sink(self.format(record))
        except Exception:  # a log line that cannot be stored must not stop the training
            self.handleError(record)


@contextlib.contextmanager
def capture_log(path: str | None, console: bool, sink: Callable[[str], None] | None = None):
    """Copy Ultralytics' LOGGER into `path` and/or `sink`; optionally silence its console handler and progress
    bars."""
    from ultralytics.utils import LOGGER

    handlers = []
    saved_levels = []
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path, encoding="utf-8"))
    if sink:
        handlers.append(_SinkHandler(sink))
    for handler in handlers:
        handler.setFormatter(_PlainFormatter("%(message)s"))
        handler.setLevel(logging.INFO)
        LOGGER.addHandler(handler)
    if LOGGER.level > logging.INFO or LOGGER.level == logging.NOTSET:
        saved_levels.append((LOGGER, LOGGER.level))
        LOGGER.setLevel(logging.INFO)
    quiet = contextlib.nullcontext()
    sink = None
    if not console:
        for h in LOGGER.handlers:
            if h not in handlers and isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler):
                saved_levels.append((h, h.level))
                h.setLevel(logging.WARNING)
        sink = open(os.devnull, "w")
        quiet = contextlib.redirect_stdout(sink)  # Ultralytics' TQDM writes to sys.stdout
    try:
        with quiet:
            yield LOGGER
    finally:
        for obj, level in saved_levels:
            obj.setLevel(level)
        for handler in handlers:
            LOGGER.removeHandler(handler)
            handler.close()
        if sink:
            sink.close()


@contextlib.contextmanager
def _children_allowed(needed: bool):
    """A Celery prefork child is a daemon process; DataLoader workers (GPU only) need to fork from it."""
    proc = multiprocessing.current_process()
    was = proc._config.get("daemon", False)
    if needed and was:
        proc._config["daemon"] = False
    try:
        yield
    finally:
        if needed and was:
            proc._config["daemon"] = was


def _floats(d: dict) -> dict:
    out = {}
    for k, v in (d or {}).items():
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        out[str(k)] = f if math.isfinite(f) else None
    return out


def describe_epoch(epoch: int, epochs: int, metrics: dict, fitness: float | None) -> str:
    def pick(key):
        v = metrics.get(key)
        return "-" if v is None else f"{v:.4g}"

    losses = " ".join(f"{k.split('/', 1)[1].removesuffix('_loss')} {pick(k)}" for k in metrics if k.startswith("train/"))
    fit = "-" if fitness is None else f"{fitness:.4f}"
    coco = f"COCO pose AP {pick('coco/ap')} AP50 {pick('coco/ap50')} | " if "coco/ap" in metrics else ""
    return (f"Epoch {epoch}/{epochs}: {coco}fitness {fit} | pose mAP50 {pick('metrics/mAP50(P)')} "
            f"mAP50-95 {pick('metrics/mAP50-95(P)')} | box mAP50 {pick('metrics/mAP50(B)')} "
            f"mAP50-95 {pick('metrics/mAP50-95(B)')} | train loss {losses}")


def load_model(source: str, *, resume: bool = False):
    """YOLO(source) for a YAML name or a local .pt, with errors a person can act on."""
    from ultralytics import YOLO

    if source.endswith(".pt") and not Path(source).is_file():
        raise WeightsError(f"weights file {source} does not exist")
    try:
        model = YOLO(source, task="pose")
    except Exception as exc:  # torch/pickle/KeyError: anything here means "not a usable checkpoint"
        raise WeightsError(f"the weights file is not an Ultralytics checkpoint ({type(exc).__name__}: {exc})") from exc
    if getattr(model, "task", "pose") != "pose":
        raise WeightsError(f"the weights are for the {model.task!r} task; a pose model is needed")
    if resume:
        ckpt = getattr(model, "ckpt", None) or {}
        if ckpt.get("epoch", -1) < 0 or ckpt.get("optimizer") is None:
            raise WeightsError("last.pt is not resumable (the run already finished or its optimizer state was "
                               "stripped); start a new session from these weights instead")
    return model


def run_training(spec: RunSpec, reporter: Reporter) -> RunResult:
    offline.prepare()
    import torch

    device, device_text = (spec.device, spec.device) if spec.device else devices.training_device()
    on_cpu = device == "cpu"
    threads = devices.training_threads()
    state = {"epoch_done": False, "train": {}, "batch": 0, "nb": 1, "epochs": spec.epochs, "reported": 0,
             "start_epoch": 0, "epoch": 0}
    coco = CocoEpochEvaluator(spec.coco_eval, spec.data_yaml) if spec.coco_eval else None

    def on_train_start(trainer):
        if on_cpu:  # select_device() set min(8, cores - 1) threads; use every core we were given
            torch.set_num_threads(threads)
        state["nb"] = max(len(trainer.train_loader), 1)
        state["epochs"] = trainer.epochs
        state["start_epoch"] = trainer.start_epoch
        reporter.started(device=device_text, epochs=trainer.epochs, start_epoch=trainer.start_epoch,
                         save_dir=str(trainer.save_dir))

    def on_train_epoch_start(trainer):
        state["batch"] = 0
        state["epoch_done"] = False

    def on_train_batch_end(trainer):
        state["batch"] += 1
        progress = (trainer.epoch + min(state["batch"] / state["nb"], 1.0)) / max(trainer.epochs, 1)
        if reporter.tick(progress=progress, phase="training"):
            raise TrainingCancelled(f"cancelled during epoch {trainer.epoch + 1}")

    def on_train_epoch_end(trainer):
        state["epoch_done"] = True
        state["epoch"] = trainer.epoch + 1
        state["train"] = _floats(trainer.label_loss_items(trainer.tloss, prefix="train")) if trainer.tloss is not None else {}

    def on_val_start(validator):
        # During training only the due epochs keep predictions; the final validation of best.pt always does.
        coco.on_val_start(validator, coco.due(state["epoch"], state["epochs"]) if state["epoch_done"] else True)

    def on_val_end(validator):
        coco.on_val_end(validator)

    def on_val_batch_end(validator):
        if not state["epoch_done"]:
            return  # the final validation of best.pt: nothing left to cancel
        if reporter.tick(progress=-1.0, phase="validating"):
            raise TrainingCancelled("cancelled during validation")

    def on_fit_epoch_end(trainer):
        # Ultralytics fires this once more after validating best.pt; only a real epoch set the flag.
        if not state["epoch_done"]:
            return
        state["epoch_done"] = False
        metrics = {**state["train"], **_floats(trainer.metrics), **_floats(getattr(trainer, "lr", {}) or {})}
        if coco is not None:
            metrics.update(coco.score())
        fitness = None if trainer.fitness is None else float(trainer.fitness)
        epoch = trainer.epoch + 1
        best = str(trainer.best) if Path(trainer.best).exists() else None
        last = str(trainer.last) if Path(trainer.last).exists() else None
        from ultralytics.utils import LOGGER

        LOGGER.info(describe_epoch(epoch, trainer.epochs, metrics, fitness))
        state["reported"] += 1
        if reporter.epoch(epoch=epoch, epochs=trainer.epochs, metrics=metrics, fitness=fitness,
                          seconds=getattr(trainer, "epoch_time", None), best=best, last=last):
            raise TrainingCancelled(f"cancelled after epoch {epoch}")

    with capture_log(spec.log_path, spec.console, spec.log_sink) as log:
        if spec.resume_from:
            log.info(f"Resuming from {spec.resume_from} on {device_text}")
            model = load_model(spec.resume_from, resume=True)
        else:
            log.info(f"Starting {spec.model} on {device_text}")
            model = load_model(spec.model)
        for event, fn in (("on_train_start", on_train_start), ("on_train_epoch_start", on_train_epoch_start),
                          ("on_train_batch_end", on_train_batch_end), ("on_train_epoch_end", on_train_epoch_end),
                          ("on_val_batch_end", on_val_batch_end), ("on_fit_epoch_end", on_fit_epoch_end)):
            model.add_callback(event, fn)
        if coco is not None:
            model.add_callback("on_val_start", on_val_start)
            model.add_callback("on_val_end", on_val_end)
        workers = int(spec.extra.get("workers", 0 if on_cpu else min(8, devices.cpu_count())))
        args = {"data": spec.data_yaml, "device": device, "batch": spec.batch, "imgsz": spec.imgsz,
                "patience": spec.patience, "workers": workers, "verbose": True}
        for key in PASS_THROUGH:
            if spec.extra.get(key) is not None:
                args[key] = spec.extra[key]
        if spec.resume_from:
            args["resume"] = True
        else:
            args.update(epochs=spec.epochs, project=spec.project, name=spec.name, exist_ok=True)
        started = time.time()
        transfer = TransferCapture()
        log.addHandler(transfer)
        try:
            with _children_allowed(workers > 0 and not on_cpu):
                metrics = model.train(**args)
        finally:
            log.removeHandler(transfer)
        trainer = model.trainer
        log.info(f"Training finished in {time.time() - started:.1f} s")
        results = _floats(getattr(metrics, "results_dict", {}) or {})
        coco_files = None
        if coco is not None and coco.predictions is not None:
            results.update(coco.score())  # the final validation: best.pt
            coco_files = coco.write(trainer.save_dir)
            log.info(f"COCO keypoint AP of best.pt on val: {coco.last['ap']} (AP50 {coco.last['ap50']}, "
                     f"AR {coco.last['ar']}); files: {coco_files['predictions']}")
    fitness = results.get("fitness")
    best = Path(trainer.best)
    last = Path(trainer.last)
    stopper = getattr(trainer, "stopper", None)
    return RunResult(
        save_dir=str(trainer.save_dir), best=str(best) if best.exists() else None,
        last=str(last) if last.exists() else None, metrics=results, fitness=fitness,
        best_fitness=None if trainer.best_fitness is None else float(trainer.best_fitness),
        best_epoch=getattr(stopper, "best_epoch", None), epochs_done=state["start_epoch"] + state["reported"],
        coco=coco.last if coco_files else None, coco_files=coco_files,
        transferred=({"transferred": transfer.counts[0], "total": transfer.counts[1]} if transfer.counts else None),
    )
