"""Person boxes from facebook/detr-resnet-101-dc5, loaded from a local directory with transformers.

Upstream uses an mmdet RTMDet; DETR is the detector that needs nothing but transformers and timm.
Configs saved by transformers 4.41-4.47 carry a non-empty `backbone_kwargs`, which makes transformers 5
ask the Hub whether "resnet101" is a repo, and fail offline; the key only repeats what `dilation`
already says (output stride 16), so it is dropped before the config is built.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before transformers reads it: nothing here may go online

import numpy as np
import torch
from torchvision.ops import nms
from transformers import AutoImageProcessor, DetrConfig, DetrForObjectDetection, DetrImageProcessor

from .checkpoints import detector_weights
from .errors import CheckpointInvalid

API = "transformers.DetrForObjectDetection"


def load_detr_config(directory: Path) -> DetrConfig:
    raw = json.loads((directory / "config.json").read_text())
    raw.pop("backbone_kwargs", None)
    raw["use_pretrained_backbone"] = False  # 4.x would fetch ImageNet weights for timm; the checkpoint has them
    try:
        return DetrConfig.from_dict(raw)
    except Exception as exc:  # the config classes raise several types for a malformed file
        raise CheckpointInvalid(f"{directory / 'config.json'} is not a DETR config: {exc}") from exc


def person_label_id(config: DetrConfig) -> int:
    for label_id, name in (config.id2label or {}).items():
        if str(name).lower() == "person":
            return int(label_id)
    return 1  # COCO's id for person, which every DETR COCO checkpoint uses


class PersonDetector:
    api = API

    def __init__(self, directory: str | os.PathLike, device: torch.device):
        self.directory = Path(directory)
        self.device = device
        if detector_weights(self.directory) is None:
            raise CheckpointInvalid(f"no model.safetensors or pytorch_model.bin in {self.directory}")
        config = load_detr_config(self.directory)
        try:
            model, info = DetrForObjectDetection.from_pretrained(
                str(self.directory), config=config, local_files_only=True, output_loading_info=True
            )
        except (OSError, RuntimeError, ValueError, ImportError) as exc:
            raise CheckpointInvalid(f"{self.directory} could not be loaded as a DETR detector: {exc}") from exc
        if info["missing_keys"] or info.get("mismatched_keys"):
            missing = sorted(info["missing_keys"])[:5]
            raise CheckpointInvalid(f"{self.directory} does not match DETR's network: missing {missing}")
        self.model = model.eval().to(device)
        if (self.directory / "preprocessor_config.json").is_file():
            self.processor = AutoImageProcessor.from_pretrained(str(self.directory), local_files_only=True)
        else:
            self.processor = DetrImageProcessor()
        self.person_id = person_label_id(config)

    @torch.inference_mode()
    def detect(self, image: np.ndarray, score_thres: float = 0.3,
               iou_thres: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
        """Person boxes [n, 4] (x1, y1, x2, y2, clipped to the image) and scores [n], best first, after NMS."""
        height, width = image.shape[:2]
        # Said outright: the processor guesses the channel axis from the shape, and guesses wrong for images a
        # few pixels wide or high (a 1x1 or 3xN picture read as channels-first), which then fails to normalise.
        inputs = self.processor(images=image, return_tensors="pt", input_data_format="channels_last").to(self.device)
        outputs = self.model(**inputs)
        result = self.processor.post_process_object_detection(
            outputs, threshold=float(score_thres), target_sizes=[(height, width)]
        )[0]
        keep = result["labels"] == self.person_id
        boxes, scores = result["boxes"][keep].float(), result["scores"][keep].float()
        boxes[:, 0::2] = boxes[:, 0::2].clamp(0, width - 1)
        boxes[:, 1::2] = boxes[:, 1::2].clamp(0, height - 1)
        sized = ((boxes[:, 2] - boxes[:, 0]) >= 1) & ((boxes[:, 3] - boxes[:, 1]) >= 1)
        boxes, scores = boxes[sized], scores[sized]
        order = nms(boxes, scores, float(iou_thres))  # sorted by score
        return boxes[order].cpu().numpy(), scores[order].cpu().numpy()


def load_detector(directory: str | os.PathLike, device: torch.device) -> PersonDetector:
    """Load the DETR person detector. Not cached here: engines live in the bounded model cache."""
    return PersonDetector(Path(directory).resolve(), device)
