"""Backup exporter of a workspace's training sessions: their rows, per-epoch metrics, console log lines, and
every stored file under `training/<id>/` (snapshot.json, initial weights, best.pt/last.pt, evaluation
pictures).

On restore a session gets a new id and its files move to `training/<new id>/`; its dataset, classes
(`class_ids`, the skeleton's class ids) and initial session point at the restored ones; snapshot.json's image
names are moved to the restored datasets' folders. A session that was queued or running when backed up is
restored as failed (no worker runs it here), with the reason in `error`."""
from __future__ import annotations

import json

from config import storage
from config.backup import build, dump, keeping_timestamps

from .models import EpochMetric, LogLine, TrainingSession

BATCH = 1000
NAME_FIELDS = ("snapshot_path", "best_weights", "last_weights", "initial_weights_name")


def _moved_strings(value, prefixes: dict[str, str]):
    """`value` with every string that starts with an old prefix given the new one (nested lists and dicts)."""
    if isinstance(value, str):
        for old, new in prefixes.items():
            if value.startswith(old):
                return new + value[len(old):]
        return value
    if isinstance(value, list):
        return [_moved_strings(v, prefixes) for v in value]
    if isinstance(value, dict):
        return {k: _moved_strings(v, prefixes) for k, v in value.items()}
    return value


class TrainingExporter:
    name = "training"

    def export(self, w, workspace) -> None:
        sessions = TrainingSession.objects.filter(workspace=workspace).order_by("id")

        def rows():
            for s in sessions:
                w.tree(f"training/{s.pk}")
                yield {**dump(s, exclude=["created_by"]), "created_by": w.user(s.created_by_id)}
        w.rows("training.trainingsession", rows())
        w.rows("training.epochmetric", (dump(m) for m in EpochMetric.objects.filter(
            session__workspace=workspace).order_by("id").iterator(chunk_size=BATCH)))
        w.rows("training.logline", (dump(line) for line in LogLine.objects.filter(
            session__workspace=workspace).order_by("id").iterator(chunk_size=BATCH)))

    def restore(self, r) -> None:
        ds_map = r.ids.get("datasets.dataset", {})
        cls_map = r.ids.get("datasets.skeletonclass", {})
        data_prefixes = {f"datasets/{old}/": f"datasets/{new}/" for old, new in ds_map.items()}
        sessions, initial = {}, {}
        r.ids["training.trainingsession"] = sessions
        with keeping_timestamps(TrainingSession, EpochMetric, LogLine):
            for row in r.rows("training.trainingsession"):
                skeleton = dict(row.get("skeleton") or {})
                if skeleton.get("classes"):
                    skeleton["classes"] = [{**c, "id": cls_map.get(c.get("id"), c.get("id"))} for c in skeleton["classes"]]
                fields = {"workspace_id": r.workspace.pk, "created_by_id": r.user(row["created_by"]),
                          "dataset_id": ds_map.get(row["dataset_id"]), "initial_session_id": None,
                          "class_ids": [cls_map.get(c, c) for c in row.get("class_ids") or []], "skeleton": skeleton}
                if row["status"] in TrainingSession.ACTIVE:
                    fields.update(status=TrainingSession.FAILED, resume_pending=False,
                                  error=f"was {row['status']} when the backup was made; restored as failed")
                session = build(TrainingSession, row, **fields)
                session.save()
                old, new = row["id"], session.pk
                sessions[old] = new
                if row.get("initial_session_id"):
                    initial[new] = row["initial_session_id"]
                prefix = {f"training/{old}/": f"training/{new}/"}
                for name in r.files_under(f"training/{old}"):
                    target = _moved_strings(name, prefix)
                    if name == row.get("snapshot_path") or name.endswith("/snapshot.json"):
                        self._snapshot(r, name, target, data_prefixes)
                    else:
                        r.copy_file(name, target)
                TrainingSession.objects.filter(pk=new).update(
                    **{f: _moved_strings(row.get(f) or "", prefix) for f in NAME_FIELDS})
            for new, old_initial in initial.items():
                TrainingSession.objects.filter(pk=new).update(initial_session_id=sessions.get(old_initial))
            self._bulk(EpochMetric, (build(EpochMetric, row, session_id=sessions[row["session_id"]])
                                     for row in r.rows("training.epochmetric")))
            self._bulk(LogLine, (build(LogLine, row, session_id=sessions[row["session_id"]])
                                 for row in r.rows("training.logline")))

    @staticmethod
    def _snapshot(r, name: str, target: str, data_prefixes: dict[str, str]) -> None:
        """snapshot.json names the images it froze by storage name: point them at the restored datasets."""
        with r.zf.open(f"files/{name}") as fh:
            body = json.load(fh)
        r.written.append(storage.save_replace(target, json.dumps(_moved_strings(body, data_prefixes)).encode()))
        r.report["files"] += 1

    @staticmethod
    def _bulk(model, objs) -> None:
        batch = []
        for obj in objs:
            batch.append(obj)
            if len(batch) >= BATCH:
                model.objects.bulk_create(batch)
                batch = []
        model.objects.bulk_create(batch)
