"""Uploading images: many files, zips, dedup, splits, and every kind of bad input."""
import io
import zipfile

import pytest
from PIL import Image as PILImage

from datasets.models import Image
from datasets.splits import split_for

from .conftest import jpeg_bytes, upload


def zip_of(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_many_files_in_one_request_are_stored_with_size_and_split(api, dataset):
    files = [(f"img{i}.jpg", jpeg_bytes(64 + i, 48, seed=i)) for i in range(5)]
    r = upload(api, dataset["id"], files)
    assert r.status_code == 201
    created = r.json()["created"]
    assert [c["original_name"] for c in created] == [f"img{i}.jpg" for i in range(5)]
    assert [c["width"] for c in created] == [64, 65, 66, 67, 68]
    assert all(c["height"] == 48 for c in created)
    for c in created:
        assert c["split"] == split_for(c["sha256"], 0.2)
        assert api.get(c["file_url"]).status_code == 200
        thumb = api.get(c["thumbnail_url"])
        assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


def test_same_bytes_are_stored_once_per_dataset(api, dataset):
    data = jpeg_bytes(seed=42)
    assert upload(api, dataset["id"], [("a.jpg", data)]).status_code == 201
    r = upload(api, dataset["id"], [("copy.jpg", data)])
    assert r.status_code == 201
    assert r.json()["created"] == [] and len(r.json()["duplicates"]) == 1
    assert Image.objects.filter(dataset_id=dataset["id"]).count() == 1
    other = api.post("/api/v1/datasets/", {"name": "other"}, format="json").json()
    assert len(upload(api, other["id"], [("a.jpg", data)]).json()["created"]) == 1


def test_zip_of_images_is_expanded(api, dataset):
    r = upload(api, dataset["id"], [("batch.zip", zip_of({
        "dir/one.jpg": jpeg_bytes(seed=1), "two.png": _png(), "readme.txt": b"hi", "__MACOSX/._one.jpg": b"x"}))])
    assert r.status_code == 201, r.json()
    assert sorted(c["original_name"] for c in r.json()["created"]) == ["dir/one.jpg", "two.png"]  # folders kept


def _png() -> bytes:
    buf = io.BytesIO()
    PILImage.new("RGBA", (30, 20), (1, 2, 3, 255)).save(buf, "PNG")
    return buf.getvalue()


def test_exif_rotated_jpeg_reports_the_displayed_size(api, dataset):
    im = PILImage.new("RGB", (80, 40), (10, 20, 30))
    exif = im.getexif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif)
    c = upload(api, dataset["id"], [("rot.jpg", buf.getvalue())]).json()["created"][0]
    assert (c["width"], c["height"]) == (40, 80)


def test_bad_file_in_a_batch_is_reported_and_good_ones_kept(api, dataset):
    good = jpeg_bytes(seed=7)
    truncated = jpeg_bytes(400, 300, seed=8)[:900]
    r = upload(api, dataset["id"], [("good.jpg", good), ("notes.jpg", b"this is text"), ("cut.jpg", truncated)])
    assert r.status_code == 201
    body = r.json()
    assert [c["original_name"] for c in body["created"]] == ["good.jpg"]
    errors = {e["file"]: e["error"] for e in body["errors"]}
    assert errors == {"notes.jpg": "not_an_image", "cut.jpg": "corrupt_image"}
    assert Image.objects.count() == 1


@pytest.mark.parametrize("name,data,code", [
    ("text.jpg", b"definitely not an image", "not_an_image"),
    ("empty.jpg", b"", "empty_file"),
    ("cut.jpg", jpeg_bytes(400, 300, seed=3)[:700], "corrupt_image"),
])
def test_only_bad_files_answer_400_naming_the_field_and_store_nothing(api, dataset, name, data, code, media_root):
    r = upload(api, dataset["id"], [(name, data)])
    assert r.status_code == 400
    body = r.json()
    assert body["field"] == "files" and body["error"] == code and body["errors"][0]["file"] == name
    assert Image.objects.count() == 0
    assert not list(media_root.rglob("*.jpg"))


def test_decompression_bomb_is_refused(api, dataset, settings):
    # A small PNG whose header claims more pixels than Pillow's limit allows.
    buf = io.BytesIO()
    PILImage.new("1", (12000, 12000)).save(buf, "PNG")
    r = upload(api, dataset["id"], [("bomb.png", buf.getvalue())])
    assert r.status_code == 400
    assert r.json()["errors"][0]["error"] == "decompression_bomb"


def test_image_over_the_size_limit_answers_413(api, dataset, settings):
    settings.MAX_IMAGE_BYTES = 2000
    r = upload(api, dataset["id"], [("big.jpg", jpeg_bytes(300, 300, seed=5, quality=100))])
    assert r.status_code == 413
    assert r.json()["errors"][0]["error"] == "file_too_large"
    assert Image.objects.count() == 0


def test_default_limit_is_25_megabytes(settings):
    assert settings.MAX_IMAGE_BYTES == 25 * 1024 * 1024


@pytest.mark.parametrize("entry", ["../evil.jpg", "a/../../evil.jpg", "/abs/evil.jpg"])
def test_zip_with_escaping_paths_is_refused_whole(api, dataset, entry):
    r = upload(api, dataset["id"], [("bad.zip", zip_of({"ok.jpg": jpeg_bytes(seed=1), entry: jpeg_bytes(seed=2)}))])
    assert r.status_code == 400
    assert r.json()["errors"][0]["error"] == "unsafe_path"
    assert Image.objects.count() == 0


def test_zip_bomb_is_refused(api, dataset):
    bomb = zip_of({"huge.jpg": b"\0" * (50 * 1024 * 1024)})
    assert len(bomb) < 100_000
    r = upload(api, dataset["id"], [("bomb.zip", bomb)])
    assert r.status_code == 400
    assert r.json()["errors"][0]["error"] == "zip_bomb"


def test_not_a_zip_is_refused(api, dataset):
    r = upload(api, dataset["id"], [("fake.zip", b"PK\x03\x04 but not really")])
    assert r.status_code == 400 and r.json()["errors"][0]["error"] == "bad_zip"


def test_request_without_files_names_the_field(api, dataset):
    r = api.post(f"/api/v1/datasets/{dataset['id']}/images/", {}, format="multipart")
    assert r.status_code == 400 and r.json()["field"] == "files"


def test_split_is_deterministic_and_follows_the_fraction(api, dataset):
    files = [(f"s{i}.jpg", jpeg_bytes(seed=100 + i)) for i in range(40)]
    created = upload(api, dataset["id"], files).json()["created"]
    splits = {c["sha256"]: c["split"] for c in created}
    assert set(splits.values()) == {"train", "val"}
    r = api.patch(f"/api/v1/datasets/{dataset['id']}/", {"val_fraction": 0.5}, format="json")
    assert r.status_code == 200
    now = dict(Image.objects.values_list("sha256", "split"))
    assert now == {sha: split_for(sha, 0.5) for sha in splits}
    assert api.patch(f"/api/v1/datasets/{dataset['id']}/", {"val_fraction": 1.5}, format="json").json()["field"] == "val_fraction"


def test_same_bytes_twice_in_one_request_are_stored_once(api, dataset):
    data = jpeg_bytes(seed=11)
    r = upload(api, dataset["id"], [("a.jpg", data), ("b.jpg", data), ("c.jpg", jpeg_bytes(seed=12))])
    assert r.status_code == 201
    assert [c["original_name"] for c in r.json()["created"]] == ["a.jpg", "c.jpg"]
    assert [d["original_name"] for d in r.json()["duplicates"]] == ["a.jpg"]
    assert Image.objects.count() == 2


def test_non_image_is_a_400_even_after_ultralytics_patched_pillow(api, dataset):
    import ultralytics.utils.patches  # noqa: F401  replaces PIL.Image.open in this process

    r = upload(api, dataset["id"], [("notes.jpg", b"plain text, not a picture")])
    assert r.status_code == 400 and r.json()["errors"][0]["error"] == "not_an_image"
