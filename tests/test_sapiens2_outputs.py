"""Sapiens2 library: what it writes, where, and how it answers bad inputs and outputs (the outside check's
findings), on tiny generated weights."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from PIL import Image

from deploy.engines.cache import default_cache
from deploy.engines.sapiens2 import Sapiens2Engine, sapiens_pose
from deploy.engines.sapiens2.media import output_stems
from tests.sapiens2_fixtures import make_checkpoint_root, person_root, sample_photo

__all__ = ["person_root"]  # a session fixture, imported so pytest finds it


def small_photo(size=(160, 98)) -> Image.Image:
    return Image.open(sample_photo()).convert("RGB").resize(size)


def test_an_output_folder_equal_to_the_input_folder_is_refused_and_nothing_is_touched(person_root, tmp_path):
    folder = tmp_path / "pictures"
    folder.mkdir()
    small_photo().save(folder / "holiday.jpg")
    (folder / "holiday.json").write_text('{"mine": true}')  # the user's own sidecar
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    for output in (folder, tmp_path / "pictures" / "." , str(folder) + os.sep):
        result = sapiens_pose(str(folder), str(output), device="cpu", checkpoint_root=person_root)
        assert result["status"] == "error" and result["error"] == "output_not_allowed"
        assert result["field"] == "output_dir" and "overwrite" in result["message"]
    # A single file whose own folder is the output folder is refused the same way.
    result = sapiens_pose(str(folder / "holiday.jpg"), str(folder), device="cpu", checkpoint_root=person_root)
    assert result["status"] == "error" and result["error"] == "output_not_allowed"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    # A folder inside the input folder is fine (inputs are the files directly in the folder).
    result = sapiens_pose(str(folder), str(folder / "sapiens2"), device="cpu", checkpoint_root=person_root)
    assert result["status"] == "success" and (folder / "sapiens2" / "holiday.json").is_file()
    assert (folder / "holiday.json").read_text() == '{"mine": true}'


def test_an_existing_file_as_output_dir_is_a_returned_error(person_root, tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("a file")
    result = sapiens_pose(str(sample_photo()), str(blocker), device="cpu", checkpoint_root=person_root)
    assert result["status"] == "error" and result["error"] == "output_not_allowed"
    assert "existing file" in result["message"] and blocker.read_text() == "a file"


def test_names_differing_only_in_case_get_their_own_results(person_root, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    small_photo().save(folder / "a.jpg")
    small_photo().transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(folder / "a.JPG")
    if len(list(folder.iterdir())) == 1:
        pytest.skip("this filesystem is case-insensitive: a.jpg and a.JPG are one file")
    result = sapiens_pose(str(folder), str(tmp_path / "out"), device="cpu", checkpoint_root=person_root)
    assert result["status"] == "success" and result["images"] == 2
    jsons = sorted((tmp_path / "out").glob("*.json"))
    assert len(jsons) == 2 and len({p.name.casefold() for p in jsons}) == 2
    written = {json.loads(p.read_text())["image"] for p in jsons}
    assert written == {"a.jpg", "a.JPG"}


def test_output_names_stay_unique_when_folded_to_one_case():
    from pathlib import Path

    files = [Path(n) for n in ("A.JPG", "a.jpg", "a.png", "a_jpg.png", "b.jpg")]
    stems = output_stems(files)
    assert len({s.casefold() for s in stems.values()}) == len(files)
    assert stems[Path("b.jpg")] == "b" and stems[Path("a.png")] == "a_png"


def test_an_image_over_the_pixel_limit_fails_alone_and_the_folder_goes_on(person_root, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    small_photo((160, 98)).save(folder / "fine.jpg")
    Image.new("RGB", (400, 300), "gray").save(folder / "huge.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)  # huge.png: 120,000 pixels; fine.jpg: 15,680
    result = sapiens_pose(str(folder), str(tmp_path / "out"), device="cpu", checkpoint_root=person_root)
    assert result["status"] == "success" and result["images"] == 1
    [failure] = result["failures"]
    assert failure["input"].endswith("huge.png") and failure["error"] == "not_an_image"
    assert "too many pixels" in failure["message"]
    assert (tmp_path / "out" / "fine.json").is_file() and not (tmp_path / "out" / "huge.json").exists()


def test_a_16_bit_greyscale_png_is_posed_from_its_real_values(person_root, tmp_path):
    grey = np.asarray(small_photo((192, 144)).convert("L"), dtype=np.uint16) * 257  # 8-bit values, 16-bit file
    Image.fromarray(grey).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode == "I;16"
    Image.fromarray((grey >> 8).astype(np.uint8)).save(tmp_path / "plain.png")
    deep = sapiens_pose(str(tmp_path / "deep.png"), str(tmp_path / "a"), device="cpu", checkpoint_root=person_root)
    plain = sapiens_pose(str(tmp_path / "plain.png"), str(tmp_path / "b"), device="cpu", checkpoint_root=person_root)
    assert deep["status"] == plain["status"] == "success"
    # Same pixels as its 8-bit copy, so the same keypoints; read as white it would give others.
    a = json.loads((tmp_path / "a" / "deep.json").read_text())["instances"][0]
    b = json.loads((tmp_path / "b" / "plain.json").read_text())["instances"][0]
    assert a["keypoints"] == b["keypoints"]
    overlay = np.asarray(Image.open(tmp_path / "a" / "deep.jpg").convert("L"), dtype=float)
    assert overlay.mean() < 200  # the photo, not a white sheet


def test_the_library_reuses_its_engine_and_reloads_replaced_weights(tmp_path):
    root = make_checkpoint_root(tmp_path / "root", person_box=(0.5, 0.5, 0.4, 0.8))
    cache = default_cache()
    photo = str(sample_photo())
    first = sapiens_pose(photo, str(tmp_path / "o1"), device="cpu", checkpoint_root=root)
    key = Sapiens2Engine.cache_key(root, "0.4b", "cpu")
    engine = cache.peek(key)
    assert first["status"] == "success" and engine is not None
    hits = cache.stats()["hits"]
    sapiens_pose(photo, str(tmp_path / "o2"), device="cpu", checkpoint_root=root)
    assert cache.stats()["hits"] == hits + 1 and cache.peek(key) is engine
    # New weights in place of the old file: a new key, and the old engine leaves the cache.
    from tests.sapiens2_fixtures import write_pose_checkpoint

    pose_file = root / "pose" / "sapiens2_0.4b_pose.safetensors"
    stamp = pose_file.stat().st_mtime_ns
    write_pose_checkpoint(pose_file, seed=1)
    os.utime(pose_file, ns=(stamp + 10**9, stamp + 10**9))
    third = sapiens_pose(photo, str(tmp_path / "o3"), device="cpu", checkpoint_root=root)
    assert third["status"] == "success"
    assert cache.peek(key) is None and cache.peek(Sapiens2Engine.cache_key(root, "0.4b", "cpu")) is not engine
    changed = json.loads(next((tmp_path / "o3").glob("*.json")).read_text())["instances"][0]["keypoints"]
    before = json.loads(next((tmp_path / "o1").glob("*.json")).read_text())["instances"][0]["keypoints"]
    assert changed != before
    cache.evict_path(pose_file)
