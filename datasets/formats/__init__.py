"""Dataset formats (COCO keypoints, Ultralytics YOLO pose). No Django imports: usable alone."""
