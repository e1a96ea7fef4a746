"""Training-session API without a worker: checks at start, the snapshot, cancel/resume rules, the heartbeat
sweep, owner scoping, the schema and the pages. (Celery tasks are only queued on commit, which the `db`
fixture never does, so nothing here trains; test_training_e2e.py trains through a real worker.)
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.training_fixtures import coco_dataset, jpeg_bytes, not_a_checkpoint_pt, start, upload  # noqa: F401

COCO_SIGMAS = [0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072,
               0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089]


def _session(pk):
    from training.models import TrainingSession

    return TrainingSession.objects.get(pk=pk)


def test_start_refuses_dataset_with_unlabelled_images_and_says_how_many(api, dataset):
    upload(api, dataset["id"], [(f"a{i}.jpg", jpeg_bytes(seed=i)) for i in range(3)])
    api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {"name": "dot", "keypoints": [{"name": "p"}]}, format="json")
    r = start(api, dataset["id"])
    assert r.status_code == 409, r.content
    body = r.json()
    assert body["error"] == "dataset_not_labelled"
    assert body["unlabelled"] == 3 and "3 of 3 images" in body["message"]


def snapshot_yaml(session_id: int) -> dict:
    """data.yaml of the YOLO folder a worker builds from the session's frozen snapshot."""
    from training.snapshot import materialize

    return yaml.safe_load(materialize(session_id).read_text())


def test_start_takes_snapshot_with_coco_sigmas_and_warns_on_small_set(api, coco_dataset):
    r = start(api, coco_dataset["id"], name="first try")
    assert r.status_code == 201, r.content
    s = r.json()
    assert s["status"] == "queued" and s["name"] == "first try"
    assert s["params"]["epochs"] == 2 and s["params"]["imgsz"] == 96 and s["params"]["nbs"] == 8
    assert any("below 250" in w for w in s["warnings"])
    assert s["keypoint_names"][0] == "nose" and len(s["keypoint_names"]) == 17
    assert s["train_images"] + s["val_images"] == 16
    data = snapshot_yaml(s["id"])
    assert data["kpt_shape"] == [17, 3]
    assert data["kpt_oks_sigmas"] == COCO_SIGMAS
    assert data["flip_idx"][1:3] == [2, 1]  # left_eye <-> right_eye
    defaults = start(api, coco_dataset["id"], epochs=None, batch=None, imgsz=None)
    assert defaults.status_code == 400  # explicit nulls are not defaults
    plain = api.post("/api/v1/training-sessions/", {"dataset": coco_dataset["id"]}, format="json").json()
    assert plain["params"]["epochs"] == 300 and plain["params"]["batch"] == 16 and plain["algorithm"] == "yolo11n-pose"


def test_snapshot_does_not_change_when_labels_change(api, coco_dataset):
    from datasets.models import Annotation

    from training import files
    from training.snapshot import materialize

    s = start(api, coco_dataset["id"]).json()
    materialize(s["id"])
    folder = files.snapshot_dir(s["id"]) / "labels"
    before = {p.relative_to(folder): p.read_text() for p in folder.rglob("*.txt")}
    for ann in Annotation.objects.filter(image__dataset_id=coco_dataset["id"]):
        ann.instances = []
        ann.no_objects = True
        ann.save()
    files.remove_local(s["id"])  # a worker elsewhere builds the folder afresh from the frozen snapshot
    materialize(s["id"])
    assert {p.relative_to(folder): p.read_text() for p in folder.rglob("*.txt")} == before
    assert any(text.strip() for text in before.values())


def test_custom_skeleton_gets_uniform_sigmas_unless_the_class_has_its_own(api, dataset):
    imgs = upload(api, dataset["id"], [(f"{n}.jpg", jpeg_bytes(64, 64, seed=n)) for n in (1, 2)]).json()["created"]
    cls = api.post(f"/api/v1/datasets/{dataset['id']}/classes/",
                   {"name": "tri", "keypoints": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}, format="json").json()
    for img in imgs:
        r = api.put(f"/api/v1/images/{img['id']}/annotations/", {"version": 0, "instances": [
            {"class": cls["id"], "bbox": [4, 4, 40, 40], "keypoints": [[10, 10, 2], [20, 20, 2], [30, 30, 1]]}]},
            format="json")
        assert r.status_code == 200, r.content
    s = start(api, dataset["id"]).json()
    data = snapshot_yaml(s["id"])
    assert data["kpt_oks_sigmas"] == [pytest.approx(1 / 3, abs=1e-5)] * 3
    assert s["val_images"] == 1 and s["train_images"] == 1
    assert any("'tri' has no OKS sigmas of its own" in w and "0.333333" in w for w in s["warnings"])
    api.patch(f"/api/v1/classes/{cls['id']}/", {"sigmas": [0.1, 0.2, 0.3]}, format="json")
    s2 = start(api, dataset["id"]).json()
    assert not any("no OKS sigmas" in w for w in s2["warnings"])
    data2 = snapshot_yaml(s2["id"])
    assert data2["kpt_oks_sigmas"] == [0.1, 0.2, 0.3]


def test_one_image_with_people_is_refused_two_are_split_in_the_snapshot(api, dataset):
    """No silent zeros (issue 12): val must hold a person with keypoints, else the figures are all 0."""
    from datasets.models import Image

    imgs = upload(api, dataset["id"], [(f"{n}.jpg", jpeg_bytes(64, 64, seed=n)) for n in (5, 6)]).json()["created"]
    Image.objects.filter(pk__in=[i["id"] for i in imgs]).update(split="train")
    cls = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {"name": "dot", "keypoints": [{"name": "p"}]},
                   format="json").json()
    api.put(f"/api/v1/images/{imgs[0]['id']}/annotations/", {"version": 0, "instances": [
        {"class": cls["id"], "bbox": [4, 4, 40, 40], "keypoints": [[10, 10, 2]]}]}, format="json")
    api.put(f"/api/v1/images/{imgs[1]['id']}/annotations/", {"version": 0, "instances": [], "no_objects": True},
            format="json")
    check = api.get(f"/api/v1/datasets/{dataset['id']}/training-check/").json()
    r = start(api, dataset["id"])
    assert r.status_code == 409, r.content
    body = r.json()
    assert body["error"] == "not_enough_people" and "Label keypoints on at least 1 more image" in body["message"]
    assert body["train"]["instances"] == 1 and body["val"]["instances"] == 0
    assert check["ok"] is False and check["error"]["error"] == "not_enough_people"
    assert check["error"]["message"] == body["message"]
    from training.models import TrainingSession

    assert not TrainingSession.objects.exists()  # nothing half-made

    api.put(f"/api/v1/images/{imgs[1]['id']}/annotations/", {"version": 1, "instances": [
        {"class": cls["id"], "bbox": [4, 4, 40, 40], "keypoints": [[12, 12, 2]]}]}, format="json")
    check = api.get(f"/api/v1/datasets/{dataset['id']}/training-check/").json()
    assert check["ok"] is True and check["moves"] == [{"image": imgs[1]["id"], "split": "val"}]
    s = start(api, dataset["id"]).json()
    assert s["val_images"] == 1 and s["train_images"] == 1
    assert any("moved 1 of the 2 train image(s)" in w for w in s["warnings"])
    assert any("only 1 people with keypoints" in w for w in s["warnings"])  # tiny val
    assert s["split_check"]["val"]["instances"] == 1
    assert snapshot_yaml(s["id"])["val"] == "images/val"
    assert Image.objects.get(pk=imgs[1]["id"]).split == "train"  # the dataset keeps its own split


def test_classes_with_different_keypoint_counts_are_refused(api, coco_dataset):
    other = api.post(f"/api/v1/datasets/{coco_dataset['id']}/classes/",
                     {"name": "dot", "keypoints": [{"name": "p"}]}, format="json").json()
    person = api.get(f"/api/v1/datasets/{coco_dataset['id']}/classes/").json()[0]
    r = start(api, coco_dataset["id"], class_ids=[person["id"], other["id"]])
    assert r.status_code == 400 and r.json()["error"] == "keypoint_count_mismatch"
    assert "person: 17" in r.json()["message"] and "dot: 1" in r.json()["message"]
    assert start(api, coco_dataset["id"], class_ids=[person["id"]]).status_code == 201


@pytest.mark.parametrize("fields, field", [
    ({"algorithm": "yolo99z-pose"}, "algorithm"),
    ({"imgsz": 100}, "imgsz"),
    ({"epochs": 0}, "epochs"),
    ({"batch": "lots"}, "batch"),
    ({"task": "detect"}, "task"),
    ({"worker": "nobody@nowhere"}, "worker"),
    ({"initial_weights": "session_best", "initial_session": 999999}, "initial_session"),
])
def test_bad_parameters_answer_400_naming_the_field(api, coco_dataset, fields, field):
    r = start(api, coco_dataset["id"], **fields)
    assert r.status_code == 400, r.content
    assert r.json()["field"] == field


def test_batch_auto_is_accepted(api, coco_dataset):
    r = start(api, coco_dataset["id"], batch="auto")
    assert r.status_code == 201 and r.json()["params"]["batch"] == "auto"


def test_uploaded_weights_must_be_a_torch_checkpoint(api, coco_dataset):
    bad = SimpleUploadedFile("weights.pt", b"this is not a checkpoint")
    r = api.post("/api/v1/training-sessions/", {"dataset": coco_dataset["id"], "initial_weights": "upload",
                                                "initial_weights_file": bad}, format="multipart")
    assert r.status_code == 400 and r.json()["error"] == "invalid_weights"
    ok = SimpleUploadedFile("mine.pt", not_a_checkpoint_pt())
    r = api.post("/api/v1/training-sessions/", {"dataset": coco_dataset["id"], "initial_weights": "upload",
                                                "initial_weights_file": ok, "epochs": 1}, format="multipart")
    assert r.status_code == 201, r.content  # looks like torch.save; whether it is an Ultralytics model shows at run
    assert r.json()["initial_weights_name"] == "mine.pt"


def test_cancel_queued_session_then_resume_it(api, coco_dataset):
    s = start(api, coco_dataset["id"]).json()
    r = api.post(f"/api/v1/training-sessions/{s['id']}/cancel/")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert api.post(f"/api/v1/training-sessions/{s['id']}/cancel/").status_code == 409
    r = api.post(f"/api/v1/training-sessions/{s['id']}/resume/", {}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "queued" and r.json()["attempt"] == 2
    assert api.post(f"/api/v1/training-sessions/{s['id']}/resume/", {}, format="json").status_code == 409
    assert api.delete(f"/api/v1/training-sessions/{s['id']}/").status_code == 409  # still queued


def test_stale_heartbeat_marks_running_session_failed_with_reason(api, coco_dataset):
    from training.models import TrainingSession

    s = start(api, coco_dataset["id"]).json()
    TrainingSession.objects.filter(pk=s["id"]).update(status="running", worker="gpu@lost-box",
                                                      heartbeat_at=timezone.now() - timedelta(minutes=10))
    listed = api.get("/api/v1/training-sessions/").json()["results"]
    mine = next(x for x in listed if x["id"] == s["id"])
    assert mine["status"] == "failed"
    assert "gpu@lost-box stopped responding" in mine["error"] and "last heartbeat" in mine["error"]
    assert "stopped responding" in "\n".join(api.get(f"/api/v1/training-sessions/{s['id']}/log/").json()["lines"])
    fresh = start(api, coco_dataset["id"]).json()
    TrainingSession.objects.filter(pk=fresh["id"]).update(status="running", heartbeat_at=timezone.now())
    assert api.get(f"/api/v1/training-sessions/{fresh['id']}/").json()["status"] == "running"


def test_worker_restart_fails_what_it_was_running(api, coco_dataset):
    from training import liveness
    from training.models import TrainingSession

    s = start(api, coco_dataset["id"]).json()
    TrainingSession.objects.filter(pk=s["id"]).update(status="running", worker="gpu@box", heartbeat_at=timezone.now())
    liveness.worker_register(name="gpu@box", queue="gpu.gpu@box", info={"device": "cpu"}, pid=1)
    assert _session(s["id"]).status == "failed" and "restarted" in _session(s["id"]).error


def test_workers_list_shows_only_live_gpu_workers(api, db):
    from training.models import WorkerStatus

    now = timezone.now()
    WorkerStatus.objects.create(name="gpu@live", queue="gpu.gpu@live", device="cuda:0", device_name="NVIDIA H100",
                                memory_bytes=80 * 2**30, started_at=now, last_seen=now)
    WorkerStatus.objects.create(name="gpu@dead", queue="gpu.gpu@dead", device="cpu", started_at=now,
                                last_seen=now - timedelta(hours=1))
    workers = api.get("/api/v1/training-workers/").json()
    assert [w["name"] for w in workers] == ["gpu@live"]
    assert workers[0]["device_name"] == "NVIDIA H100" and workers[0]["busy"] is False


def test_algorithms_come_from_the_installed_ultralytics(api):
    algos = api.get("/api/v1/training-algorithms/").json()
    names = [a["name"] for a in algos]
    assert names[0] == "yolo11n-pose" and algos[0]["default"] is True
    assert {"yolo11s-pose", "yolo11m-pose", "yolov8n-pose", "yolo26n-pose"} <= set(names)
    assert all(n.split("-")[0][-1] in "nsmlx" for n in names)


def test_another_user_gets_404_everywhere(api, other_api, coco_dataset):
    s = start(api, coco_dataset["id"]).json()
    pk = s["id"]
    for method, url in [("get", f"/api/v1/training-sessions/{pk}/"), ("patch", f"/api/v1/training-sessions/{pk}/"),
                        ("delete", f"/api/v1/training-sessions/{pk}/"),
                        ("get", f"/api/v1/training-sessions/{pk}/epochs/"),
                        ("get", f"/api/v1/training-sessions/{pk}/log/"),
                        ("post", f"/api/v1/training-sessions/{pk}/cancel/"),
                        ("post", f"/api/v1/training-sessions/{pk}/resume/"),
                        ("get", f"/api/v1/training-sessions/{pk}/weights/best"),
                        ("get", f"/api/v1/training-sessions/{pk}/weights/last"),
                        ("get", f"/api/v1/training-sessions/{pk}/evaluation/"),
                        ("post", f"/api/v1/training-sessions/{pk}/evaluation/"),
                        ("get", f"/api/v1/training-sessions/{pk}/evaluation/images/0")]:
        r = getattr(other_api, method)(url, {"name": "x"} if method == "patch" else None, format="json")
        assert r.status_code == 404, (method, url, r.status_code)
    assert other_api.get("/api/v1/training-sessions/").json()["count"] == 0
    # Someone else's dataset or session cannot be used either.
    assert start(other_api, coco_dataset["id"]).status_code == 400
    assert _session(pk).status == "queued" and _session(pk).name != "x"
    from django.test import Client

    browser = Client()
    browser.login(username="mallory", password="s3cret-pass-1")
    assert browser.get(f"/training/{pk}/").status_code == 404
    assert browser.get(f"/training/{pk}/evaluation/").status_code == 404


def test_owner_sees_pages_and_weights_404_before_training(api, user, coco_dataset):
    from django.test import Client

    s = start(api, coco_dataset["id"]).json()
    assert api.get(f"/api/v1/training-sessions/{s['id']}/weights/best").status_code == 404
    assert api.get(f"/api/v1/training-sessions/{s['id']}/weights/other").status_code == 404
    log = api.get(f"/api/v1/training-sessions/{s['id']}/log/?lines=5").json()
    assert any("queued" in line for line in log["lines"])
    ev = api.get(f"/api/v1/training-sessions/{s['id']}/evaluation/").json()
    assert ev == {"status": "", "error": "", "result": None, "coco": None}
    # The frozen val ground truth exists from the start; the predictions only once training completes.
    assert api.get(f"/api/v1/training-sessions/{s['id']}/coco/predictions").status_code == 404
    truth = api.get(f"/api/v1/training-sessions/{s['id']}/coco/ground_truth")
    assert truth.status_code == 200 and truth["Content-Disposition"].startswith("attachment")
    gt = json.loads(b"".join(truth.streaming_content))
    assert len(gt["images"]) == s["val_images"] and gt["categories"][0]["sigmas"][0] == 0.026
    assert api.post(f"/api/v1/training-sessions/{s['id']}/evaluation/").status_code == 409
    browser = Client()
    browser.force_login(user)
    for url in ("/training/", f"/training/{s['id']}/", f"/training/{s['id']}/evaluation/"):
        page = browser.get(url)
        assert page.status_code == 200, url
    assert b"vendor/chart.js/chart.umd.min.js" in browser.get(f"/training/{s['id']}/").content
    assert Client().get("/training/").status_code == 302  # login required


def test_schema_lists_every_training_endpoint(api):
    r = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    paths = r.json()["paths"] if r["Content-Type"].startswith("application/vnd.oai.openapi+json") else \
        yaml.safe_load(r.content)["paths"]
    for p in ["/api/v1/training-sessions/", "/api/v1/training-sessions/{id}/", "/api/v1/training-sessions/{id}/epochs/",
              "/api/v1/training-sessions/{id}/log/", "/api/v1/training-sessions/{id}/cancel/",
              "/api/v1/training-sessions/{id}/resume/", "/api/v1/training-sessions/{id}/weights/{kind}",
              "/api/v1/training-sessions/{id}/evaluation/", "/api/v1/training-sessions/{id}/evaluation/images/{index}",
              "/api/v1/training-algorithms/", "/api/v1/training-workers/"]:
        assert p in paths, p
    post = paths["/api/v1/training-sessions/"]["post"]
    assert {"application/json", "multipart/form-data"} <= set(post["requestBody"]["content"])


def test_a_failed_sessions_reason_shows_no_server_paths(api, coco_dataset, settings):
    """The reason of a failure is on the dashboard too: every way a session ends goes through _finish."""
    from training import execution, files
    from training.models import TrainingSession

    s = start(api, coco_dataset["id"]).json()
    work = files.work_dir(s["id"])
    execution._finish(TrainingSession.objects.get(pk=s["id"]), status=TrainingSession.FAILED,
                      error=f"FileNotFoundError: {work}/run/weights/last.pt and {settings.MEDIA_ROOT}/x.pt")
    error = api.get(f"/api/v1/training-sessions/{s['id']}/").json()["error"]
    assert error == "FileNotFoundError: …/run/weights/last.pt and …/x.pt"


def test_the_log_shows_no_server_paths(api, coco_dataset, settings):
    """Regression: the dashboard's console showed every member /work/wt/.../var/work/training/1/run/weights/best.pt."""
    import sys

    from training import files
    from training.models import LogLine

    s = start(api, coco_dataset["id"]).json()
    work = files.work_dir(s["id"])
    base, media, venv = str(settings.BASE_DIR), str(settings.MEDIA_ROOT), sys.prefix
    files.append_log(s["id"], f"Optimizer stripped from {work}/run/weights/best.pt, 6.2MB\n"
                              f"Results saved to {work}/run\n"
                              f'  File "{venv}/lib/site-packages/ultralytics/engine/trainer.py", line 12\n'
                              f"reading {media}/datasets/3/a.jpg and {base}/training/files.py:4")
    # A row stored before redaction existed is redacted when served.
    LogLine.objects.create(session_id=s["id"], text=f"old row: {settings.TRAINING_WORK_DIR}/9/run/x.pt")
    lines = api.get(f"/api/v1/training-sessions/{s['id']}/log/?lines=6").json()["lines"]
    text = "\n".join(lines)
    for secret in (base, media, venv, str(settings.TRAINING_WORK_DIR), str(work)):
        assert secret not in text, (secret, text)
    assert "Optimizer stripped from …/run/weights/best.pt, 6.2MB" in lines
    assert "Results saved to …/run" in lines
    assert "…/datasets/3/a.jpg" in text and "…/training/files.py:4" in text and "old row: …/9/run/x.pt" in lines
    assert "/lib/site-packages/ultralytics/engine/trainer.py" in text
    # Only whole path prefixes go: a path that merely contains a root's text is left as it is.
    assert files.redact(s["id"], f"/elsewhere{base}x/y") == f"/elsewhere{base}x/y"
