"""Backup exporter of a workspace's deployments: their settings, every version (with its frozen classes) and
the stored files under `deployments/<id>/` (model.pt, model.onnx).

On restore a deployment gets a new id and a new slug (the old public URL may still serve on the old install,
and slugs are unique), its files move to `deployments/<new id>/`, and versions point at the restored training
sessions. API keys and usage counts are not restored: keys are secrets of the old install (make new ones), and
counts belong to its month. A version that was exporting when backed up serves its .pt on torch."""
from __future__ import annotations

from config.backup import build, dump, keeping_timestamps

from .models import Deployment, DeploymentVersion, RateCounter, new_slug


class DeployExporter:
    name = "deploy"

    def export(self, w, workspace) -> None:
        deployments = Deployment.objects.filter(workspace=workspace).order_by("id")

        def rows():
            for d in deployments:
                w.tree(f"deployments/{d.pk}")
                yield {**dump(d, exclude=["created_by"]), "created_by": w.user(d.created_by_id)}
        w.rows("deploy.deployment", rows())
        w.rows("deploy.deploymentversion", (
            {**dump(v, exclude=["created_by"]), "created_by": w.user(v.created_by_id)}
            for v in DeploymentVersion.objects.filter(deployment__workspace=workspace).order_by("id")))

    def restore(self, r) -> None:
        sessions = r.ids.get("training.trainingsession", {})
        mapping: dict[int, int] = {}
        r.ids["deploy.deployment"] = mapping
        with keeping_timestamps(Deployment, DeploymentVersion):
            for row in r.rows("deploy.deployment"):
                deployment = build(Deployment, row, workspace_id=r.workspace.pk, slug=new_slug(),
                                   created_by_id=r.user(row["created_by"]))
                deployment.save()
                RateCounter.objects.create(deployment=deployment)
                mapping[row["id"]] = deployment.pk
            for row in r.rows("deploy.deploymentversion"):
                old, new = row["deployment_id"], mapping[row["deployment_id"]]

                def moved(name: str) -> str:
                    if not name:
                        return ""
                    return r.copy_file(name, name.replace(f"deployments/{old}/", f"deployments/{new}/", 1))
                fields = {"deployment_id": new, "created_by_id": r.user(row["created_by"]),
                          "training_session_id": sessions.get(row.get("training_session_id")),
                          "weights": moved(row.get("weights") or ""), "onnx": moved(row.get("onnx") or "")}
                if row["status"] == DeploymentVersion.Status.EXPORTING:
                    fields.update(status=DeploymentVersion.Status.READY, engine_used="torch",
                                  error="was exporting when the backup was made; serves the .pt on torch")
                build(DeploymentVersion, row, **fields).save()
