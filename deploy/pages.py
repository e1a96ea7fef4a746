"""Server-rendered shells of the deployment pages (list, one deployment, its playground); the data comes from
the REST API through ES modules in deploy/static/deploy/. The playground also gets the drawing style of each
class the active version answers with, as a JSON data block (not a script: the pages run under
`script-src 'self'`)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from .models import Deployment
from .selectors import deployment_get

GOLIATH = Path(__file__).resolve().parent / "engines" / "sapiens2" / "data" / "goliath_keypoints.json"


@lru_cache(maxsize=1)
def sapiens2_style() -> dict:
    """Sapiens2's one class in the official Goliath colours (upstream's keypoints308 config, RGB)."""
    data = json.loads(GOLIATH.read_text())
    return {"person": {"color": "#33b5ff", "keypoints": data["keypoints"], "connections": data["skeleton"],
                       "connection_colors": data["skeleton_colors"], "keypoint_colors": data["keypoint_colors"]}}


def class_styles(deployment: Deployment) -> dict:
    """Class name -> {color, keypoints, connections[, connection_colors, keypoint_colors]} of the active
    version, else the newest (frozen at deploy time), for the playground's overlay; {} when nothing is known (an uploaded .pt
    without a template: the page then picks palette colours)."""
    # Right after a deploy the only version may still be exporting (not active yet): its classes are the ones
    # the page will draw, as the API's `classes` field says too.
    version = deployment.active_version or deployment.versions.first()
    if deployment.kind == Deployment.Kind.SAPIENS2 and not (version and version.classes):
        return sapiens2_style()
    styles = {}
    for c in (version.classes if version else []):
        style = {"color": c.get("color") or "#e11d48", "keypoints": list(c.get("keypoints") or []),
                 "connections": [list(e)[:2] for e in c.get("connections") or []]}
        for key in ("keypoint_colors", "connection_colors"):
            if c.get(key):
                style[key] = c[key]
        styles[c["name"]] = style
    return styles


def sapiens2_sizes() -> list[dict]:
    """The sizes the create form offers, each with whether its checkpoint is present here."""
    from .engines.sapiens2 import checkpoints

    from .serving import sapiens_root

    root = checkpoints.checkpoint_root(sapiens_root())
    present = set(checkpoints.available_pose_sizes(root))
    return [{"size": s, "present": s in present} for s in checkpoints.POSE_SIZES]


@login_required
@ensure_csrf_cookie
def deployment_list(request):
    return render(request, "deploy/list.html", {
        "session_id": request.GET.get("session", ""), "weights": request.GET.get("weights", "best"),
        "sapiens2_sizes": sapiens2_sizes()})


@login_required
@ensure_csrf_cookie
def deployment_detail(request, pk):
    return render(request, "deploy/detail.html", {"deployment": deployment_get(request.user, pk)})


@login_required
@ensure_csrf_cookie
def deployment_playground(request, pk):
    deployment = deployment_get(request.user, pk)
    return render(request, "deploy/playground.html", {"deployment": deployment, "styles": class_styles(deployment)})
