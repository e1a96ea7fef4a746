"""Crops, heatmap decoding and flip test: a pixel must survive the round trip image -> crop -> heatmap -> image."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import Sapiens2ImageProcessor
from transformers.models.sapiens2.modeling_sapiens2 import flip_back as transformers_flip_back

from deploy.engines.sapiens2.crops import boxes_to_center_scale, crop_people, warp_matrix
from deploy.engines.sapiens2.decode import (blur_maps, decode_heatmaps, flip_back, gaussian_kernel, max_and_argmax,
                                            refine_dark_udp)
from deploy.engines.sapiens2.keypoints import goliath
from tests.sapiens2_fixtures import sample_photo

INPUT = (1024, 768)
HEATMAP = (256, 192)


def gaussian_maps(centres: torch.Tensor, sigma: torch.Tensor, amplitude: torch.Tensor, size=HEATMAP) -> torch.Tensor:
    """Maps [..., H, W] with one Gaussian each at sub-pixel `centres` [..., 2] (x, y), like a trained head's output."""
    yy, xx = torch.meshgrid(torch.arange(size[0], dtype=torch.float32), torch.arange(size[1], dtype=torch.float32),
                            indexing="ij")
    cx, cy = centres[..., 0, None, None], centres[..., 1, None, None]
    squared = (xx - cx) ** 2 + (yy - cy) ** 2
    return amplitude[..., None, None] * torch.exp(-squared / (2 * sigma[..., None, None] ** 2))


def to_xywh(boxes_xyxy: np.ndarray) -> list[list[list[float]]]:
    return [[[b[0], b[1], b[2] - b[0], b[3] - b[1]] for b in boxes_xyxy.tolist()]]


def test_heatmap_peak_at_a_known_spot_comes_back_at_the_right_image_pixel():
    boxes = np.array([[120.0, 40.0, 260.0, 420.0],    # tall: width set by the 3:4 aspect
                      [10.0, 200.0, 610.0, 330.0],    # wide: height set by the aspect
                      [300.5, 80.25, 333.75, 125.5]], dtype=np.float32)  # small: crop enlarged ~20x
    targets = np.array([[190.3, 100.7], [450.25, 260.5], [310.1, 90.9]])  # image pixels, one per box
    centers, scales = boxes_to_center_scale(boxes, INPUT)
    hm_per_input = np.array([(HEATMAP[1] - 1) / (INPUT[1] - 1), (HEATMAP[0] - 1) / (INPUT[0] - 1)])
    peaks = []
    for center, scale, target in zip(centers, scales, targets):
        crop_xy = warp_matrix(center, scale, INPUT) @ np.array([*target, 1.0])
        peaks.append(crop_xy * hm_per_input)  # UDP: crop pixel 0..767 spans heatmap pixel 0..191
    peaks = torch.tensor(np.array(peaks), dtype=torch.float32)

    heatmaps = torch.zeros(3, 308, *HEATMAP)
    joint = 41  # right_wrist
    heatmaps[:, joint] = gaussian_maps(peaks, torch.full((3,), 2.0), torch.full((3,), 0.9))
    keypoints, scores = decode_heatmaps(heatmaps, torch.from_numpy(centers).float(), torch.from_numpy(scales).float())

    assert keypoints.shape == (3, 308, 2) and scores.shape == (3, 308)
    np.testing.assert_allclose(keypoints[:, joint].numpy(), targets, atol=0.02)
    np.testing.assert_allclose(scores[:, joint].numpy(), 0.9, atol=0.05)


def test_the_crop_puts_an_image_pixel_where_the_affine_says():
    image = np.zeros((400, 600, 3), dtype=np.uint8)
    dot = (213, 157)
    image[dot[1] - 1:dot[1] + 2, dot[0] - 1:dot[0] + 2] = 255
    box = np.array([[150.0, 100.0, 300.0, 380.0]])
    crops, centers, scales = crop_people(image, box, INPUT)
    assert crops.shape == (1, 1024, 768, 3) and crops.dtype == np.uint8
    weights = crops[0, :, :, 0].astype(np.float64)
    ys, xs = np.nonzero(weights > 0)
    found = np.array([(xs * weights[ys, xs]).sum(), (ys * weights[ys, xs]).sum()]) / weights[ys, xs].sum()
    expected = warp_matrix(centers[0], scales[0], INPUT) @ np.array([*dot, 1.0])
    np.testing.assert_allclose(found, expected, atol=0.3)
    # UDP: the padded window's left/top edge lands on the centre of crop pixel 0, the right/bottom on 767/1023.
    corners = warp_matrix(centers[0], scales[0], INPUT) @ np.array(
        [[*(centers[0] - scales[0] / 2), 1.0], [*(centers[0] + scales[0] / 2), 1.0]]).T
    np.testing.assert_allclose(corners.T, [[0, 0], [767, 1023]], atol=1e-3)


def test_crops_equal_the_transformers_processor_after_rounding_and_clamping():
    image = np.array(Image.open(sample_photo()).convert("RGB"))
    boxes = np.array([[192.0, 98.0, 384.0, 333.2], [10.0, 10.0, 630.0, 380.0], [300.5, 50.25, 340.75, 120.5]],
                     dtype=np.float32)
    processor = Sapiens2ImageProcessor()
    pixel_values = processor(image, boxes=to_xywh(boxes), return_tensors="pt")["pixel_values"]
    mean = torch.tensor(processor.image_mean).view(1, 3, 1, 1) * 255
    std = torch.tensor(processor.image_std).view(1, 3, 1, 1) * 255
    theirs = (pixel_values * std + mean).round().clamp(0, 255)  # upstream's uint8 warp saturates like this
    ours, _, _ = crop_people(image, boxes, INPUT)
    difference = (torch.from_numpy(ours).permute(0, 3, 1, 2).float() - theirs).abs()
    assert difference.max() <= 1.0
    assert difference.mean() < 0.01


def test_decoding_matches_transformers_post_processing():
    generator = torch.Generator().manual_seed(0)
    n, k = 3, 308
    centres = torch.rand(n, k, 2, generator=generator) * torch.tensor([HEATMAP[1] - 1, HEATMAP[0] - 1])
    centres[0, :4] = torch.tensor([[0.2, 10.0], [191.0, 30.0], [50.0, 0.0], [100.0, 255.0]])  # peaks on the border
    sigma = 1.5 + 4 * torch.rand(n, k, generator=generator)
    amplitude = 0.2 + 0.8 * torch.rand(n, k, generator=generator)
    heatmaps = gaussian_maps(centres, sigma, amplitude)
    heatmaps += 0.02 * (torch.rand(heatmaps.shape, generator=generator) - 0.3)  # background with negatives
    heatmaps[1, :6] = 0.002 * torch.rand(6, *HEATMAP, generator=generator)  # weak maps: clamping matters here
    heatmaps[2, :3] = 0.5 * torch.rand(3, *HEATMAP, generator=generator)  # noise, no single peak
    boxes = np.array([[10.0, 20.0, 200.0, 400.0], [100.0, 50.0, 500.0, 300.0], [5.5, 7.25, 40.5, 90.75]], np.float32)

    reference = Sapiens2ImageProcessor().post_process_pose_estimation(SimpleNamespace(heatmaps=heatmaps),
                                                                       to_xywh(boxes))[0]
    centers, scales = boxes_to_center_scale(boxes, INPUT)
    keypoints, scores = decode_heatmaps(heatmaps, torch.from_numpy(centers).float(), torch.from_numpy(scales).float())

    assert torch.equal(scores, torch.stack([person["scores"] for person in reference]))
    difference = (keypoints - torch.stack([person["keypoints"] for person in reference])).abs().amax(-1)
    peaked = torch.ones(n, k, dtype=torch.bool)
    peaked[1, :6] = peaked[2, :3] = False
    assert difference[peaked].max() <= 0.01
    # Maps with no real peak have near-singular Hessians, which turn float32 summation-order differences
    # in the blur into visible offsets; the points still agree to a fraction of a pixel.
    assert difference[~peaked].max() <= 0.5


def test_gpu_kernels_agree_with_the_cpu_ones():
    # The GPU branches (depthwise blur, torch argmax) cannot run on a CPU-only machine as GPU code, but they
    # are plain torch and run here too, so they are checked against the CPU branches.
    maps = torch.rand(5, 40, 30)
    maps[0, 3, 4] = maps[0, 20, 10] = 2.0  # a tie: both must return the first index
    kernel = gaussian_kernel(11)
    torch.testing.assert_close(blur_maps(maps, kernel, opencv=False), blur_maps(maps, kernel, opencv=True),
                               atol=1e-6, rtol=1e-5)
    flat = maps.reshape(5, -1)
    values_np, index_np = max_and_argmax(flat, use_numpy=True)
    values_t, index_t = max_and_argmax(flat, use_numpy=False)
    assert torch.equal(values_np, values_t) and torch.equal(index_np, index_t)
    assert index_np[0] == 3 * 30 + 4


def test_maps_without_a_positive_peak_stay_finite_with_nonpositive_scores():
    heatmaps = -torch.rand(2, 5, *HEATMAP)
    heatmaps[1, 2] = 0.0
    keypoints, scores = refine_dark_udp(heatmaps)
    assert torch.isfinite(keypoints).all()
    assert (scores <= 0).all()


def test_flip_back_matches_transformers_with_the_real_flip_pairs():
    spec = goliath()
    heatmaps = torch.randn(2, 308, 8, 6)
    ours = flip_back(heatmaps, torch.tensor(spec.flip_indices))
    theirs = transformers_flip_back(heatmaps, torch.tensor(spec.flip_pairs))
    assert torch.equal(ours, theirs)


@pytest.mark.parametrize("left, right", [("left_eye", "right_eye"), ("left_wrist", "right_wrist"),
                                         ("left_big_toe", "right_big_toe")])
def test_flip_back_turns_a_mirrored_left_joint_into_the_right_one(left, right):
    spec = goliath()
    names = list(spec.names)
    mirrored = torch.zeros(1, 308, *HEATMAP)
    # On the mirrored crop the network calls the person's right eye "left_eye", at mirrored x.
    mirrored[0, names.index(left), 100, 40] = 1.0
    restored = flip_back(mirrored, torch.tensor(spec.flip_indices))
    assert restored[0, names.index(right), 100, HEATMAP[1] - 1 - 40] == 1.0
    assert restored[0, names.index(left)].abs().sum() == 0


def test_keypoint_data_pairs_each_left_joint_with_its_right_joint():
    # (Face contours pair by position along the mirrored line, not by name, so they are not checked here.)
    spec = goliath()
    assert spec.num_keypoints == 308 and len(spec.skeleton) == 65 and len(spec.flip_pairs) == 146
    body_hands_feet = [(a, b) for a, b in spec.flip_pairs if a < 70 and b < 70]
    assert len(body_hands_feet) == 34  # 7 body + 3 feet + 21 hand (with wrist) + 3 arm extras
    for a, b in body_hands_feet:
        name_a, name_b = spec.names[a], spec.names[b]
        assert name_a.replace("left", "#").replace("right", "left").replace("#", "right") == name_b, (name_a, name_b)
