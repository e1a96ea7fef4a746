"""Sapiens2 308-keypoint human pose: DETR person boxes -> Sapiens2 (transformers) heatmaps -> keypoints.

Framework-free (numpy, torch, OpenCV, Pillow, transformers; never Django). Library entry points
(`library.py`):

    sapiens_info(checkpoint_root=None) -> tool result
    sapiens_pose(input_path, output_dir, model_size="0.4b", device="cuda:0", kpt_thres=0.3,
                 line_thickness=2, radius=3, ...) -> tool result
    Sapiens2Engine(checkpoint_root=None, model_size="0.4b", device="cuda:0")
        .predict(images, conf=0.25, iou=0.45, kpt_thres=0.0) -> list[list[Instance]]   (deploy.engines.types)

CLI: `python -m deploy.engines.sapiens2 info | pose INPUT OUTPUT_DIR [...]`. See docs/sapiens2.md.
"""
from .engine import CPU_NOTICE, Sapiens2Engine
from .errors import (CheckpointInvalid, CheckpointNotFound, InputNotSupported, InvalidOption, OutputNotAllowed,
                     Sapiens2Error, UnknownModelSize)
from .library import sapiens_info, sapiens_pose
from .pipeline import PoseInstance

__all__ = [
    "CPU_NOTICE",
    "CheckpointInvalid",
    "CheckpointNotFound",
    "InputNotSupported",
    "InvalidOption",
    "OutputNotAllowed",
    "PoseInstance",
    "Sapiens2Engine",
    "Sapiens2Error",
    "UnknownModelSize",
    "sapiens_info",
    "sapiens_pose",
]
