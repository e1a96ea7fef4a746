"""A tiny Ultralytics pose checkpoint made here, because no pretrained weights may be downloaded.

`tiny_pose_checkpoint(out)` writes tests/data/coco_mini as a YOLO pose folder (17 COCO keypoints) and has
Ultralytics' own trainer run yolo11n-pose from its YAML for one epoch at 64 px (~8 s on 2 cores), so the
file is a real checkpoint: `names`, `kpt_shape` and `kpt_names` as the trainer saves them. A net this
small and this briefly trained answers the same for every photo (its activations shrink to nothing layer
by layer, measured: identical outputs for a photo and its colour-swapped copy), which would make any
engine comparison vacuous; so its BatchNorm statistics are then re-estimated on the coco_mini photos
(one pass in train mode, no gradient), and its class logits standardised to mean -2, spread 1 over those
photos, so scores spread over (0, 1) instead of saturating at 1, where NMS would keep one of many tied
boxes at random. Afterwards its boxes, scores and keypoints depend on the image (a colour-swapped photo
moves boxes by hundreds of pixels), though they mean nothing.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

SAMPLES_DIR = Path(__file__).resolve().parent / "data"
COCO_MINI = SAMPLES_DIR / "coco_mini"
COCO_PHOTOS = sorted((SAMPLES_DIR / "coco").glob("*.jpg"))


def write_yolo_folder(out: Path, val_every: int = 6) -> Path:
    """coco_mini as a YOLO pose folder; every `val_every`-th image goes to val. Returns data.yaml."""
    from datasets.formats.coco import parse_coco
    from datasets.formats.yolo import write_yolo

    data = json.loads((COCO_MINI / "annotations" / "person_keypoints_train2017.json").read_text())
    dataset = parse_coco(data)
    for i, record in enumerate(dataset.images):
        record.split = "val" if i % val_every == 0 else "train"
    write_yolo(dataset, out, lambda i: str(COCO_MINI / "train2017" / dataset.images[i].file_name), link=False)
    return out / "data.yaml"


def train_tiny_pose(out: Path, *, epochs: int = 1, imgsz: int = 64) -> Path:
    """best.pt (or last.pt) of a yolo11n-pose trained from scratch on coco_mini by Ultralytics' trainer."""
    from training.engine.offline import prepare

    prepare()
    import torch
    from ultralytics import YOLO

    threads = torch.get_num_threads()
    data_yaml = write_yolo_folder(out / "data")
    model = YOLO("yolo11n-pose.yaml", task="pose")
    model.train(data=str(data_yaml), epochs=epochs, imgsz=imgsz, batch=8, nbs=8, device="cpu", workers=0,
                plots=False, val=False, project=str(out / "runs"), name="tiny", exist_ok=True, verbose=False,
                seed=0, deterministic=True, amp=False)
    torch.set_num_threads(threads)  # Ultralytics' select_device() lowers it process-wide
    weights = out / "runs" / "tiny" / "weights"
    best = weights / "best.pt"
    return best if best.is_file() else weights / "last.pt"


def recalibrate(pt: Path, dst: Path, imgsz: int = 320) -> Path:
    """`pt` with every BatchNorm's running mean and variance re-estimated on the coco_mini photos, and the
    class logits of each head scale standardised to mean -2, standard deviation 1 on them."""
    import cv2
    import numpy as np
    import torch

    checkpoint = torch.load(pt, map_location="cpu", weights_only=False)  # our own file, written just now
    model = checkpoint["model"].float()
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # a plain average over all batches
    photos = [cv2.resize(cv2.imread(str(p))[:, :, ::-1], (imgsz, imgsz)) for p in
              sorted((COCO_MINI / "train2017").glob("*.jpg"))]
    batch = torch.from_numpy(np.stack(photos).astype(np.float32) / 255).permute(0, 3, 1, 2)
    model.train()
    with torch.no_grad():
        for chunk in batch.split(12):
            model(chunk)
    model.eval()
    logits: dict[int, list] = {}
    classify = [branch[-1] for branch in model.model[-1].cv3]  # the last 1x1 conv of each scale's class branch
    hooks = [conv.register_forward_hook(lambda m, i, out, n=n: logits.setdefault(n, []).append(out.flatten()))
             for n, conv in enumerate(classify)]
    with torch.no_grad():
        for chunk in batch.split(12):
            model(chunk)
    for hook in hooks:
        hook.remove()
    with torch.no_grad():
        for n, conv in enumerate(classify):
            values = torch.cat(logits[n])
            mean, std = values.mean(), values.std().clamp_min(1e-6)
            conv.weight /= std
            conv.bias.copy_((conv.bias - mean) / std - 2.0)
    checkpoint["model"] = model.half()
    checkpoint["ema"] = None  # Ultralytics loads the EMA weights when present
    dst.parent.mkdir(parents=True, exist_ok=True)
    torch.save(checkpoint, dst)
    return dst


def tiny_pose_checkpoint(out: Path) -> Path:
    return recalibrate(train_tiny_pose(out / "train"), out / "weights" / "tiny_pose.pt")


@pytest.fixture(scope="session")
def tiny_pose_pt(tmp_path_factory) -> Path:
    """A yolo11n-pose .pt (17 COCO keypoints, class "person") whose outputs depend on the image."""
    return tiny_pose_checkpoint(tmp_path_factory.mktemp("tiny_pose"))
