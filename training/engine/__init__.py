"""Ultralytics glue for pose training and evaluation. Framework-free: no Django imports here.

`prepare()` makes Ultralytics safe to run offline; `run_training(spec, reporter)` trains one session
and reports epochs through a small Reporter protocol; `evaluate_pose(...)` measures per-keypoint
accuracy on a split and draws a few images.
"""
