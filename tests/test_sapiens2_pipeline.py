"""The whole Sapiens2 pipeline on tiny official-format checkpoints: library, engine, CLI, video, batching."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from deploy.engines.sapiens2 import Sapiens2Engine, sapiens_pose
from deploy.engines.sapiens2.__main__ import main as cli_main
from deploy.engines.sapiens2.crops import crop_people
from deploy.engines.sapiens2.media import write_image
from tests.sapiens2_fixtures import PERSON_BOX, nobody_root, person_root, sample_photo

__all__ = ["nobody_root", "person_root"]  # session fixtures, imported so pytest finds them

REPO = Path(__file__).resolve().parent.parent
API = "transformers.Sapiens2ForPoseEstimation"


def expected_person_box(width: int, height: int) -> list[float]:
    cx, cy, w, h = PERSON_BOX
    return [(cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height]


def check_instance_schema(instance: dict) -> None:
    assert set(instance) == {"bbox", "score", "whole_image", "keypoints", "keypoint_scores"}
    assert len(instance["bbox"]) == 4 and isinstance(instance["score"], float)
    assert len(instance["keypoints"]) == 308 and all(len(p) == 2 for p in instance["keypoints"])
    assert len(instance["keypoint_scores"]) == 308
    assert np.isfinite(np.array(instance["keypoints"])).all() and np.isfinite(instance["keypoint_scores"]).all()


@pytest.fixture(scope="module")
def engine(person_root):
    return Sapiens2Engine(person_root, "0.4b", "cpu")


def test_photo_gives_overlay_and_json_with_308_keypoints_per_person(person_root, tmp_path):
    photo = sample_photo()
    width, height = Image.open(photo).size
    result = sapiens_pose(str(photo), str(tmp_path), "0.4b", "cuda:0", checkpoint_root=person_root)

    assert result["status"] == "success", result["content"][0]["text"]
    assert result["api"].startswith(API) and result["content"][1]["json"]["api"] == result["api"]
    assert result["images"] == 1 and result["instances"] == 1
    if torch.cuda.is_available():
        assert result["device"] == "cuda:0"
    else:
        assert result["device"] == "cpu"
        assert any("CUDA was requested" in w for w in result["warnings"])
        assert "s per person in float32" in result["content"][0]["text"] and "GPU worker" in result["content"][0]["text"]

    payload = json.loads((tmp_path / f"{photo.stem}.json").read_text())
    assert (payload["width"], payload["height"]) == (width, height)
    [instance] = payload["instances"]
    check_instance_schema(instance)
    np.testing.assert_allclose(instance["bbox"], expected_person_box(width, height), atol=0.05)
    assert instance["score"] > 0.99 and instance["whole_image"] is False  # the fixture detector's person
    assert result["flip_test"] is True and result["dtype"] == "float32"  # upstream's defaults

    overlay = np.asarray(Image.open(tmp_path / f"{photo.stem}.jpg").convert("RGB")).astype(int)
    original = np.asarray(Image.open(photo).convert("RGB")).astype(int)
    assert overlay.shape == original.shape
    assert (np.abs(overlay - original).max(axis=2) > 60).sum() > 100  # skeleton and points were drawn


def test_overlay_draws_only_points_above_the_threshold(person_root, tmp_path):
    photo = sample_photo()
    none_drawn = sapiens_pose(str(photo), str(tmp_path / "a"), device="cpu", kpt_thres=1e9, checkpoint_root=person_root)
    assert none_drawn["status"] == "success"
    write_image(tmp_path / "plain.jpg", np.array(Image.open(photo).convert("RGB")))  # same encoder, nothing drawn
    assert (tmp_path / "a" / f"{photo.stem}.jpg").read_bytes() == (tmp_path / "plain.jpg").read_bytes()


def test_whole_image_is_one_box_when_nobody_is_detected(nobody_root, tmp_path):
    photo = sample_photo()
    width, height = Image.open(photo).size
    result = sapiens_pose(str(photo), str(tmp_path), device="cpu", checkpoint_root=nobody_root)
    assert result["status"] == "success"
    [instance] = json.loads((tmp_path / f"{photo.stem}.json").read_text())["instances"]
    check_instance_schema(instance)
    assert instance["bbox"] == [0.0, 0.0, float(width - 1), float(height - 1)]
    # Marked as the fallback, and no detector score: it must not read like a confident detection.
    assert instance["whole_image"] is True and instance["score"] == 0.0
    assert max(instance["keypoint_scores"]) > 0  # the keypoints themselves are still estimated
    assert result["whole_image_instances"] == 1


def test_a_folder_of_images_gives_one_overlay_and_json_each_without_name_clashes(person_root, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    image = Image.open(sample_photo()).convert("RGB").resize((320, 196))
    image.save(folder / "a.jpg")
    image.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(folder / "a.png")
    (folder / "notes.txt").write_text("not an image")
    result = sapiens_pose(str(folder), str(tmp_path / "out"), device="cpu", checkpoint_root=person_root)
    assert result["status"] == "success" and result["images"] == 2 and not result["failures"]
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["a_jpg.jpg", "a_jpg.json", "a_png.jpg", "a_png.json"]


def write_video(path: Path, frames: int, size=(240, 147)) -> None:
    base = np.asarray(Image.open(sample_photo()).convert("RGB").resize(size))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 5, size)
    for i in range(frames):
        writer.write(cv2.cvtColor(np.roll(base, 4 * i, axis=1), cv2.COLOR_RGB2BGR))
    writer.release()


def test_video_gives_annotated_video_and_json_per_frame_with_one_pose_batch_per_frame(person_root, tmp_path):
    from deploy.engines.cache import default_cache

    video = tmp_path / "clip.mp4"
    write_video(video, frames=3)
    key = Sapiens2Engine.cache_key(person_root, "0.4b", "cpu")
    network = default_cache().load(key, lambda: Sapiens2Engine(person_root, "0.4b", "cpu")).pose_model.network
    batches = []
    hook = network.register_forward_hook(lambda module, args, kwargs_out: batches.append(
        kwargs_out.heatmaps.shape[0]))
    try:
        result = sapiens_pose(str(video), str(tmp_path / "out"), device="cpu", checkpoint_root=person_root)
    finally:
        hook.remove()
    assert result["status"] == "success", result["content"][0]["text"]
    assert result["videos"] == 1 and result["frames"] == 3
    assert batches == [2, 2, 2]  # one forward pass per frame: the person's crop and its mirror (flip test)

    capture = cv2.VideoCapture(str(tmp_path / "out" / "clip.mp4"))
    frames = 0
    while capture.read()[0]:
        frames += 1
    capture.release()
    assert frames == 3
    jsons = sorted((tmp_path / "out" / "clip_frames").glob("*.json"))
    assert [p.name for p in jsons] == ["frame_000000.json", "frame_000001.json", "frame_000002.json"]
    for index, path in enumerate(jsons):
        payload = json.loads(path.read_text())
        assert payload["frame"] == index
        [instance] = payload["instances"]
        check_instance_schema(instance)


def test_all_crops_of_an_image_go_through_one_forward_pass_with_the_same_results(engine):
    image = np.array(Image.open(sample_photo()).convert("RGB"))
    boxes = np.array([[20, 30, 180, 380], [200, 60, 330, 370], [400, 40, 620, 390]], dtype=np.float32)
    batches = []
    hook = engine.pose_model.network.register_forward_hook(
        lambda module, args, out: batches.append(out.heatmaps.shape[0]))
    try:
        together = engine.pipeline.estimate(image, boxes, np.ones(3), flip_test=False)
        alone = [engine.pipeline.estimate(image, box[None], np.ones(1), flip_test=False)[0] for box in boxes]
        flipped = engine.pipeline.estimate(image, boxes, np.ones(3))  # the engine's default: flip test on
    finally:
        hook.remove()
    assert batches == [3, 1, 1, 1, 6]  # the flip test rides in the same pass: 3 crops and their 3 mirrors
    assert len(together) == 3 and len(flipped) == 3
    for batched, single in zip(together, alone):
        np.testing.assert_allclose(batched.keypoints, single.keypoints, atol=1e-2)
        np.testing.assert_allclose(batched.keypoint_scores, single.keypoint_scores, atol=1e-4)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_flip_test_averages_with_the_transformers_mirrored_pass_in_one_batch(person_root, dtype):
    from deploy.engines.sapiens2.keypoints import goliath

    engine = Sapiens2Engine(person_root, "0.4b", "cpu", flip_test=True, dtype=dtype)
    assert engine.pose_model.network.dtype == getattr(torch, dtype)
    image = np.array(Image.open(sample_photo()).convert("RGB"))
    crops, _, _ = crop_people(image, np.array([[20, 30, 180, 380], [200, 60, 330, 370]], np.float32), (1024, 768))
    pixels = engine.pose_model.prepare(crops)
    network = engine.pose_model.network
    batches = []
    hook = network.register_forward_hook(lambda module, args, out: batches.append(out.heatmaps.shape[0]))
    try:
        ours = engine.pose_model.heatmaps(pixels, flip_test=True)
    finally:
        hook.remove()
    assert batches == [4]  # both crops and their mirror images in a single pass
    with torch.inference_mode():
        plain = network(pixel_values=pixels).heatmaps
        mirrored = network(pixel_values=pixels.flip(-1), flip_pairs=torch.tensor(goliath().flip_pairs)).heatmaps
    assert ours.dtype == torch.float32  # decoded in float32 whatever the network runs in
    # bf16 kernels may round differently for a batch of 4 than for two batches of 2: one bf16 step apart.
    tolerance = 1e-4 if dtype == "float32" else 2e-2
    torch.testing.assert_close(ours, (plain.float() + mirrored.float()) / 2, atol=tolerance, rtol=tolerance)


def test_engine_predict_answers_the_detect_contract(engine):
    from deploy.engines.types import Engine

    assert isinstance(engine, Engine)
    assert engine.class_names == ("person",) and len(engine.keypoint_names["person"]) == 308
    image = Image.open(sample_photo())
    width, height = image.size
    [[person]] = engine.predict([image], conf=0.25, iou=0.45)
    body = person.as_json()
    assert set(body) == {"class", "confidence", "x", "y", "width", "height", "keypoints"}
    assert body["class"] == "person" and 0.99 < body["confidence"] <= 1
    x1, y1, x2, y2 = expected_person_box(width, height)
    np.testing.assert_allclose([body["x"], body["y"], body["width"], body["height"]],
                               [x1, y1, x2 - x1, y2 - y1], atol=0.05)
    assert [k["name"] for k in body["keypoints"]] == list(engine.keypoint_names["person"])
    assert len(body["keypoints"]) == 308 and body["keypoints"][0]["name"] == "nose"
    assert all(isinstance(k[f], float) for k in body["keypoints"] for f in ("x", "y", "confidence"))
    json.dumps(body)  # plain JSON types only
    # kpt_thres keeps every keypoint listed; it only decides which count as visible.
    scores = person.keypoints_array()[:, 2]
    thres = float(np.median(scores))
    [[same]] = engine.predict([image], kpt_thres=thres)
    assert same.as_json() == body and same.kpt_thres == thres  # all 308 listed, with their confidences
    assert same.visible() == [s >= thres for s in scores] and 0 < sum(same.visible()) < 308
    assert sum(v == 2 for _, _, v in same.keypoints_xyv()) == sum(same.visible())
    # A batch answers one list per image; arrays are taken as RGB and give the same answer as the PIL image.
    batch = engine.predict([image, np.array(image.convert("RGB"))])
    assert len(batch) == 2 and [i.as_json() for i in batch[1]] == [body]


def test_without_a_detection_predict_marks_the_whole_image_box(engine):
    image = Image.open(sample_photo())
    width, height = image.size
    [[fallback]] = engine.predict([image], conf=0.9999)  # above the fixture detector's person score
    body = fallback.as_json()
    assert (body["x"], body["y"], body["width"], body["height"]) == (0, 0, width - 1, height - 1)
    assert body["whole_image"] is True and body["confidence"] == 0.0
    assert engine.pose(image, 0.9999, 0.3, fallback=False) == []


def test_predict_takes_a_list_and_checks_its_thresholds(engine):
    from core.errors import InvalidInput

    image = np.array(Image.open(sample_photo()).convert("RGB"))
    with pytest.raises(InvalidInput, match="list of images"):
        engine.predict(image)
    with pytest.raises(InvalidInput) as caught:
        engine.predict([image], conf=1.5)
    assert caught.value.field == "conf"


def test_cli_info_and_pose(person_root, tmp_path, capsys):
    env = {**os.environ, "SAPIENS_CHECKPOINT_ROOT": str(person_root)}
    done = subprocess.run([sys.executable, "-m", "deploy.engines.sapiens2", "info", "--json"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["available"] == ["0.4b"] and info["detector_present"] is True

    photo = sample_photo()
    code = cli_main(["--checkpoint-root", str(person_root), "pose", str(photo), str(tmp_path / "out"), "--device",
                     "cpu", "--flip-test"])
    assert code == 0
    out = capsys.readouterr()
    assert "1 person instance" in out.out
    assert "sapiens2 0.4b" in out.err  # the progress bar
    assert (tmp_path / "out" / f"{photo.stem}.jpg").is_file() and (tmp_path / "out" / f"{photo.stem}.json").is_file()

    code = cli_main(["--checkpoint-root", str(tmp_path / "empty"), "pose", str(photo), str(tmp_path / "o2")])
    assert code == 1
    assert "hf download facebook/sapiens2-pose-0.4b" in capsys.readouterr().out


def test_unreadable_input_is_answered_not_raised(person_root, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    result = sapiens_pose(str(broken), str(tmp_path / "out"), device="cpu", checkpoint_root=person_root)
    assert result["status"] == "error" and "broken.jpg" in result["failures"][0]["message"]
    missing = sapiens_pose(str(tmp_path / "nope.jpg"), str(tmp_path / "out"), device="cpu",
                           checkpoint_root=person_root)
    assert missing["status"] == "error" and missing["error"] == "input_not_supported"
