"""Sapiens2 308-keypoint human pose: DETR person boxes -> Sapiens2 (transformers) heatmaps -> keypoints.

Framework-free (numpy, torch, OpenCV, Pillow, transformers; never Django). Library entry points:

    sapiens_info(checkpoint_root=None) -> tool result
    sapiens_pose(input_path, output_dir, model_size="0.4b", device="cuda:0", kpt_thres=0.3,
                 line_thickness=2, radius=3, ...) -> tool result
    Sapiens2Engine(checkpoint_root=None, model_size="0.4b", device="cuda:0").predict(image) -> list[dict]

CLI: `python -m deploy.engines.sapiens2 info | pose INPUT OUTPUT_DIR [...]`. See docs/sapiens2.md.
"""
from .api import sapiens_info, sapiens_pose
from .devices import CPU_NOTICE
from .engine import Sapiens2Engine
from .errors import (CheckpointInvalid, CheckpointNotFound, InputNotSupported, InvalidOption, Sapiens2Error,
                     UnknownModelSize)
from .pipeline import PoseInstance

__all__ = [
    "CPU_NOTICE",
    "CheckpointInvalid",
    "CheckpointNotFound",
    "InputNotSupported",
    "InvalidOption",
    "PoseInstance",
    "Sapiens2Engine",
    "Sapiens2Error",
    "UnknownModelSize",
    "sapiens_info",
    "sapiens_pose",
]
