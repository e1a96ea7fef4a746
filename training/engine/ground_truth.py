"""The COCO keypoints ground truth that Posedeck scores against, built from the neutral records of an export or a
training snapshot. Framework-free (datasets.formats only).

Ids are those of the dataset's COCO export (datasets.formats.coco_writer): an image's id is its Posedeck image id,
a category's its class id, so predictions made against a downloaded COCO export score here unchanged. Each category
carries `sigmas`, the per-keypoint OKS sigmas it is scored with (the class's own, else
training.metrics.sigmas.default_sigmas: COCO's for the COCO-17 names, uniform 1/K otherwise), and
`sigmas_source` ("class", "coco" or "uniform"). Kept as they are: stored areas (else box x 0.53 in the writer),
crowd regions (iscrowd 1, ignore regions for COCOeval), people without labelled keypoints (num_keypoints 0,
which COCOeval ignores).
"""
from __future__ import annotations

from collections.abc import Iterable

from datasets.formats.coco_writer import write_coco
from datasets.formats.records import ClassSpec, ImageRecord, PoseDataset

from ..metrics.sigmas import default_sigmas, sigmas_source


def class_sigmas(spec: ClassSpec) -> tuple[list[float], str]:
    """(sigmas, source) a class is scored with."""
    names = list(spec.keypoints)
    own = spec.sigmas if spec.sigmas and len(spec.sigmas) == len(names) else None
    return ([float(s) for s in own] if own else default_sigmas(names)), sigmas_source(names, own)


def coco_ground_truth(specs: list[ClassSpec], records: Iterable[ImageRecord], *, description: str = "") -> dict:
    """{"info", "licenses", "images", "annotations", "categories" (with "sigmas", "sigmas_source")}."""
    coco = write_coco(PoseDataset(classes=list(specs), images=list(records)),
                      info={"description": description or "ground truth frozen by Posedeck"})
    for cat, spec in zip(coco["categories"], specs):
        cat["sigmas"], cat["sigmas_source"] = class_sigmas(spec)
    return coco
