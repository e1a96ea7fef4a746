"""One storage layer: every image, thumbnail, rendition, snapshot and weights file goes through Django's storage
API, so a non-local store is a setting; pictures browsers cannot show get a rendition; concurrent uploads of
one new picture both succeed."""
from __future__ import annotations

import io
import threading

import numpy as np
import pytest
from PIL import Image as PILImage

from .conftest import SAMPLES_DIR, _client_for, jpeg_bytes, upload

TIFF = SAMPLES_DIR / "cases" / "tiff-blank-in-labeler"


def _picture(response) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(b"".join(response.streaming_content))).convert("RGB"))


def test_tiff_and_16_bit_pictures_get_a_browser_rendition_of_the_same_size(api, dataset):
    r = upload(api, dataset["id"], [("rgb8.tif", (TIFF / "rgb8.tif").read_bytes()),
                                    ("gray16_ramp.tif", (TIFF / "gray16_ramp.tif").read_bytes())])
    assert r.status_code == 201, r.content
    images = {i["original_name"]: i for i in r.json()["created"]}
    for image in images.values():
        assert (image["width"], image["height"]) == (128, 96)
        shown = api.get(image["display_url"])
        assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
        # Training and export keep the original bytes.
        original = api.get(image["file_url"])
        assert b"".join(original.streaming_content)[:4] == b"II*\x00"
    green = _picture(api.get(images["rgb8.tif"]["display_url"]))
    assert green.shape == (96, 128, 3) and tuple(green.mean(axis=(0, 1)).round()) == (30, 150, 60)
    ramp = _picture(api.get(images["gray16_ramp.tif"]["display_url"]))[:, :, 0].mean(axis=0)
    assert ramp[0] < 10 and ramp[-1] > 245 and np.all(np.diff(ramp) >= 0)  # dark to bright, not white
    thumb = _picture(api.get(images["gray16_ramp.tif"]["thumbnail_url"]))[:, :, 0].mean(axis=0)
    assert thumb[0] < 20 and thumb[-1] > 235
    # A JPEG needs no rendition: the display URL serves the original.
    jpg = upload(api, dataset["id"], [("a.jpg", jpeg_bytes(seed=9))]).json()["created"][0]
    assert api.get(jpg["display_url"])["Content-Type"] == "image/jpeg"


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_of_one_new_picture_all_succeed(user, dataset):
    data = jpeg_bytes(320, 240, seed=77)
    results, barrier = [], threading.Barrier(8)

    def send():
        from django.db import connection

        try:
            client = _client_for(user)
            barrier.wait()
            results.append(upload(client, dataset["id"], [("same.jpg", data)]))
        finally:
            connection.close()  # the thread's own connection: PostgreSQL refuses to drop a test database in use

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [201] * 8, [r.content for r in results if r.status_code != 201]
    ids = {(r.json()["created"] + r.json()["duplicates"])[0]["id"] for r in results}
    assert len(ids) == 1
    from datasets.models import Image

    image = Image.objects.get()
    from config import storage

    assert storage.read_bytes(image.file.name) == data


@pytest.fixture
def memory_storage(settings):
    """A storage with no local paths at all (Django's in-memory one), standing in for an S3-compatible store."""
    # Django's setting_changed handler rebuilds the lazy default storage from the new setting.
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


def test_everything_works_on_a_storage_without_local_paths(api, dataset, memory_storage, media_root):
    """Upload, thumbnails, renditions, labels, YOLO export and the training snapshot a worker builds: no code path
    may assume the files are on this machine's disk."""
    r = upload(api, dataset["id"], [(f"p{i}.jpg", jpeg_bytes(96, 64, seed=i)) for i in range(4)]
               + [("rgb8.tif", (TIFF / "rgb8.tif").read_bytes())])
    assert r.status_code == 201
    images = r.json()["created"]
    assert api.get(images[-1]["display_url"])["Content-Type"] == "image/png"
    assert not [p for p in media_root.rglob("*") if p.is_file()]  # nothing went to disk behind the storage's back
    cls = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {"name": "p", "keypoints": [{"name": "a"}]},
                   format="json").json()
    for image in images:
        assert api.put(f"/api/v1/images/{image['id']}/annotations/", {"version": 0, "instances": [
            {"class": cls["id"], "bbox": [2, 2, 20, 20], "keypoints": [[5, 5, 2]]}]}, format="json").status_code == 200
    exported = api.get(f"/api/v1/datasets/{dataset['id']}/export/?format=yolo")
    assert exported.status_code == 200
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(b"".join(exported.streaming_content))).namelist()
    assert sum(n.startswith("images/") for n in names) == 5
    session = api.post("/api/v1/training-sessions/", {"dataset": dataset["id"], "epochs": 1, "imgsz": 64},
                       format="json")
    assert session.status_code == 201, session.content
    from training import files
    from training.snapshot import materialize

    data_yaml = materialize(session.json()["id"])
    assert data_yaml.is_relative_to(files.work_dir(session.json()["id"]))
    assert len(list((data_yaml.parent / "images").rglob("*.*"))) == 5
