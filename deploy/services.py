"""Writes for deployments, their versions and API keys. Keyword-only; each runs in one transaction, and files
are written before the rows that name them (a failure leaves no row pointing at nothing) and removed after the
rows are gone.

Storage layout (config.storage):  deployments/<id>/v<n>/model.pt   the weights as deployed (custom)
                                  deployments/<id>/v<n>/model.onnx Ultralytics' ONNX export (engine onnx)
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import shutil
import tempfile
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from config import storage
from core.errors import InvalidInput

from . import serving
from .models import ApiKey, Deployment, DeploymentVersion, RateCounter

log = logging.getLogger(__name__)

KEY_PREFIX = "pdd_"  # API tokens (accounts.tokens) start with pdk_; deployment keys are told apart
DEFAULT_COLORS = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#bcf60c")
SETTINGS = ("name", "public", "monthly_quota", "burst_per_minute", "allowed_origins", "engine")


def stored(deployment_id: int, number: int, name: str) -> str:
    return f"deployments/{deployment_id}/v{number}/{name}"


# ---------------------------------------------------------------- what a version serves
def _classes_from_checkpoint(info: dict, skeleton: dict | None) -> list[dict]:
    """The frozen class list: the checkpoint's classes in model order, with the training snapshot's colours,
    keypoint names and connections where the session has them."""
    by_name = {c["name"]: c for c in (skeleton or {}).get("classes", [])}
    out = []
    for index, name in enumerate(info["names"]):
        known = by_name.get(name, {})
        points = info["kpt_names"].get(name) or []
        if known.get("keypoints") and len(known["keypoints"]) == info["kpt_shape"][0]:
            points = list(known["keypoints"])
        out.append({"name": name, "color": known.get("color") or DEFAULT_COLORS[index % len(DEFAULT_COLORS)],
                    "keypoints": list(points), "connections": [list(e) for e in known.get("connections", [])]})
    return out


def _sapiens_classes() -> list[dict]:
    from .engines.sapiens2.keypoints import goliath

    spec = goliath()

    def hexed(rgb):
        return "#%02x%02x%02x" % tuple(int(v) for v in rgb)

    return [{"name": "person", "color": "#33cc66", "keypoints": list(spec.names),
             "connections": [list(e) for e in spec.skeleton],
             "keypoint_colors": [hexed(c) for c in spec.keypoint_colors],
             "connection_colors": [hexed(c) for c in spec.skeleton_colors]}]


def _check_sapiens(model_size: str) -> None:
    """400 naming the missing file (and how to get it) before any row is written."""
    from .engines.sapiens2 import checkpoints
    from .engines.sapiens2.errors import CheckpointNotFound, UnknownModelSize

    if not model_size:
        raise InvalidInput(f"model_size is required for kind sapiens2; one of {', '.join(checkpoints.POSE_SIZES)}",
                           field="model_size")
    root = serving.sapiens_root()
    try:
        checkpoints.require_pose_checkpoint(checkpoints.check_size(model_size), root)
        checkpoints.require_detector(root)
    except UnknownModelSize as exc:
        raise InvalidInput(str(exc), field="model_size") from None
    except CheckpointNotFound as exc:
        raise InvalidInput(exc.message, field="model_size", code="checkpoint_missing", **exc.extra) from None


def _weights_source(*, training_session=None, weights: str = "best", weights_file=None) -> tuple[str, str, Path]:
    """(source, display name, local .pt path) of the weights a custom version deploys. The path is a temporary
    copy the caller removes (its folder)."""
    from training.selectors import weights_name

    work = Path(tempfile.mkdtemp(prefix="deploy-"))
    target = work / "model.pt"
    if weights_file is not None:
        name = getattr(weights_file, "name", "") or "weights.pt"
        if not name.lower().endswith(".pt"):
            shutil.rmtree(work, ignore_errors=True)
            raise InvalidInput(f"weights_file must be an Ultralytics .pt file, got {name!r}", field="weights_file")
        with open(target, "wb") as out:
            for chunk in (weights_file.chunks() if hasattr(weights_file, "chunks") else [weights_file.read()]):
                out.write(chunk)
        return "upload", name, target
    if training_session is None:
        shutil.rmtree(work, ignore_errors=True)
        raise InvalidInput("give training_session (with weights best|last) or a weights_file", field="training_session")
    if weights not in ("best", "last"):
        shutil.rmtree(work, ignore_errors=True)
        raise InvalidInput(f"weights must be best or last, got {weights!r}", field="weights")
    stored_name = weights_name(training_session, weights)
    if stored_name is None:
        shutil.rmtree(work, ignore_errors=True)
        raise InvalidInput(f"training session {training_session.pk} has no {weights}.pt (status "
                           f"{training_session.status})", field="weights")
    with storage.open_read(stored_name) as src, open(target, "wb") as out:
        shutil.copyfileobj(src, out, storage.CHUNK)
    return f"session_{weights}", f"{training_session} ({weights}.pt)", target


def _read_checkpoint(path: Path, field: str) -> dict:
    from .engines.errors import WeightsInvalid
    from .engines.yolo import read_pose_checkpoint

    try:
        return read_pose_checkpoint(path)
    except WeightsInvalid as exc:
        raise InvalidInput(exc.message, field=field, code="weights_invalid") from None


# ---------------------------------------------------------------- deployments
def deployment_create(*, workspace, user, name: str, kind: str, training_session=None, weights: str = "best",
                      weights_file=None, model_size: str = "", engine: str | None = None, public: bool = False,
                      monthly_quota: int | None = None, burst_per_minute: int | None = None,
                      allowed_origins: list[str] | None = None) -> Deployment:
    """A deployment with its first version (active at once for torch and Sapiens2; for ONNX once the export on
    the `inference` queue is done). Raises InvalidInput naming the field (a missing checkpoint names its path)."""
    if kind not in Deployment.Kind.values:
        raise InvalidInput(f"kind must be one of {', '.join(Deployment.Kind.values)}, got {kind!r}", field="kind")
    if kind == Deployment.Kind.SAPIENS2:
        _check_sapiens(model_size)
        engine = Deployment.EngineKind.TORCH
    else:
        engine = engine or Deployment.EngineKind.ONNX
        if engine not in Deployment.EngineKind.values:
            raise InvalidInput(f"engine must be onnx or torch, got {engine!r}", field="engine")
        if training_session is not None and training_session.workspace_id != workspace.pk:
            raise InvalidInput("the training session belongs to another workspace", field="training_session")
    with transaction.atomic():
        deployment = Deployment.objects.create(
            workspace=workspace, name=name, kind=kind, model_size=model_size if kind == "sapiens2" else "",
            engine=engine, public=public, monthly_quota=monthly_quota, burst_per_minute=burst_per_minute,
            allowed_origins=list(allowed_origins or []), created_by=user)
        RateCounter.objects.create(deployment=deployment)
        version_create(deployment=deployment, user=user, training_session=training_session, weights=weights,
                       weights_file=weights_file)
    return deployment


def deployment_update(*, deployment: Deployment, **changes) -> Deployment:
    """Change settings (SETTINGS). Changing `engine` of a custom deployment re-exports nothing: ONNX needs the
    active version's export (made on demand on the inference queue when missing)."""
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    if "engine" in changes and deployment.kind == Deployment.Kind.SAPIENS2 and changes["engine"] != "torch":
        raise InvalidInput("a Sapiens2 deployment runs on torch", field="engine")
    if not changes:  # an empty PATCH changes nothing, updated_at included
        return deployment
    with transaction.atomic():
        for key, value in changes.items():
            setattr(deployment, key, value)
        deployment.save()
        if "engine" in changes and deployment.kind == Deployment.Kind.CUSTOM:
            version = deployment.versions.filter(active=True).first()
            if version is not None:
                _route_version(version, changes["engine"])
    return deployment


def _route_version(version: DeploymentVersion, engine: str) -> None:
    """Serve `version` on `engine`: torch at once; onnx from its export, exporting first when there is none."""
    if engine == "torch" or version.onnx:
        version.engine_used = engine
        version.save(update_fields=["engine_used", "updated_at"])
        transaction.on_commit(lambda: serving.warm(DeploymentVersion.objects.select_related("deployment")
                                                   .get(pk=version.pk)))
        return
    _enqueue_export(version, activate=False)


def deployment_delete(*, deployment: Deployment) -> None:
    """Delete the deployment, its versions, keys and counters; then its files and its models in this process's
    cache (other web processes drop theirs when their cache evicts them: nothing routes to them any more)."""
    pk = deployment.pk
    serving.evict(deployment)
    with transaction.atomic():
        deployment.delete()

    def cleanup():
        storage.delete_tree(f"deployments/{pk}")
        shutil.rmtree(serving.work_dir() / str(pk), ignore_errors=True)

    transaction.on_commit(cleanup)


# ---------------------------------------------------------------- versions
def version_create(*, deployment: Deployment, user, training_session=None, weights: str = "best",
                   weights_file=None) -> DeploymentVersion:
    """A new version: custom weights are checked (a pose checkpoint), stored, and either served at once (torch)
    or exported to ONNX on the inference queue, becoming active when the export is done. Sapiens2 versions
    re-read the checkpoint folder. The active version serves until then."""
    with transaction.atomic():
        locked = Deployment.objects.select_for_update().get(pk=deployment.pk)
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        if deployment.kind == Deployment.Kind.SAPIENS2:
            _check_sapiens(deployment.model_size)
            version = DeploymentVersion.objects.create(
                deployment=deployment, number=number, source="sapiens2", classes=_sapiens_classes(),
                status=DeploymentVersion.Status.READY, engine_used="torch", created_by=user)
            _activate(version)
            return version
        if training_session is not None and training_session.workspace_id != deployment.workspace_id:
            raise InvalidInput("the training session belongs to another workspace", field="training_session")
        source, label, local = _weights_source(training_session=training_session, weights=weights,
                                               weights_file=weights_file)
        written = None
        try:
            info = _read_checkpoint(local, "weights_file" if weights_file is not None else "weights")
            written = storage.save_path(stored(deployment.pk, number, "model.pt"), local)
            onnx = deployment.engine == Deployment.EngineKind.ONNX
            version = DeploymentVersion.objects.create(
                deployment=deployment, number=number, weights=written, source=source,
                training_session=training_session, classes=_classes_from_checkpoint(
                    info, training_session.skeleton if training_session is not None else None),
                status=DeploymentVersion.Status.EXPORTING if onnx else DeploymentVersion.Status.READY,
                engine_used="" if onnx else "torch", created_by=user,
                warnings=[f"deployed from {label}"])
            if onnx:
                _enqueue_export(version, activate=True)
            else:
                _activate(version)
        except BaseException:
            if written:
                storage.delete(written)
            raise
        finally:
            shutil.rmtree(local.parent, ignore_errors=True)
    return version


def _activate(version: DeploymentVersion) -> None:
    """Make `version` the one served (inside the caller's transaction); warm it after commit."""
    DeploymentVersion.objects.filter(deployment_id=version.deployment_id, active=True).exclude(
        pk=version.pk).update(active=False)
    if not version.active:
        version.active = True
        version.save(update_fields=["active", "updated_at"])
    pk = version.pk
    transaction.on_commit(lambda: serving.warm(DeploymentVersion.objects.select_related("deployment").get(pk=pk)))


def version_activate(*, version: DeploymentVersion) -> DeploymentVersion:
    """Roll back (or forward) to `version`; it must be ready."""
    if version.status != DeploymentVersion.Status.READY:
        from core.errors import Conflict

        raise Conflict(f"version {version.number} is {version.status}; only a ready version can be activated",
                       field="version")
    with transaction.atomic():
        Deployment.objects.select_for_update().get(pk=version.deployment_id)
        _activate(version)
    version.refresh_from_db()
    return version


def _enqueue_export(version: DeploymentVersion, *, activate: bool) -> None:
    pk = version.pk
    DeploymentVersion.objects.filter(pk=pk).update(status=DeploymentVersion.Status.EXPORTING)

    def send():
        from .tasks import export_version

        try:
            export_version.apply_async(args=[pk, activate], queue="inference")
        except Exception as exc:  # broker down: serve the .pt on torch rather than stay "exporting" forever
            version_export_failed(pk, f"could not queue the ONNX export: {exc}", activate=activate)

    transaction.on_commit(send)


def version_export(version_id: int, activate: bool = True) -> DeploymentVersion | None:
    """Run the ONNX export of a version (the `inference` queue's task). On success the version serves on ONNX;
    when the export fails it serves its `.pt` on torch (the fallback) with the reason in `error`. Either way
    it is ready and, with `activate`, becomes the active version."""
    from .engines.yolo import export_onnx

    version = DeploymentVersion.objects.select_related("deployment").filter(pk=version_id).first()
    if version is None or version.status != DeploymentVersion.Status.EXPORTING:
        return version  # deleted meanwhile, or a duplicate delivery
    work = Path(tempfile.mkdtemp(prefix="deploy-export-"))
    try:
        with storage.local_copy(version.weights) as pt:
            local_pt = work / "model.pt"
            shutil.copyfile(pt, local_pt)
        onnx_path = export_onnx(local_pt, work)
        onnx_name = storage.save_path(stored(version.deployment_id, version.number, "model.onnx"), onnx_path)
    except Exception as exc:  # noqa: BLE001 - any export failure falls back to torch, with the reason kept
        log.warning("ONNX export of %s failed: %s", version, exc)
        return version_export_failed(version_id, f"ONNX export failed, serving on torch: {exc}", activate=activate)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with transaction.atomic():
        rows = DeploymentVersion.objects.filter(pk=version_id, status=DeploymentVersion.Status.EXPORTING).update(
            onnx=onnx_name, engine_used="onnx", status=DeploymentVersion.Status.READY, error="")
        version = DeploymentVersion.objects.select_related("deployment").filter(pk=version_id).first()
        if rows and version is not None and activate:
            Deployment.objects.select_for_update().get(pk=version.deployment_id)
            _activate(version)
    return version


def version_export_failed(version_id: int, reason: str, *, activate: bool) -> DeploymentVersion | None:
    with transaction.atomic():
        DeploymentVersion.objects.filter(pk=version_id).update(
            status=DeploymentVersion.Status.READY, engine_used="torch", error=reason[:2000])
        version = DeploymentVersion.objects.select_related("deployment").filter(pk=version_id).first()
        if version is not None and activate:
            _activate(version)
    return version


# ---------------------------------------------------------------- keys
def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def api_key_create(*, deployment: Deployment, user, name: str = "") -> tuple[ApiKey, str]:
    """A new key; returns the row and the key itself, which is never stored (only its SHA-256) nor shown again."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey.objects.create(deployment=deployment, name=name[:100], digest=digest_of(key),
                                prefix=key[:len(KEY_PREFIX) + 6], created_by=user)
    return row, key


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key
