"""Sapiens2 pose: batching and heatmap decoding, against baselines measured in the same run (CPU).

1. batch_speedup: people per second for 8 person crops in one batched forward of Sapiens2ForPoseEstimation
   vs the same 8 crops one forward each, on a reduced-size random-weight config (D 64, 4 layers, 256x192
   input), in the dtype the engine picks on this CPU (bfloat16 where the CPU has AVX512-BF16 or AMX,
   float32 elsewhere); the float32 figure is printed too (batch_speedup_float32). Also printed: the same
   comparison through our whole per-person path (crop, normalise, forward, decode), and at the real
   1024x768 input, where the CPU is compute-bound and batching gains little: on the CPU batching amortises
   per-call overhead and small-matrix inefficiency; its real payoff is GPU occupancy.
2. decode_speedup: argmax + DARK-UDP refinement + mapping back to image pixels for 8 people (308 maps of
   256x192 each), ours vs transformers' `Sapiens2ImageProcessor.post_process_pose_estimation` on the same
   heatmaps; decode_max_px_diff is the largest keypoint difference (image pixels) between the two on
   peaked maps (Gaussian responses of sigma 1.5-6 with background noise, some on the map border).
Timings are the best of several repeats. The last line is one JSON object.

`--real-size` also times one forward of the real 0.4b architecture (random weights, 1024x768, batch 1) in
float32 and in bfloat16 (about 90 s more on 2 cores): the figures behind the CPU notice.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import Sapiens2Config, Sapiens2ForPoseEstimation, Sapiens2ImageProcessor  # noqa: E402

from core.devices import cpu_has_native_bf16  # noqa: E402
from deploy.engines.sapiens2.crops import boxes_to_center_scale, crop_people  # noqa: E402
from deploy.engines.sapiens2.decode import decode_heatmaps  # noqa: E402
from deploy.engines.sapiens2.keypoints import goliath  # noqa: E402
from deploy.engines.sapiens2.model import PoseModel  # noqa: E402

PEOPLE = 8


def best_of(repeats: int, *fns) -> list[float]:
    """Best wall time of each function, run in turns so that both sides of a ratio see the same machine load."""
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def reduced_model(input_size: tuple[int, int], dtype: torch.dtype, hidden: int = 64, layers: int = 4,
                  heads: int = 4) -> PoseModel:
    torch.manual_seed(0)
    config = Sapiens2Config(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                            intermediate_size=4 * hidden, num_key_value_attention_heads=heads // 2,
                            num_first_full_attention_layers=1, num_last_full_attention_layers=1,
                            image_size=list(input_size), num_labels=308,
                            head_config={"upsample_out_channels": [hidden // 2] * 2, "conv_out_channels": [16] * 3})
    network = Sapiens2ForPoseEstimation(config).eval().to(dtype)
    return PoseModel(network, path=Path("random-weights"), device=torch.device("cpu"), dtype=dtype,
                     input_size=input_size, flip_indices=goliath().flip_indices)


def scene(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A 1280x720 frame of textured noise and 8 person-sized boxes."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    x1 = rng.uniform(0, 1100, PEOPLE)
    y1 = rng.uniform(0, 300, PEOPLE)
    boxes = np.stack([x1, y1, x1 + rng.uniform(80, 180, PEOPLE), y1 + rng.uniform(200, 400, PEOPLE)], 1)
    return image, boxes.astype(np.float32)


def bench_batching(input_size: tuple[int, int], dtype: torch.dtype, repeats: int) -> dict:
    model = reduced_model(input_size, dtype)
    image, boxes = scene()

    def person_path(box_group: np.ndarray) -> None:
        crops, centers, scales = crop_people(image, box_group, input_size)
        heatmaps = model.heatmaps(model.prepare(crops))
        decode_heatmaps(heatmaps, torch.from_numpy(centers), torch.from_numpy(scales))

    crops, _, _ = crop_people(image, boxes, input_size)
    pixels = model.prepare(crops)
    model.heatmaps(pixels)  # warm-up: first calls allocate
    model.heatmaps(pixels[:1])
    one_by_one, batched = best_of(repeats, lambda: [model.heatmaps(pixels[i:i + 1]) for i in range(PEOPLE)],
                                  lambda: model.heatmaps(pixels))
    path_one, path_batched = best_of(repeats, lambda: [person_path(boxes[i:i + 1]) for i in range(PEOPLE)],
                                     lambda: person_path(boxes))
    return {"one_by_one_people_per_s": PEOPLE / one_by_one, "batched_people_per_s": PEOPLE / batched,
            "forward_speedup": one_by_one / batched, "path_speedup": path_one / path_batched}


def peaked_heatmaps(seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    height, width = 256, 192
    centres = torch.rand(PEOPLE, 308, 2, generator=generator) * torch.tensor([width - 1.0, height - 1.0])
    centres[0, :4] = torch.tensor([[0.3, 20.0], [191.0, 100.0], [60.0, 0.0], [120.0, 255.0]])
    sigma = 1.5 + 4.5 * torch.rand(PEOPLE, 308, 1, 1, generator=generator)
    amplitude = 0.3 + 0.7 * torch.rand(PEOPLE, 308, 1, 1, generator=generator)
    yy, xx = torch.meshgrid(torch.arange(height, dtype=torch.float32), torch.arange(width, dtype=torch.float32),
                            indexing="ij")
    maps = amplitude * torch.exp(-((xx - centres[..., 0, None, None]) ** 2 + (yy - centres[..., 1, None, None]) ** 2)
                                 / (2 * sigma ** 2))
    return maps + 0.02 * (torch.rand(maps.shape, generator=generator) - 0.3)


def bench_decoding(repeats: int) -> dict:
    heatmaps = peaked_heatmaps()
    _, boxes = scene(1)
    xywh = [[[b[0], b[1], b[2] - b[0], b[3] - b[1]] for b in boxes.tolist()]]
    centers, scales = (torch.from_numpy(a) for a in boxes_to_center_scale(boxes, (1024, 768)))
    processor = Sapiens2ImageProcessor()
    outputs = SimpleNamespace(heatmaps=heatmaps)

    reference = processor.post_process_pose_estimation(outputs, xywh)[0]
    ours, scores = decode_heatmaps(heatmaps, centers.float(), scales.float())
    expected = torch.stack([person["keypoints"] for person in reference])
    same_scores = torch.equal(scores, torch.stack([person["scores"] for person in reference]))

    theirs_s, ours_s = best_of(repeats, lambda: processor.post_process_pose_estimation(outputs, xywh),
                               lambda: decode_heatmaps(heatmaps, centers.float(), scales.float()))
    return {"transformers_s_per_person": theirs_s / PEOPLE, "ours_s_per_person": ours_s / PEOPLE,
            "decode_speedup": theirs_s / ours_s, "max_px_diff": float((ours - expected).abs().max()),
            "same_scores": same_scores}


def bench_crops(repeats: int) -> dict:
    image, boxes = scene(2)
    xywh = [[[b[0], b[1], b[2] - b[0], b[3] - b[1]] for b in boxes.tolist()]]
    processor = Sapiens2ImageProcessor()
    theirs, ours = best_of(repeats, lambda: processor(image, boxes=xywh, return_tensors="pt"),
                           lambda: crop_people(image, boxes, (1024, 768)))
    return {"crop_speedup": theirs / ours, "ours_ms_per_box": 1000 * ours / PEOPLE}


def bench_real_size() -> dict:
    """One forward of the real 0.4b architecture per dtype (random weights: the cost does not depend on them)."""
    torch.manual_seed(0)
    config = Sapiens2Config(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                            num_key_value_attention_heads=8, intermediate_size=4096, image_size=[1024, 768],
                            num_labels=308, head_config={"upsample_out_channels": [1024, 768],
                                                         "conv_out_channels": [512, 512, 256]})
    network = Sapiens2ForPoseEstimation(config).eval()
    pixels = torch.randn(1, 3, 1024, 768)
    seconds = {}
    with torch.inference_mode():
        for dtype in (torch.float32, torch.bfloat16):
            network.to(dtype)
            network(pixel_values=pixels.to(dtype))  # first call: allocations and kernel choice
            start = time.perf_counter()
            network(pixel_values=pixels.to(dtype))
            seconds[str(dtype).replace("torch.", "")] = time.perf_counter() - start
    return seconds


def describe_batching(label: str, figures: dict) -> str:
    return (f"{label}: {figures['batched_people_per_s']:.1f} people/s batched vs "
            f"{figures['one_by_one_people_per_s']:.1f} one at a time -> x{figures['forward_speedup']:.2f} "
            f"(whole person path: x{figures['path_speedup']:.2f})")


def main() -> None:
    real_size = "--real-size" in sys.argv[1:]
    # The engine infers in float32 by default (as upstream); batching is measured in the faster dtype a CPU
    # user can choose here (bfloat16 where the CPU has bf16 instructions) and again in float32.
    dtype = torch.bfloat16 if cpu_has_native_bf16() else torch.float32
    dtype_name = str(dtype).replace("torch.", "")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, {PEOPLE} people; fast CPU dtype "
          f"here: {dtype_name} (native bf16 instructions: {cpu_has_native_bf16()})")
    small = bench_batching((256, 192), dtype, repeats=30)
    print(describe_batching(f"reduced config (D64 L4, 256x192), {dtype_name}", small))
    small_fp32 = small if dtype == torch.float32 else bench_batching((256, 192), torch.float32, repeats=30)
    if small_fp32 is not small:
        print(describe_batching("reduced config (D64 L4, 256x192), float32", small_fp32))
        print(f"batched {dtype_name} vs one at a time in float32: "
              f"x{small['batched_people_per_s'] / small_fp32['one_by_one_people_per_s']:.2f}")
    full = bench_batching((1024, 768), dtype, repeats=2)
    print(f"batched forward, D64 L4 at the real 1024x768 input, {dtype_name}: x{full['forward_speedup']:.2f} "
          f"(whole person path: x{full['path_speedup']:.2f}); compute-bound on the CPU, batching pays off on GPUs")
    decoding = bench_decoding(repeats=3)
    print(f"decode 8 people: transformers {1000 * decoding['transformers_s_per_person']:.0f} ms/person, ours "
          f"{1000 * decoding['ours_s_per_person']:.1f} ms/person -> x{decoding['decode_speedup']:.1f}; "
          f"max keypoint difference {decoding['max_px_diff']:.5f} px; scores identical: {decoding['same_scores']}")
    crops = bench_crops(repeats=3)
    print(f"crops: OpenCV UDP warp {crops['ours_ms_per_box']:.1f} ms/box, x{crops['crop_speedup']:.1f} vs the "
          f"transformers processor")
    figures = {
        "batch_speedup": round(small["forward_speedup"], 3),
        "decode_speedup": round(decoding["decode_speedup"], 2),
        "decode_max_px_diff": round(decoding["max_px_diff"], 6),
        "batch_dtype": dtype_name,
        "batch_speedup_float32": round(small_fp32["forward_speedup"], 3),
        "batch_path_speedup": round(small["path_speedup"], 3),
        "batch_speedup_1024x768": round(full["forward_speedup"], 3),
        "decode_ms_per_person": round(1000 * decoding["ours_s_per_person"], 2),
        "transformers_decode_ms_per_person": round(1000 * decoding["transformers_s_per_person"], 1),
        "crop_speedup": round(crops["crop_speedup"], 2),
        "cpu_threads": torch.get_num_threads(),
    }
    if real_size:
        seconds = bench_real_size()
        print(f"0.4b at 1024x768, one person: {seconds['float32']:.1f} s in float32, {seconds['bfloat16']:.1f} s in "
              f"bfloat16 -> x{seconds['float32'] / seconds['bfloat16']:.2f}")
        figures.update({"real_0.4b_float32_s": round(seconds["float32"], 1),
                        "real_0.4b_bfloat16_s": round(seconds["bfloat16"], 1)})
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
