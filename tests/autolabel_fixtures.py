"""Deployments for the autolabel tests: the tiny trained YOLO pose model (tests/yolo_fixtures.py) and a
tiny-weight Sapiens2 (tests/sapiens2_fixtures.py), stored as deploy's tables hold a deployed version."""
from __future__ import annotations

import json
from pathlib import Path

from datasets.formats.skeleton import COCO_KEYPOINT_NAMES

REPO = Path(__file__).resolve().parent.parent
GOLIATH = json.loads((REPO / "deploy/engines/sapiens2/data/goliath_keypoints.json").read_text())["keypoints"]


def deploy_custom(workspace_id: int, pt: Path, *, name: str = "tiny", deployment=None):
    """A custom deployment of `pt` (a new active version when `deployment` is given: a redeploy)."""
    from config import storage
    from deploy.models import Deployment, DeploymentVersion

    if deployment is None:
        deployment = Deployment.objects.create(workspace_id=workspace_id, name=name, kind="custom", engine="torch")
    number = (deployment.versions.count() or 0) + 1
    weights = storage.save_replace(f"deploy/{deployment.pk}/v{number}/best.pt", pt.read_bytes())
    deployment.versions.update(active=False)
    DeploymentVersion.objects.create(deployment=deployment, number=number, weights=weights, source="upload",
                                     classes=[{"name": "person", "keypoints": list(COCO_KEYPOINT_NAMES)}],
                                     status="ready", engine_used="torch", active=True)
    return deployment


def deploy_sapiens2(workspace_id: int, *, name: str = "sapiens2"):
    from deploy.models import Deployment, DeploymentVersion

    deployment = Deployment.objects.create(workspace_id=workspace_id, name=name, kind="sapiens2", model_size="0.4b",
                                           engine="torch")
    DeploymentVersion.objects.create(deployment=deployment, number=1, source="sapiens2", status="ready",
                                     classes=[{"name": "person", "keypoints": GOLIATH}], active=True)
    return deployment


def coco_template() -> dict:
    """A COCO-17 person class as the template editor saves it (points spread over the box)."""
    kps = [{"name": n, "x": 0.2 + 0.6 * (i % 2), "y": i / 17} for i, n in enumerate(COCO_KEYPOINT_NAMES)]
    return {"name": "person", "color": "#e11d48", "keypoints": kps, "connections": []}
