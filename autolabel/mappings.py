"""A dataset's autolabel settings and the stored keypoint mappings (per deployment and dataset class).

A mapping is made by name the first time it is needed (autolabel.mapping: a model class to the dataset class
of its name, or one to one; each template point to the model point that means the same), stored, shown in
the editor and reused; a person's edit replaces it (`edited`). Template points mapped to nothing are absent
(v=0) in every suggestion.
"""
from __future__ import annotations

from django.db import transaction

from core.errors import InvalidInput
from datasets.models import Dataset, SkeletonClass

from .mapping import ClassTemplate, check_mapping, map_classes, map_keypoints
from .models import AutolabelConfig, KeypointMapping


def config_for(dataset: Dataset) -> AutolabelConfig:
    cfg, _ = AutolabelConfig.objects.get_or_create(dataset=dataset)
    return cfg


def _unit(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        raise InvalidInput(f"{field} must be a number from 0 to 1", field=field)
    return float(value)


@transaction.atomic
def config_update(*, dataset: Dataset, changes: dict) -> AutolabelConfig:
    """Change any of `deployment` (an id of the dataset's workspace, or null), `conf`, `kpt_conf` (0..1) and
    `on_upload` (bool); InvalidInput naming the field."""
    from deploy.models import Deployment

    cfg = config_for(dataset)
    unknown = set(changes) - {"deployment", "conf", "kpt_conf", "on_upload"}
    if unknown:
        raise InvalidInput(f"unknown setting(s) {sorted(unknown)}", field=sorted(unknown)[0])
    if "deployment" in changes:
        value = changes["deployment"]
        if value is None:
            cfg.deployment = None
        else:
            found = (Deployment.objects.filter(pk=value, workspace_id=dataset.workspace_id).first()
                     if isinstance(value, int) and not isinstance(value, bool) else None)
            if found is None:
                raise InvalidInput("deployment must be a deployment of this dataset's workspace", field="deployment")
            cfg.deployment = found
    for key in ("conf", "kpt_conf"):
        if key in changes:
            setattr(cfg, key, _unit(changes[key], key))
    if "on_upload" in changes:
        if not isinstance(changes["on_upload"], bool):
            raise InvalidInput("on_upload must be true or false", field="on_upload")
        cfg.on_upload = changes["on_upload"]
    if cfg.on_upload and cfg.deployment is None:
        raise InvalidInput("choose a deployment before switching on autolabel for new uploads", field="on_upload")
    cfg.save()
    return cfg


def _template(cls: SkeletonClass) -> ClassTemplate:
    return ClassTemplate(cls.pk, cls.name, tuple(k["name"] for k in cls.keypoints))


def mapping_for(deployment, cls: SkeletonClass) -> KeypointMapping:
    """The stored mapping of `cls` for `deployment`, made by name (and stored) the first time."""
    found = KeypointMapping.objects.filter(deployment=deployment, skeleton_class=cls).first()
    if found is not None and len(found.mapping) == len(cls.keypoints):
        return found
    model = deployment.keypoint_names_by_class()
    template = _template(cls)
    classes = map_classes(list(model), [template])
    model_class = next((name for name, cid in classes.items() if cid == cls.pk), "")
    mapping = map_keypoints(model[model_class], list(template.keypoints)) if model_class else [None] * len(
        template.keypoints)
    # A template that gained or lost points since: mapped again by name.
    obj, _ = KeypointMapping.objects.update_or_create(deployment=deployment, skeleton_class=cls, defaults={
        "model_class": model_class, "mapping": mapping, "edited": False})
    return obj


def mappings_of(deployment, dataset: Dataset) -> list[KeypointMapping]:
    return [mapping_for(deployment, cls) for cls in dataset.classes.order_by("id")]


def mapping_update(*, deployment, cls: SkeletonClass, model_class: str, mapping: list) -> KeypointMapping:
    """A person's mapping for `cls`: `model_class` ("" for none) and one model keypoint name or null per
    template keypoint. InvalidInput naming `model_class` or `mapping`."""
    model = deployment.keypoint_names_by_class()
    if not isinstance(model_class, str) or (model_class and model_class not in model):
        raise InvalidInput(f"model_class must be one of the model's classes {sorted(model)} (or empty)",
                           field="model_class")
    template = [k["name"] for k in cls.keypoints]
    try:
        clean = check_mapping(mapping, template, model.get(model_class, []) if model_class else [])
    except ValueError as exc:
        raise InvalidInput(str(exc), field="mapping") from None
    obj = mapping_for(deployment, cls)
    obj.model_class, obj.mapping, obj.edited = model_class, clean, True
    obj.save()
    return obj


def plan_for(deployment, dataset: Dataset) -> dict[str, tuple[int, list]]:
    """model class name -> (dataset class id, mapping) for the classes that get suggestions. A model class
    mapped to two dataset classes feeds the first (by id)."""
    plan: dict[str, tuple[int, list]] = {}
    for m in mappings_of(deployment, dataset):
        if m.model_class and m.model_class not in plan:
            plan[m.model_class] = (m.skeleton_class_id, list(m.mapping))
    return plan
