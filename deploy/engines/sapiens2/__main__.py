"""`python -m deploy.engines.sapiens2 info` / `pose INPUT OUTPUT_DIR`: the library functions with a progress bar."""
from __future__ import annotations

import argparse
import json
import sys

from .checkpoints import ENV_VAR, POSE_SIZES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.engines.sapiens2",
                                     description="Sapiens2 308-keypoint pose with a DETR person detector (offline).")
    parser.add_argument("--checkpoint-root", help=f"folder holding pose/ and detector/ (default: ${ENV_VAR} "
                                                  "or ~/sapiens2_host)")
    commands = parser.add_subparsers(dest="command", required=True)
    info = commands.add_parser("info", help="which checkpoints are present, the device, the versions")
    info.add_argument("--json", action="store_true", help="print the details as JSON instead of a summary")
    pose = commands.add_parser("pose", help="keypoints for an image, a folder of images or a video")
    pose.add_argument("input_path")
    pose.add_argument("output_dir")
    pose.add_argument("--model-size", default="0.4b", choices=POSE_SIZES)
    pose.add_argument("--device", default="cuda:0", help="cuda:N, cpu or auto (CUDA absent falls back to the CPU)")
    pose.add_argument("--kpt-thres", type=float, default=0.3, help="draw points and links above this score")
    pose.add_argument("--line-thickness", type=int, default=2)
    pose.add_argument("--radius", type=int, default=3)
    pose.add_argument("--bbox-thres", type=float, default=0.3, help="person detector score threshold")
    pose.add_argument("--nms-thres", type=float, default=0.3, help="IoU above which overlapping boxes are merged")
    pose.add_argument("--flip-test", action=argparse.BooleanOptionalAction, default=True,
                      help="average with the mirrored crop, as upstream does (default on; 2x the compute)")
    pose.add_argument("--dtype", choices=["float32", "bfloat16", "float16"],
                      help="default float32, as upstream; bfloat16 is ~2x faster on GPUs and on CPUs with "
                           "AVX512-BF16 or AMX, and moves keypoints slightly (docs/sapiens2.md)")
    pose.add_argument("--max-batch", type=int, default=32, help="most crops per forward pass")
    pose.add_argument("--json", action="store_true", help="print the result details as JSON")
    pose.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from transformers.utils import logging as transformers_logging

    from .library import sapiens_info, sapiens_pose

    transformers_logging.disable_progress_bar()  # per-file "Loading weights" bars would bury ours

    if args.command == "info":
        result = sapiens_info(args.checkpoint_root)
    else:
        result = sapiens_pose(args.input_path, args.output_dir, args.model_size, args.device, args.kpt_thres,
                              args.line_thickness, args.radius, flip_test=args.flip_test, bbox_thres=args.bbox_thres,
                              nms_thres=args.nms_thres, checkpoint_root=args.checkpoint_root, dtype=args.dtype,
                              max_batch=args.max_batch, progress=not args.quiet)
    text, details = result["content"][0]["text"], result["content"][-1].get("json", {})
    if args.json:
        print(json.dumps(details, indent=2))
    else:
        print(text)
    return 0 if result["status"] == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
