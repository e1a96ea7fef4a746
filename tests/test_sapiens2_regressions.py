"""Regressions for the outside check of the Sapiens2 engine (issue 11), through the paths a user takes: the CLI,
`sapiens_pose` on single files, the image reader against OpenCV (what upstream reads with), odd image sizes,
and the defaults. Tiny generated weights (tests/sapiens2_fixtures.py)."""
from __future__ import annotations

import inspect
import json
import math

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from core.devices import resolve_dtype
from deploy.engines.images import as_rgb_uint8, read_rgb
from deploy.engines.sapiens2 import Sapiens2Engine, sapiens_pose
from deploy.engines.sapiens2.__main__ import build_parser
from deploy.engines.sapiens2.__main__ import main as cli_main
from tests.sapiens2_fixtures import nobody_root, person_root, sample_photo

__all__ = ["person_root", "nobody_root"]  # session fixtures, imported so pytest finds them


def strict_json(path):
    """JSON as a strict parser reads it: NaN or Infinity (which json.dumps writes by default) fail."""
    def refuse(token):
        raise AssertionError(f"{path.name} holds {token}, which is not JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


def test_cli_refuses_the_input_folder_as_output_and_leaves_every_file_as_it_was(person_root, tmp_path, capsys):
    folder = tmp_path / "holiday"
    folder.mkdir()
    Image.open(sample_photo()).convert("RGB").resize((160, 98)).save(folder / "beach.jpg")
    (folder / "beach.json").write_text('{"my": "sidecar"}')
    (folder / "clip.mp4").write_bytes(b"the user's video")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    code = cli_main(["--checkpoint-root", str(person_root), "pose", str(folder), str(folder), "--device", "cpu",
                     "--quiet", "--json"])
    assert code == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["error"] == "output_not_allowed" and answer["field"] == "output_dir"
    assert "overwrite" in answer["message"] and str(folder / "sapiens2") in answer["message"]  # says what to do
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before

    code = cli_main(["--checkpoint-root", str(person_root), "pose", str(folder / "beach.jpg"), str(folder / "."),
                     "--device", "cpu", "--quiet"])
    assert code == 1 and "overwrite" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_cli_answers_an_existing_file_as_output_dir_with_exit_1_and_no_traceback(person_root, tmp_path, capsys):
    target = tmp_path / "results"
    target.write_text("keep me")
    code = cli_main(["--checkpoint-root", str(person_root), "pose", str(sample_photo()), str(target), "--device",
                     "cpu", "--quiet"])
    out = capsys.readouterr()
    assert code == 1 and "is an existing file, not a folder" in out.out and "Traceback" not in out.err
    assert target.read_text() == "keep me"


def test_a_single_image_over_the_pixel_limit_is_a_returned_error(person_root, tmp_path, monkeypatch):
    Image.new("RGB", (400, 300), "gray").save(tmp_path / "huge.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 50_000)  # 120,000 pixels: over twice the limit (Pillow raises)
    result = sapiens_pose(str(tmp_path / "huge.png"), str(tmp_path / "out"), device="cpu",
                          checkpoint_root=person_root)
    assert result["status"] == "error" and result["images"] == 0
    [failure] = result["failures"]
    assert failure["error"] == "not_an_image" and "too many pixels" in failure["message"]
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)  # 1.2x the limit: Pillow only warns; refused as well
    again = sapiens_pose(str(tmp_path / "huge.png"), str(tmp_path / "out"), device="cpu", checkpoint_root=person_root)
    assert again["status"] == "error" and "too many pixels" in again["failures"][0]["message"]
    assert not list((tmp_path / "out").glob("huge*"))


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_sixteen_bit_greyscale_over_its_full_range_reads_as_opencv_reads_it(tmp_path, suffix):
    values = np.random.default_rng(0).integers(0, 65536, (37, 53), dtype=np.uint16)
    values[0, :4] = [0, 255, 256, 65535]
    path = tmp_path / f"deep{suffix}"
    assert cv2.imwrite(str(path), values)
    assert Image.open(path).mode == "I;16"
    ours = read_rgb(path)
    upstream = cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)  # Sapiens2's reader
    assert ours.dtype == np.uint8 and ours.shape == (37, 53, 3)
    assert np.array_equal(ours, upstream)
    assert ours[0, :4, 0].tolist() == [0, 0, 1, 255]  # v >> 8: the full 16-bit range onto 0..255, not clipped
    assert np.array_equal(as_rgb_uint8(values), ours)  # arrays take the same rule as files
    assert 100 < ours.mean() < 156  # uniform values: mid-grey on average, not a white sheet


def test_tiny_and_one_pixel_wide_images_give_finite_keypoints_and_valid_json(nobody_root, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    Image.new("RGB", (1, 1), "red").save(folder / "dot.png")
    Image.new("RGB", (1, 300), "red").save(folder / "line.png")
    Image.new("L", (3, 40), 128).save(folder / "sliver.png")
    result = sapiens_pose(str(folder), str(tmp_path / "out"), device="cpu", checkpoint_root=nobody_root)
    assert result["failures"] == [] and result["images"] == 3, result["failures"]
    for name in ("dot", "line", "sliver"):
        payload = strict_json(tmp_path / "out" / f"{name}.json")
        [instance] = payload["instances"]
        assert instance["whole_image"] is True and instance["score"] == 0.0
        flat = [v for point in instance["keypoints"] for v in point] + instance["keypoint_scores"]
        assert len(instance["keypoints"]) == 308 and all(math.isfinite(v) for v in flat)


def test_the_fallback_box_is_marked_and_scores_zero_in_the_engine_contract(nobody_root):
    engine = Sapiens2Engine(nobody_root, "0.4b", "cpu")
    image = np.asarray(Image.open(sample_photo()).convert("RGB"))
    [[person]] = engine.predict([image], conf=0.9)
    answer = person.as_json()
    assert answer["whole_image"] is True and answer["confidence"] == 0.0
    assert (answer["x"], answer["y"]) == (0.0, 0.0)
    assert max(k["confidence"] for k in answer["keypoints"]) > 0  # its keypoints are real estimates
    assert engine.predict([image], conf=0.9) and Sapiens2Engine(nobody_root, "0.4b", "cpu",
                                                                whole_image_fallback=False).predict([image]) == [[]]


def test_defaults_are_upstreams_demo_defaults_on_every_device():
    # Upstream's vis_pose.py: the float32 checkpoint with no autocast, flip test on, bbox 0.3, NMS 0.3, kpt 0.3.
    for device in ("cpu", "cuda:0", "mps"):
        assert resolve_dtype(None, torch.device(device)) == torch.float32
    args = build_parser().parse_args(["pose", "in", "out"])
    assert args.flip_test is True and args.dtype is None
    assert (args.bbox_thres, args.nms_thres, args.kpt_thres) == (0.3, 0.3, 0.3)
    library = inspect.signature(sapiens_pose).parameters
    assert library["flip_test"].default is True and library["dtype"].default is None
    assert library["bbox_thres"].default == 0.3 and library["nms_thres"].default == 0.3
    assert inspect.signature(Sapiens2Engine).parameters["flip_test"].default is True


def test_paths_the_system_refuses_are_returned_errors_not_exceptions(person_root, tmp_path):
    too_long = "x" * 5000  # over NAME_MAX: stat() itself fails with ENAMETOOLONG
    for source, target in ((tmp_path / too_long, tmp_path / "out"), (sample_photo(), tmp_path / too_long)):
        result = sapiens_pose(str(source), str(target), device="cpu", checkpoint_root=person_root)
        assert result["status"] == "error" and result["error"] == "io_error"
        assert "too long" in result["message"].lower() and result["content"][0]["text"] == result["message"]
