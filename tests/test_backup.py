"""Workspace backup: a workspace with real images and labels goes into one archive and comes back, under new
ids, with identical data (compared field by field and byte by byte); memory stays bounded while it streams."""
from __future__ import annotations

import io
import json
import tracemalloc
import zipfile

import pytest
from django.core.management import call_command

from config import storage

from .conftest import SAMPLES_DIR, _annotate

ID_FIELDS = {"id"}


@pytest.fixture
def rich_team(team, tmp_path):
    """The team workspace with a real COCO import, assignments, two saves, and two training sessions with
    weights, a snapshot, an evaluation picture, epoch metrics and log lines."""
    from datasets.models import Dataset, Image
    from training import files
    from training.models import EpochMetric, LogLine, TrainingSession

    c, ws = team["c"], team["ws"]
    src = SAMPLES_DIR / "coco"
    out = io.StringIO()
    call_command("import_coco", str(src / "test_coco.json"), images=str(src), dataset="coco people", owner="alice",
                 workspace=str(ws["id"]), stdout=out, stderr=io.StringIO())
    ds = Dataset.objects.get(pk=json.loads(out.getvalue())["dataset"])
    members = {m["username"]: m["user"] for m in c["alice"].get(f"/api/v1/workspaces/{ws['id']}/members/").json()}
    assert c["alice"].post(f"/api/v1/datasets/{team['dataset']['id']}/assignments/split/",
                           {"users": [members["bob"]]}, format="json").status_code == 200
    assert _annotate(c["bob"], team["image"]["id"], team["class"]["id"]).status_code == 200
    assert _annotate(c["tina"], team["image"]["id"], team["class"]["id"]).status_code == 200
    cls = ds.classes.first()
    image = Image.objects.filter(dataset=ds).order_by("id").first()
    cls.template_image = image
    cls.save()

    first = TrainingSession.objects.create(workspace_id=ws["id"], dataset=ds, dataset_name=ds.name, name="base",
                                           class_ids=[cls.pk], skeleton={"classes": [{"id": cls.pk, "name": cls.name}]},
                                           algorithm="yolo11n-pose", status="completed", epochs=2, epoch=2,
                                           final_metrics={"pose_map50": 0.5}, evaluation={"examples": [{"file": "example_0.jpg"}]})
    second = TrainingSession.objects.create(workspace_id=ws["id"], dataset=ds, name="fine-tune", algorithm="yolo11n-pose",
                                            status="running", initial_session=first,
                                            initial_weights=TrainingSession.WEIGHTS_SESSION_BEST)
    snapshot = {"images": [{"storage": image.file.name, "name": image.original_name}]}
    storage.save_replace(files.snapshot_name(first.pk), json.dumps(snapshot).encode())
    weights = bytes(range(256)) * 4096  # 1 MiB of "weights"
    storage.save_replace(files.weights_name(first.pk, "best"), weights)
    storage.save_replace(files.evaluation_name(first.pk, "example_0.jpg"), (src / "000000000785.jpg").read_bytes())
    TrainingSession.objects.filter(pk=first.pk).update(snapshot_path=files.snapshot_name(first.pk),
                                                      best_weights=files.weights_name(first.pk, "best"))
    for epoch in (1, 2):
        EpochMetric.objects.create(session=first, epoch=epoch, fitness=0.1 * epoch, metrics={"metrics/mAP50(P)": 0.2})
    LogLine.objects.bulk_create([LogLine(session=first, text=f"line {i}") for i in range(5)])
    return {**team, "coco": ds, "sessions": [first, second]}


def _rows(model, field: str, ws_id: int, exclude=()) -> list[dict]:
    from config.backup import dump

    return [dump(o, exclude=[*ID_FIELDS, *exclude]) for o in model.objects.filter(**{field: ws_id}).order_by("id")]


def _same_file(a: str, b: str) -> bool:
    return bool(a) and storage.read_bytes(a) == storage.read_bytes(b)


def test_backup_then_restore_gives_identical_data_under_new_ids(rich_team, tmp_path):
    from datasets.models import Annotation, AnnotationRevision, Dataset, Image, SkeletonClass
    from training.models import EpochMetric, LogLine, TrainingSession
    from accounts.models import Membership, Workspace

    old_ws = rich_team["ws"]["id"]
    archive = tmp_path / "lab.zip"
    out = io.StringIO()
    call_command("backup_workspace", str(old_ws), out=str(archive), stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["missing_files"] == [] and summary["tables"]["datasets.image"] == 5
    out = io.StringIO()
    call_command("restore_workspace", str(archive), owner="alice", name="Lab restored", stdout=out)
    report = json.loads(out.getvalue())
    new_ws = report["workspace"]
    assert new_ws != old_ws and Workspace.objects.get(pk=new_ws).name == "Lab restored"
    assert report["users_missing"] == [] and report["files"] == summary["files"]
    roles = lambda ws: sorted(Membership.objects.filter(workspace_id=ws).values_list("user__username", "role"))  # noqa: E731
    assert roles(new_ws) == roles(old_ws)

    # Datasets: every field but ids and the workspace.
    old_ds = list(Dataset.objects.filter(workspace_id=old_ws).order_by("id"))
    new_ds = list(Dataset.objects.filter(workspace_id=new_ws).order_by("id"))
    ds_map = {o.pk: n.pk for o, n in zip(old_ds, new_ds, strict=True)}
    assert _rows(Dataset, "workspace_id", new_ws, ["workspace_id"]) == _rows(Dataset, "workspace_id", old_ws,
                                                                            ["workspace_id"])
    # Classes (templates): same content; the template image is the restored copy of the same picture.
    old_cls = _rows(SkeletonClass, "dataset__workspace_id", old_ws, ["dataset_id", "template_image_id"])
    assert _rows(SkeletonClass, "dataset__workspace_id", new_ws, ["dataset_id", "template_image_id"]) == old_cls
    cls_map = dict(zip(SkeletonClass.objects.filter(dataset__workspace_id=old_ws).order_by("id").values_list("id", flat=True),
                       SkeletonClass.objects.filter(dataset__workspace_id=new_ws).order_by("id").values_list("id", flat=True)))
    for o, n in zip(SkeletonClass.objects.filter(dataset__workspace_id=old_ws).order_by("id"),
                    SkeletonClass.objects.filter(dataset__workspace_id=new_ws).order_by("id")):
        assert (o.template_image.sha256 if o.template_image else None) == (n.template_image.sha256 if n.template_image else None)
        assert n.template_image is None or n.template_image.dataset_id == ds_map[o.template_image.dataset_id]

    # Images: every field (assignee and labelled state included); files byte-identical under the new dataset.
    files = ["file", "thumbnail", "rendition"]
    old_im = list(Image.objects.filter(dataset__workspace_id=old_ws).order_by("id"))
    new_im = list(Image.objects.filter(dataset__workspace_id=new_ws).order_by("id"))
    assert _rows(Image, "dataset__workspace_id", new_ws, ["dataset_id", "class_counts", *files]) == \
        _rows(Image, "dataset__workspace_id", old_ws, ["dataset_id", "class_counts", *files])
    assert any(im.assignee_id for im in new_im)
    img_map = {}
    for o, n in zip(old_im, new_im, strict=True):
        img_map[o.pk] = n.pk
        assert n.dataset_id == ds_map[o.dataset_id]
        for f in files:
            old_name, new_name = getattr(o, f).name, getattr(n, f).name
            assert bool(old_name) == bool(new_name)
            if old_name:
                assert new_name.startswith(f"datasets/{n.dataset_id}/") and _same_file(old_name, new_name)

    # The thumbnails' per-class counts name the restored classes.
    assert any(o.class_counts for o in old_im)
    for o, n in zip(old_im, new_im, strict=True):
        assert n.class_counts == {str(cls_map[int(k)]): v for k, v in o.class_counts.items()}

    # Labels and their history: identical with class ids remapped; who saved them kept.
    def labels(model, ws, mapping=None):
        rows = _rows(model, "image__dataset__workspace_id", ws, ["image_id"])
        for row in rows:
            row["instances"] = [{**i, "class": (mapping or {}).get(i["class"], i["class"])} for i in row["instances"]]
        return rows
    assert labels(Annotation, new_ws) == labels(Annotation, old_ws, cls_map)
    assert labels(AnnotationRevision, new_ws) == labels(AnnotationRevision, old_ws, cls_map)
    assert [img_map[i] for i in Annotation.objects.filter(image__dataset__workspace_id=old_ws).order_by("id")
            .values_list("image_id", flat=True)] == list(Annotation.objects.filter(
                image__dataset__workspace_id=new_ws).order_by("id").values_list("image_id", flat=True))

    # Training sessions: records, metrics, log, weights and pictures; ids and names follow the new ids.
    old_s = list(TrainingSession.objects.filter(workspace_id=old_ws).order_by("id"))
    new_s = list(TrainingSession.objects.filter(workspace_id=new_ws).order_by("id"))
    moved = ["workspace_id", "dataset_id", "initial_session_id", "class_ids", "skeleton", "snapshot_path",
             "best_weights", "status", "error", "updated_at"]
    assert _rows(TrainingSession, "workspace_id", new_ws, moved) == _rows(TrainingSession, "workspace_id", old_ws, moved)
    first_old, first_new = old_s[0], new_s[0]
    assert first_new.dataset_id == ds_map[first_old.dataset_id] and first_new.class_ids == [cls_map[first_old.class_ids[0]]]
    assert first_new.skeleton["classes"][0]["id"] == cls_map[first_old.class_ids[0]]
    assert first_new.status == "completed" and new_s[1].initial_session_id == first_new.pk
    assert new_s[1].status == "failed" and "was running" in new_s[1].error
    assert first_new.best_weights == f"training/{first_new.pk}/weights/best.pt"
    assert _same_file(first_old.best_weights, first_new.best_weights)
    assert _same_file(f"training/{first_old.pk}/evaluation/example_0.jpg", f"training/{first_new.pk}/evaluation/example_0.jpg")
    snap = json.loads(storage.read_bytes(first_new.snapshot_path))
    assert snap["images"][0]["storage"].startswith(f"datasets/{first_new.dataset_id}/images/")
    assert storage.exists(snap["images"][0]["storage"])
    for model in (EpochMetric, LogLine):
        assert _rows(model, "session__workspace_id", new_ws, ["session_id"]) == \
            _rows(model, "session__workspace_id", old_ws, ["session_id"])


def test_restore_into_an_install_without_the_people_drops_or_creates_them(rich_team, tmp_path):
    from django.contrib.auth import get_user_model

    from accounts.models import Membership
    from datasets.models import Annotation
    from config import backup

    archive = tmp_path / "lab.zip"
    backup.backup_workspace(__import__("accounts.models", fromlist=["Workspace"]).Workspace.objects.get(
        pk=rich_team["ws"]["id"]), str(archive))
    get_user_model().objects.filter(username="tina").delete()  # as on an install where tina has no account
    mallory = get_user_model().objects.get(username="mallory")
    ws, report = backup.restore_workspace(str(archive), owner=mallory, name="copy")
    assert report["users_missing"] == ["tina"]
    assert not Membership.objects.filter(workspace=ws, user__username="tina").exists()
    assert Annotation.objects.get(image__dataset__workspace=ws, image__dataset__name="shared").updated_by is None
    ws2, report2 = backup.restore_workspace(str(archive), owner=mallory, name="copy 2", create_users=True)
    tina = get_user_model().objects.get(username="tina")
    assert report2["users_created"] == ["tina"] and not tina.is_active and not tina.has_usable_password()
    assert Membership.objects.get(workspace=ws2, user=tina).role == "trainer"


def test_backup_streams_files_with_bounded_memory(team, tmp_path):
    """A 24 MiB weights file passes through the backup and the restore without being held in memory."""
    from accounts.models import Workspace
    from config import backup
    from training.models import TrainingSession

    ws = Workspace.objects.get(pk=team["ws"]["id"])
    s = TrainingSession.objects.create(workspace=ws, algorithm="yolo11n-pose", status="completed")
    big = 24 * 1024 * 1024
    chunk = bytes(range(256)) * 4096
    with open(tmp_path / "best.pt", "wb") as fh:
        for _ in range(big // len(chunk)):
            fh.write(chunk)
    storage.save_path(f"training/{s.pk}/weights/best.pt", tmp_path / "best.pt")
    tracemalloc.start()
    backup.backup_workspace(ws, str(tmp_path / "big.zip"))
    backup_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    owner = ws.memberships.get(role="admin").user
    restored, _ = backup.restore_workspace(str(tmp_path / "big.zip"), owner=owner, name="big copy")
    restore_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert backup_peak < 6 * 1024 * 1024 and restore_peak < 6 * 1024 * 1024, (backup_peak, restore_peak)
    new = TrainingSession.objects.get(workspace=restored)
    assert storage.size(f"training/{new.pk}/weights/best.pt") == big


def test_admin_downloads_the_backup_others_may_not(team):
    c, ws = team["c"], team["ws"]["id"]
    r = c["alice"].get(f"/api/v1/workspaces/{ws}/backup/")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content))) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["format"] == "posedeck-workspace-backup" and manifest["tables"]["datasets.image"] == 1
    assert c["tina"].get(f"/api/v1/workspaces/{ws}/backup/").status_code == 403
    assert c["mallory"].get(f"/api/v1/workspaces/{ws}/backup/").status_code == 404


def test_restore_refuses_an_archive_that_is_not_a_backup(team, tmp_path):
    from django.core.management.base import CommandError

    bad = tmp_path / "x.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": "something else"}))
    with pytest.raises(CommandError, match="not a Posedeck workspace backup"):
        call_command("restore_workspace", str(bad), owner="alice", stdout=io.StringIO())
    (tmp_path / "y.zip").write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("restore_workspace", str(tmp_path / "y.zip"), owner="alice", stdout=io.StringIO())
