"""Autolabel end to end through a real worker: a tiny model trained here and a tiny-weight Sapiens2 deployed,
uploads pre-labelled in the background (suggestions, not labels), the review queue, accepting, "autolabel now"
with a new version, cancelling, a job a dead worker left, and evaluating a deployment on the labels."""
from __future__ import annotations

import pytest

from tests.autolabel_fixtures import coco_template, deploy_custom, deploy_sapiens2
from tests.conftest import upload
from tests.sapiens2_fixtures import person_root  # noqa: F401  (fixture)
from tests.training_fixtures import COCO_IMAGES, import_subset
from tests.yolo_fixtures import tiny_pose_pt  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)
PHOTOS = sorted(COCO_IMAGES.glob("*.jpg"))


@pytest.fixture
def sapiens_env(person_root, monkeypatch, settings):  # noqa: F811
    monkeypatch.setenv("SAPIENS_CHECKPOINT_ROOT", str(person_root))  # the worker inherits it (worker_env)
    settings.SAPIENS_CHECKPOINT_ROOT = str(person_root)
    return person_root


@pytest.fixture
def worker(sapiens_env, celery_worker):
    return celery_worker


def _job(api, pk: int) -> dict:
    return api.get(f"/api/v1/autolabel-jobs/{pk}/").json()


def _finished(api, worker, pk: int, timeout=240) -> dict:
    worker(lambda: _job(api, pk)["status"] in ("done", "failed", "cancelled"), timeout=timeout)
    return _job(api, pk)


def test_uploads_are_prelabelled_reviewed_and_accepted_then_rerun_with_a_new_version(
        api, dataset, tiny_pose_pt, worker):  # noqa: F811
    ds = dataset["id"]
    cls = api.post(f"/api/v1/datasets/{ds}/classes/", coco_template(), format="json").json()
    deployment = deploy_custom(dataset["workspace"], tiny_pose_pt)

    # Choose the model and a threshold, switch "autolabel new uploads" on.
    bad = api.put(f"/api/v1/datasets/{ds}/autolabel/", {"conf": 2}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "conf"
    r = api.put(f"/api/v1/datasets/{ds}/autolabel/", {"deployment": deployment.pk, "conf": 0.01,
                                                       "on_upload": True}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["deployments"] == [{"id": deployment.pk, "name": "tiny", "kind": "custom", "version": 1}]
    # The model's 17 points map one to one onto the COCO-17 template, by name.
    maps = api.get(f"/api/v1/datasets/{ds}/autolabel/mappings/").json()
    assert maps["classes"][0]["model_class"] == "person"
    assert maps["classes"][0]["mapping"] == maps["classes"][0]["template"]

    created = upload(api, ds, [(p.name, p.read_bytes()) for p in PHOTOS[:6]]).json()["created"]
    ids = [im["id"] for im in created]
    jobs = api.get(f"/api/v1/datasets/{ds}/autolabel/jobs/").json()
    assert len(jobs) == 1 and jobs[0]["trigger"] == "upload" and jobs[0]["total"] == 6  # one job for the upload
    job = _finished(api, worker, jobs[0]["id"])
    assert job["status"] == "done", job
    assert (job["done"], job["version"], job["progress"]) == (6, 1, 1.0)
    assert job["suggested"] > 0 and job["instances"] >= job["suggested"]

    progress = api.get(f"/api/v1/datasets/{ds}/progress/").json()
    assert progress["labelled"] == 0  # suggestions are not labels
    queue = api.get(f"/api/v1/datasets/{ds}/review/").json()["results"]
    assert len(queue) == job["suggested"]
    scores = [row["score"] for row in queue]
    assert scores == sorted(scores)  # the least sure first
    head = queue[0]["image"]
    ann = api.get(f"/api/v1/images/{head}/annotations/").json()
    assert ann["suggested_by"] == {"deployment": deployment.pk, "version": 1, "name": "tiny"}
    s = ann["suggestions"][0]
    assert s["class"] == cls["id"] and len(s["keypoints"]) == 17 and len(s["keypoint_scores"]) == 17
    assert min([s["score"]] + [v for v in s["keypoint_scores"] if v is not None]) >= queue[0]["score"]

    accepted = api.post(f"/api/v1/images/{head}/suggestions/accept/", {"version": ann["version"]}, format="json")
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert body["suggestions"] == [] and {i["origin"]["version"] for i in body["instances"]} == {1}
    assert api.get(f"/api/v1/datasets/{ds}/progress/").json()["labelled"] == 1

    # Retrained and redeployed: "Autolabel now" runs the new version over the still unlabelled images only.
    deploy_custom(dataset["workspace"], tiny_pose_pt, deployment=deployment)
    run = api.post(f"/api/v1/datasets/{ds}/autolabel/run/", {}, format="json")
    assert run.status_code == 202, run.content
    assert run.json()["total"] == 5 and run.json()["version"] == 2
    job = _finished(api, worker, run.json()["id"])
    assert job["status"] == "done" and job["done"] == 5
    others = [i for i in ids if i != head]
    versions = {(api.get(f"/api/v1/images/{i}/annotations/").json()["suggested_by"] or {}).get("version")
                for i in others}
    assert versions <= {2, None} and 2 in versions
    assert api.get(f"/api/v1/images/{head}/annotations/").json()["instances"] == body["instances"]  # left alone


def test_sapiens2_suggestions_use_the_308_to_coco17_mapping(api, dataset, worker):
    ds = dataset["id"]
    api.post(f"/api/v1/datasets/{ds}/classes/", coco_template(), format="json")
    deployment = deploy_sapiens2(dataset["workspace"])
    api.put(f"/api/v1/datasets/{ds}/autolabel/", {"deployment": deployment.pk, "conf": 0.0}, format="json")
    maps = api.get(f"/api/v1/datasets/{ds}/autolabel/mappings/").json()
    assert len(maps["model_classes"]["person"]) == 308
    assert maps["classes"][0]["mapping"] == maps["classes"][0]["template"]  # each COCO point found by name
    created = upload(api, ds, [(p.name, p.read_bytes()) for p in PHOTOS[:2]]).json()["created"]
    job = api.post(f"/api/v1/datasets/{ds}/autolabel/run/", {"images": [created[0]["id"]]}, format="json").json()
    job = _finished(api, worker, job["id"], timeout=300)
    assert job["status"] == "done", job
    ann = api.get(f"/api/v1/images/{created[0]['id']}/annotations/").json()
    assert ann["suggested_by"]["name"] == "sapiens2" and len(ann["suggestions"]) >= 1
    s = ann["suggestions"][0]
    assert len(s["keypoints"]) == 17 and all(v is not None for v in s["keypoint_scores"])
    # A person edits the mapping (nose left out): it is stored and used from then on.
    edit = list(maps["classes"][0]["mapping"])
    edit[0] = None
    cid = maps["classes"][0]["class"]
    r = api.put(f"/api/v1/datasets/{ds}/autolabel/mappings/{cid}/", {"model_class": "person", "mapping": edit},
                format="json")
    assert r.status_code == 200 and r.json()["edited"] is True
    wrong = api.put(f"/api/v1/datasets/{ds}/autolabel/mappings/{cid}/", {"model_class": "person",
                                                                         "mapping": ["nose"] * 17}, format="json")
    assert wrong.status_code == 400 and wrong.json()["field"] == "mapping"
    job = api.post(f"/api/v1/datasets/{ds}/autolabel/run/", {"images": [created[1]["id"]]}, format="json").json()
    assert _finished(api, worker, job["id"], timeout=300)["status"] == "done"
    s = api.get(f"/api/v1/images/{created[1]['id']}/annotations/").json()["suggestions"][0]
    assert s["keypoints"][0] == [0.0, 0.0, 0] and s["keypoint_scores"][0] is None


def test_cancel_a_restart_picks_up_a_dead_workers_job_and_evaluate(request, api, dataset, tiny_pose_pt, tmp_path):  # noqa: F811
    from datetime import timedelta

    from django.utils import timezone

    from autolabel.jobs import job_run
    from autolabel.models import AutolabelJob

    ds = dataset["id"]
    import_subset(ds, tmp_path, 8)  # labelled COCO people (a "person" class with the 17 COCO points)
    deployment = deploy_custom(dataset["workspace"], tiny_pose_pt)
    api.put(f"/api/v1/datasets/{ds}/autolabel/", {"deployment": deployment.pk, "conf": 0.01}, format="json")
    created = upload(api, ds, [(p.name, p.read_bytes()) for p in PHOTOS[-4:]]).json()["created"]
    assert len(created) >= 2  # (photos the import brought already are not added twice)

    # No worker yet: a queued job is cancelled at once; a running one stops at the next batch.
    queued = api.post(f"/api/v1/datasets/{ds}/autolabel/run/", {}, format="json").json()
    r = api.post(f"/api/v1/autolabel-jobs/{queued['id']}/cancel/")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    again = api.post(f"/api/v1/autolabel-jobs/{queued['id']}/cancel/")
    assert again.status_code == 409 and again.json()["error"] == "not_active"
    running = api.post(f"/api/v1/datasets/{ds}/autolabel/run/", {}, format="json").json()
    AutolabelJob.objects.filter(pk=running["id"]).update(status="running", cancel_requested=True)
    assert job_run(job_id=running["id"], attempt=1) == "cancelled" and _job(api, running["id"])["done"] == 0
    assert job_run(job_id=running["id"], attempt=1) == "skipped"  # a duplicate delivery claims nothing

    # A job a dead worker left "running" (heartbeat an hour old) is picked up when a worker starts.
    left = api.post(f"/api/v1/datasets/{ds}/autolabel/run/", {}, format="json").json()
    AutolabelJob.objects.filter(pk=left["id"]).update(status="running",
                                                      heartbeat_at=timezone.now() - timedelta(hours=1))
    evaluate = api.post(f"/api/v1/datasets/{ds}/autolabel/evaluate/", {}, format="json")
    assert evaluate.status_code == 202, evaluate.content
    assert evaluate.json()["total"] == 8 and evaluate.json()["kind"] == "evaluate"
    worker = request.getfixturevalue("celery_worker")  # starts now
    job = _finished(api, worker, left["id"])
    assert job["status"] == "done" and job["done"] == left["total"] == len(created), job
    assert AutolabelJob.objects.get(pk=left["id"]).attempt == 2  # requeued once
    figures = _finished(api, worker, evaluate.json()["id"])
    assert figures["status"] == "done", figures
    result = figures["result"]
    assert result["images"] == 8 and result["instances"] > 0
    assert len(result["per_keypoint"]) == 17 and result["per_keypoint"][0]["name"] == "nose"
    assert 0.0 <= result["accept_share"] <= 1.0 and result["accept_share"] == result["pck"]
    assert -1.0 <= result["ap"] <= 1.0 and "pycocotools" in result["method"]["evaluator"]
