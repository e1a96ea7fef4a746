"""Before a training starts: do train and val each hold at least one person with a labelled keypoint?

A val split without such a person gives every metric 0 (there is nothing to find) and a train split without one
teaches nothing: both looked like a working run that learned nothing. `check_split` counts people per split and,
when one split has none but the other has images with people to spare, moves images over (the snapshot's split
only; the dataset keeps its own) so both hold some; when that cannot be done it says what to do.

Framework-free. Input: one dict per labelled image, {"source_id", "split": "train"|"val"|"test",
"instances": [{"keypoints": [[x, y, v], ...], ...}], "crowd": [...]}. The "test" split neither trains nor
validates and is left alone.

    plan = check_split(images)  # SplitPlan
    plan.ok                     # False: refuse (plan.message says why and what to do)
    plan.moves                  # {image source_id: new split}, applied by `apply`
"""
from __future__ import annotations

from dataclasses import dataclass, field

VAL_SHARE = 0.1  # when val must be filled from train: this share of the images with people (at least one)
TINY_VAL = 10  # fewer people with keypoints in val than this: the figures move a lot from one epoch to the next


def people_with_keypoints(image: dict) -> int:
    return sum(1 for inst in image.get("instances", []) if any(p[2] > 0 for p in inst["keypoints"]))


def people_without_keypoints(image: dict) -> int:
    return sum(1 for inst in image.get("instances", []) if not any(p[2] > 0 for p in inst["keypoints"]))


@dataclass
class SplitCounts:
    images: int = 0
    images_with_people: int = 0
    instances: int = 0  # people with at least one labelled keypoint
    people_without_keypoints: int = 0
    crowd_regions: int = 0

    def add(self, image: dict) -> None:
        people = people_with_keypoints(image)
        self.images += 1
        self.images_with_people += people > 0
        self.instances += people
        self.people_without_keypoints += people_without_keypoints(image)
        self.crowd_regions += len(image.get("crowd", []))


@dataclass
class SplitPlan:
    ok: bool
    train: SplitCounts
    val: SplitCounts
    moves: dict = field(default_factory=dict)  # source_id -> new split
    message: str = ""  # why it refuses (ok False), or what it changed (moves)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "train": vars(self.train), "val": vars(self.val),
                "moves": [{"image": k, "split": v} for k, v in self.moves.items()], "message": self.message,
                "warnings": self.warnings}


def counts(images: list[dict], moves: dict | None = None) -> dict[str, SplitCounts]:
    out = {"train": SplitCounts(), "val": SplitCounts(), "test": SplitCounts()}
    for image in images:
        split = (moves or {}).get(image["source_id"], image["split"])
        out.setdefault(split, SplitCounts()).add(image)
    return out


def check_split(images: list[dict]) -> SplitPlan:
    """What the split needs before training; see the module docstring."""
    before = counts(images)
    moves: dict = {}
    message = ""
    for empty, full in (("val", "train"), ("train", "val")):
        if before[empty].instances:
            continue
        donors = sorted((i for i in images if i["split"] == full and people_with_keypoints(i)),
                        key=lambda i: str(i["source_id"]))
        if len(donors) < 2:
            break  # nothing to spare: refused below
        take = max(1, round(len(donors) * VAL_SHARE)) if empty == "val" else max(1, len(donors) // 2)
        chosen = donors[-take:]  # the last by id: deterministic, and new images are usually the last ones
        moves.update({i["source_id"]: empty for i in chosen})
        message = (f"the {empty} split held no person with labelled keypoints, so this session moved {take} of the "
                   f"{len(donors)} {full} image(s) with people into {empty} (only in this session's snapshot; "
                   f"the dataset's split is unchanged: set it on the dataset page to choose yourself)")
        break
    after = counts(images, moves)
    train, val = after["train"], after["val"]
    if not train.instances or not val.instances:
        total = train.instances + val.instances
        holders = train.images_with_people + val.images_with_people
        return SplitPlan(False, train, val, message=(
            f"training needs at least one person with labelled keypoints in the train split and one in the val "
            f"split; this dataset has {total} such people on {holders} image(s) (train {train.instances}, val "
            f"{val.instances}). Label keypoints on at least {max(2 - holders, 1)} more image(s)"
            + (" or move an image with people to the other split on the dataset page" if holders >= 2 else "")
            + "."))
    warnings = []
    if val.instances < TINY_VAL:
        warnings.append(f"the val split holds only {val.instances} people with keypoints: the COCO AP can move by "
                        f"{1 / max(val.instances, 1):.2f} or more with a single person; put at least {TINY_VAL} in val "
                        "for figures you can compare")
    return SplitPlan(True, train, val, moves=moves, message=message, warnings=warnings)
