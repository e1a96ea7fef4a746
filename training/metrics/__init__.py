"""Pose accuracy measures: OKS, PCK and per-keypoint summaries. numpy only, no Django imports."""
from .keypoints import KeypointAccumulator, match_instances
from .oks import AREA_FACTOR, keypoint_similarity, oks, oks_matrix
from .pck import pck_hits

__all__ = ["AREA_FACTOR", "KeypointAccumulator", "keypoint_similarity", "match_instances", "oks", "oks_matrix",
           "pck_hits"]
