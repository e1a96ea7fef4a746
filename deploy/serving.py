"""The one way into a deployment's model: the active version's engine from the process's bounded model cache.

    predict_for(deployment, images, conf=0.25, iou=0.45, kpt_thres=0.0) -> list[list[Instance]]

is what the detect endpoint, the playground and autolabel call. It never loads a model in the caller's
thread when the caller is a web request (`wait` seconds for a background load, then 503 `model_loading`);
worker tasks pass `load=True` to load in their own thread. `warm(version)` starts the background load right
after a deploy, `evict(deployment)` frees a deleted deployment's models.

Files: a custom version's `.pt` and `.onnx` live in the storage (config.storage); the engine reads local copies
under `DEPLOY_WORK_DIR/<deployment id>/v<number>/` (hard links on a local storage), whose path, size and
mtime are the cache key, so a replaced file is a new key and the old model is evicted.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings

from config import storage
from core.errors import InvalidInput, PosedeckError, Unavailable

from .engines.cache import WeightsKey, default_cache, weights_key
from .engines.types import Instance
from .models import Deployment, DeploymentVersion

log = logging.getLogger(__name__)

REQUEST_WAIT_SECONDS = 20.0


class ModelUnusable(PosedeckError):
    """The stored model of a ready version cannot be loaded any more (a replaced or damaged file): a server-side
    fault, not the caller's, so 500 rather than the engine layer's 400."""

    code = "model_unusable"
    status = 500


class DeploymentNotReady(Unavailable):
    """The deployment has no ready version (its ONNX export runs, failed, or nothing is deployed)."""

    code = "not_ready"


def work_dir() -> Path:
    return Path(settings.DEPLOY_WORK_DIR)


def version_dir(version: DeploymentVersion) -> Path:
    return work_dir() / str(version.deployment_id) / f"v{version.number}"


def _local(name: str, version: DeploymentVersion) -> Path:
    target = version_dir(version) / Path(name).name
    storage.materialize(name, target)
    return target


def sapiens_root() -> str | None:
    return getattr(settings, "SAPIENS_CHECKPOINT_ROOT", None) or os.environ.get("SAPIENS_CHECKPOINT_ROOT") or None


def engine_spec(version: DeploymentVersion) -> tuple[WeightsKey, callable]:
    """(cache key, factory) of a ready version's engine. Raises DeploymentNotReady for a version that is not."""
    deployment = version.deployment
    if version.status != DeploymentVersion.Status.READY:
        raise DeploymentNotReady(
            f"version {version.number} of {deployment.name!r} is {version.status}"
            + (f": {version.error}" if version.error else ""), status_of_version=version.status)
    if deployment.kind == Deployment.Kind.SAPIENS2:
        from .engines.sapiens2.engine import Sapiens2Engine

        root, size = sapiens_root(), version.deployment.model_size
        device = getattr(settings, "DEPLOY_DEVICE", "auto")
        key = Sapiens2Engine.cache_key(root, size, device)
        return key, lambda: Sapiens2Engine(root, size, device)

    from .engines.yolo import YoloPoseEngine

    engine = version.engine_used or deployment.engine
    names = [c["name"] for c in version.classes] or None
    kpt_names = {c["name"]: c["keypoints"] for c in version.classes if c.get("keypoints")} or None
    if engine == "onnx" and version.onnx:
        path = _local(version.onnx, version)
    else:
        engine, path = "torch", _local(version.weights, version)
    device = getattr(settings, "DEPLOY_DEVICE", "auto")
    key = weights_key(path, kind="yolo", engine=engine, device=device)

    def factory():
        try:
            return YoloPoseEngine(path, engine=engine, device=device, class_names=names, keypoint_names=kpt_names)
        except InvalidInput as exc:
            raise ModelUnusable(f"version {version.number} of {deployment.name!r} cannot be loaded: {exc.message}; "
                                "redeploy it") from exc

    return key, factory


def active_version(deployment: Deployment) -> DeploymentVersion:
    version = deployment.versions.filter(active=True).select_related("deployment").first()
    if version is None:
        raise DeploymentNotReady(f"{deployment.name!r} has no active version")
    return version


def engine_for(deployment: Deployment, *, load: bool = False, wait: float | None = REQUEST_WAIT_SECONDS):
    """The active version's engine. `load=True` (worker tasks): load it in this thread if nobody is; else
    (web requests) wait up to `wait` seconds for the background load, then raise ModelLoading (503)."""
    key, factory = engine_spec(active_version(deployment))
    cache = default_cache()
    return cache.load(key, factory) if load else cache.get(key, factory, timeout=wait)


def predict_for(deployment: Deployment, images: Sequence, conf: float = 0.25, iou: float = 0.45,
                kpt_thres: float = 0.0, *, load: bool = False,
                wait: float | None = REQUEST_WAIT_SECONDS) -> list[list[Instance]]:
    """One list of Instances per image (PIL images, RGB uint8 HxWx3 arrays, paths or file bytes), best first,
    from the deployment's active version. Raises InvalidInput (thresholds, unreadable image),
    DeploymentNotReady / ModelLoading (503). See deploy.engines.types.Engine.predict."""
    engine = engine_for(deployment, load=load, wait=wait)
    return engine.predict(list(images), conf=conf, iou=iou, kpt_thres=kpt_thres)


def warm(version: DeploymentVersion):
    """Start loading a ready version's engine on the cache's loader thread (after a deploy or a rollback, and
    when a process first serves the deployment). Returns the Future, or None when the version is not ready."""
    try:
        key, factory = engine_spec(version)
    except Exception as exc:  # noqa: BLE001 - warming is best effort; the request reports the real error
        log.warning("not warming %s: %s", version, exc)
        return None
    return default_cache().warm(key, factory)


def evict(deployment: Deployment) -> int:
    """Drop every model of this deployment's versions from this process's cache. Returns how many."""
    cache, dropped = default_cache(), 0
    folder = work_dir() / str(deployment.pk)
    if folder.is_dir():
        for path in folder.rglob("*"):
            if path.is_file():
                dropped += cache.evict_path(path)
    return dropped
