"""The engine layer every deployment, the playground and autolabel serve from. Framework-free: no Django.

- types.py: `Instance` / `Keypoint` (the detect contract's objects) and the `Engine` protocol:
  `predict(images, conf=0.25, iou=0.45, kpt_thres=0.0) -> list[list[Instance]]`, `class_names`,
  `keypoint_names`, `describe()`.
- yolo.py: Ultralytics pose checkpoints on ONNX Runtime (default) or torch; `export_onnx`.
- sapiens2/: Sapiens2 308-keypoint pose (engine and library).
- cache.py: the bounded, thread-safe LRU model cache keyed by weights-file identity.
- images.py: the one image reader; errors.py: the layer's error types.
Device, dtype and thread choices live in core/devices.py. See docs/deploy.md.
"""
