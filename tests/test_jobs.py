"""Imports and exports of any size as background jobs on a real worker; YOLO import; what an import stores
differently from the file is said per item."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from .conftest import SAMPLES_DIR, jpeg_bytes, upload

ANIMALS = SAMPLES_DIR / "animalpose"


def _zip(entries: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def animal_zip() -> bytes:
    return _zip({"coco/annotations.json": (ANIMALS / "test_animalpose.json").read_bytes(),
                 "coco/ca110.jpeg": (ANIMALS / "ca110.jpeg").read_bytes(),
                 "coco/ho105.jpeg": (ANIMALS / "ho105.jpeg").read_bytes()})


def _job(api, job_id):
    return api.get(f"/api/v1/jobs/{job_id}/").json()


@pytest.mark.worker
def test_import_and_export_jobs_run_on_a_worker_with_progress_and_a_download(api, dataset, celery_worker):
    r = api.post(f"/api/v1/datasets/{dataset['id']}/imports/",
                 {"file": SimpleUploadedFile("animals.zip", animal_zip())}, format="multipart")
    assert r.status_code == 202, r.content
    job = r.json()
    assert job["status"] == "queued" and job["kind"] == "import" and job["file"] == "animals.zip"
    celery_worker(lambda: _job(api, job["id"])["status"] in ("done", "failed"))
    done = _job(api, job["id"])
    assert done["status"] == "done" and done["progress"] == 1.0, done
    assert done["result"]["images_created"] == 2 and done["result"]["instances"] == 2
    assert api.get(f"/api/v1/datasets/{dataset['id']}/progress/").json()["labelled"] == 2

    r = api.post(f"/api/v1/datasets/{dataset['id']}/exports/", {"format": "yolo"}, format="json")
    assert r.status_code == 202
    export = r.json()
    assert api.get(f"/api/v1/jobs/{export['id']}/download").status_code == 404  # not yet
    celery_worker(lambda: _job(api, export["id"])["status"] in ("done", "failed"))
    finished = _job(api, export["id"])
    assert finished["status"] == "done" and finished["result"]["images"] == 2, finished
    download = api.get(finished["download_url"])
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert "data.yaml" in names and sum(n.startswith("labels/") for n in names) == 2

    bad = api.post(f"/api/v1/datasets/{dataset['id']}/imports/",
                   {"file": SimpleUploadedFile("b.zip", _zip({"a.json": b"{not json"}))}, format="multipart").json()
    celery_worker(lambda: _job(api, bad["id"])["status"] in ("done", "failed"))
    failed = _job(api, bad["id"])
    assert failed["status"] == "failed" and failed["error"]["field"] == "file" and failed["error"]["error"] == "invalid"
    listed = [j["id"] for j in api.get(f"/api/v1/datasets/{dataset['id']}/jobs/").json()]
    assert listed[:3] == [bad["id"], export["id"], job["id"]]


@pytest.mark.worker
def test_a_job_whose_message_was_lost_is_sent_again_and_runs_once(api, dataset, celery_worker):
    from datasets.jobs import jobs_requeue_stale
    from datasets.models import Job

    job = Job.objects.create(workspace_id=dataset["workspace"], dataset_id=dataset["id"], kind="export",
                             format="coco", heartbeat_at=timezone.now() - timedelta(hours=1))
    upload(api, dataset["id"], [("a.jpg", jpeg_bytes(seed=1))])
    from datasets.models import Image

    image = Image.objects.get()
    cls = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {"name": "p", "keypoints": [{"name": "a"}]},
                   format="json").json()
    api.put(f"/api/v1/images/{image.pk}/annotations/", {"version": 0, "instances": [
        {"class": cls["id"], "bbox": [1, 1, 10, 10], "keypoints": [[2, 2, 2]]}]}, format="json")
    assert jobs_requeue_stale() == 1  # never claimed: its message is gone
    celery_worker(lambda: Job.objects.get(pk=job.pk).status == "done")
    job.refresh_from_db()
    assert job.attempt == 2 and job.result["images"] == 1


def test_a_queued_job_can_be_cancelled_and_a_stale_delivery_does_nothing(api, dataset):
    from datasets.jobs import job_run

    job = api.post(f"/api/v1/datasets/{dataset['id']}/imports/",
                   {"file": SimpleUploadedFile("a.zip", animal_zip())}, format="multipart").json()
    cancelled = api.post(f"/api/v1/jobs/{job['id']}/cancel/").json()
    assert cancelled["status"] == "cancelled"
    assert job_run(job_id=job["id"], attempt=1) is None  # the worker's delivery finds nothing to claim
    assert api.get(f"/api/v1/datasets/{dataset['id']}/progress/").json()["total"] == 0
    again = api.post(f"/api/v1/jobs/{job['id']}/cancel/")
    assert again.status_code == 400 and again.json()["error"] == "job_not_active"


def test_an_export_job_of_nothing_labelled_is_refused_at_once(api, dataset):
    api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {"name": "p", "keypoints": [{"name": "a"}]}, format="json")
    r = api.post(f"/api/v1/datasets/{dataset['id']}/exports/", {"format": "coco"}, format="json")
    assert r.status_code == 400 and r.json()["error"] == "nothing_labelled"


def test_jobs_of_another_workspace_are_not_found(api, other_api, dataset):
    job = api.post(f"/api/v1/datasets/{dataset['id']}/imports/",
                   {"file": SimpleUploadedFile("a.zip", animal_zip())}, format="multipart").json()
    for call in (other_api.get(f"/api/v1/jobs/{job['id']}/"), other_api.post(f"/api/v1/jobs/{job['id']}/cancel/"),
                 other_api.get(f"/api/v1/jobs/{job['id']}/download"),
                 other_api.get(f"/api/v1/datasets/{dataset['id']}/jobs/")):
        assert call.status_code == 404


def test_yolo_export_imports_back_with_the_same_instances(api, dataset):
    src = SAMPLES_DIR / "coco"
    blob = _zip({"a.json": (src / "test_coco.json").read_bytes(),
                 **{p.name: p.read_bytes() for p in src.glob("*.jpg")}})
    assert api.post(f"/api/v1/datasets/{dataset['id']}/import-coco/", {"file": SimpleUploadedFile("a.zip", blob)},
                    format="multipart").status_code == 201
    yolo = b"".join(api.get(f"/api/v1/datasets/{dataset['id']}/export/?format=yolo").streaming_content)
    other = api.post("/api/v1/datasets/", {"name": "again"}, format="json").json()
    r = api.post(f"/api/v1/datasets/{other['id']}/import-yolo/", {"file": SimpleUploadedFile("y.zip", yolo)},
                 format="multipart")
    assert r.status_code == 201, r.content
    assert r.json()["instances"] == 14 and r.json()["images_created"] == 4

    def people(ds_id):
        coco = json.loads(b"".join(api.get(f"/api/v1/datasets/{ds_id}/export/?format=coco").streaming_content))
        names = {i["id"]: i["file_name"] for i in coco["images"]}
        return sorted((names[a["image_id"]], [round(v) for v in a["bbox"]], [round(v) for v in a["keypoints"]])
                      for a in coco["annotations"] if not a["iscrowd"])

    assert people(other["id"]) == people(dataset["id"])
    cls = api.get(f"/api/v1/datasets/{other['id']}/classes/").json()[0]
    assert cls["flip_pairs"] and len(cls["keypoints"]) == 17
    # The new class's template is the average pose of its instances: the nose above the ankles.
    kps = {k["name"]: k for k in cls["keypoints"]}
    assert kps["nose"]["y"] < kps["left_ankle"]["y"]


def test_one_picture_listed_twice_and_a_size_that_disagrees_are_said(api, dataset):
    coco = {"images": [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48},
                       {"id": 2, "file_name": "copy_of_a.jpg", "width": 64, "height": 48},
                       {"id": 3, "file_name": "b.jpg", "width": 50, "height": 50}],
            "annotations": [
                {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 10, 10], "keypoints": [2, 2, 2]},
                {"id": 2, "image_id": 2, "category_id": 1, "bbox": [20, 20, 10, 10], "keypoints": [22, 22, 2]},
                {"id": 3, "image_id": 3, "category_id": 1, "bbox": [1, 1, 10, 10], "keypoints": [2, 2, 2]}],
            "categories": [{"id": 1, "name": "dot", "keypoints": ["p"], "skeleton": []}]}
    same = jpeg_bytes(64, 48, seed=1)
    blob = _zip({"a.json": json.dumps(coco), "a.jpg": same, "copy_of_a.jpg": same, "b.jpg": jpeg_bytes(64, 48, seed=2)})
    r = api.post(f"/api/v1/datasets/{dataset['id']}/import-coco/", {"file": SimpleUploadedFile("a.zip", blob)},
                 format="multipart")
    assert r.status_code == 201, r.content
    codes = {w["code"]: w for w in r.json()["warnings"]}
    assert "copy_of_a.jpg" in codes["same_picture"]["message"]
    assert codes["size_differs"]["item"] == "b.jpg" and "50x50" in codes["size_differs"]["message"]
    images = api.get(f"/api/v1/datasets/{dataset['id']}/images/").json()["results"]
    assert len(images) == 2
    merged = next(i for i in images if i["original_name"] == "a.jpg")
    ann = api.get(f"/api/v1/images/{merged['id']}/annotations/").json()
    assert sorted(i["bbox"] for i in ann["instances"]) == [[1, 1, 10, 10], [20, 20, 10, 10]]  # nothing lost
