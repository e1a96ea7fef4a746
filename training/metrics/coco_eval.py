"""COCO keypoint AP/AR with pycocotools' COCOeval, per class with its own sigmas, plus per-keypoint PCK and OKS share.

    evaluate_keypoints(ground_truth, results, sigmas={category_id: [...]}, image_ids=None) -> dict

Scoring is pycocotools' own (COCOeval, iouType "keypoints": OKS thresholds 0.50:0.05:0.95, 101-point
interpolated precision, at most 20 detections per image, area ranges all/medium/large), on the ground truth as
`coco_ground_truth.prepare_ground_truth` leaves it: stored areas (else box x 0.53), crowd regions as ignore
regions, people without labelled keypoints ignored. Anyone can reproduce a figure with a plain pycocotools run on
that prepared ground truth and the results list (tests/test_coco_eval.py does, to 1e-9).

Several classes: COCOeval takes one sigma array, so each category is evaluated on its own (`params.catIds =
[id]`, `params.kpt_oks_sigmas` = its sigmas) and every figure is the mean over the categories that have people
with keypoints (those whose figure is not -1). That is exactly what one COCOeval over all categories reports,
since COCOeval's summary averages its precision/recall arrays over categories and skips -1 entries (checked in
the tests against a single run on two categories with equal sigmas).

Per keypoint (training.metrics.keypoints.KeypointAccumulator): the same predictions (the best 20 per image and
class) are matched greedily by score to people of the same class at OKS >= `min_oks` (0.1), with the same areas;
pck = share of labelled keypoints within `pck_alpha` x box diagonal, oks_share = mean of that keypoint's OKS term.
Unmatched people count as misses.

Errors: core.errors.InvalidInput naming the field (ground_truth..., predictions[i]..., sigmas[<category id>]...).
"""
from __future__ import annotations

import contextlib
import copy
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from core.errors import InvalidInput

from .coco_ground_truth import counts, prepare_ground_truth, select_images
from .coco_results import parse_results
from .keypoints import KeypointAccumulator
from .sigmas import check_sigmas, default_sigmas, sigmas_source

# COCOeval.summarize() order for iouType "keypoints" (stats[0..9]).
STAT_KEYS = ("ap", "ap50", "ap75", "ap_medium", "ap_large", "ar", "ar50", "ar75", "ar_medium", "ar_large")


MAX_DETECTIONS = 20  # COCOeval's maxDets for keypoints: only the 20 best-scoring predictions per image count


def top_per_image(results: list[dict], limit: int = MAX_DETECTIONS) -> list[dict]:
    """The `limit` highest-scoring results per (image, category), in their original order.

    COCOeval keeps exactly these (a stable sort by score, then the first `limit`), so scoring the rest only costs
    time: an early model leaves up to 300 low-confidence detections per image. Ties keep the earlier result, as
    COCOeval's mergesort does, so the figures do not change.
    """
    groups: dict = defaultdict(list)
    for i, r in enumerate(results):
        groups[r["image_id"], r["category_id"]].append(i)
    keep = set()
    for indices in groups.values():
        if len(indices) > limit:
            indices = sorted(indices, key=lambda i: -results[i]["score"])[:limit]  # sorted() is stable
        keep.update(indices)
    return [r for i, r in enumerate(results) if i in keep]


def _quiet():
    return contextlib.redirect_stdout(io.StringIO())  # pycocotools prints progress and tables


def _coco(dataset: dict):
    from pycocotools.coco import COCO

    with _quiet():
        api = COCO()
        api.dataset = copy.deepcopy(dataset)  # COCOeval writes an `ignore` flag into the ground truth it reads
        api.createIndex()
    return api


def _detections(gt_api, gt: dict, results: list[dict]):
    if not results:  # loadRes cannot take an empty list; an empty results set scores 0, not an error
        return _coco({"images": gt["images"], "categories": gt["categories"], "annotations": []})
    with _quiet():
        return gt_api.loadRes(copy.deepcopy(results))  # loadRes rewrites bbox/area/id of what it is given


def cocoeval_category(gt_api, dt_api, category_id: int, sigmas: Sequence[float]):
    """One finished COCOeval (evaluate, accumulate, summarize) for one category; `.stats` has 10 figures."""
    from pycocotools.cocoeval import COCOeval

    with _quiet():
        ev = COCOeval(gt_api, dt_api, iouType="keypoints")
        ev.params.catIds = [category_id]
        ev.params.kpt_oks_sigmas = np.asarray(sigmas, dtype=float)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def _stats(ev) -> dict:
    return {key: (None if value < 0 else float(value)) for key, value in zip(STAT_KEYS, ev.stats)}


def _matched(ev) -> int:
    """People (not ignored) matched by a prediction at OKS >= 0.5, area range "all", from COCOeval's own matching."""
    total = 0
    for e in ev.evalImgs:
        if e is None or e["aRng"] != ev.params.areaRng[0]:
            continue
        total += int(np.sum((e["gtMatches"][0] > 0) & ~np.asarray(e["gtIgnore"], dtype=bool)))
    return total


def resolve_sigmas(prepared: dict, sigmas: Mapping[int, Sequence[float]] | None) -> dict[int, tuple[list, str]]:
    """{category id: (sigmas, source)}: given -> "given"; the category's own `sigmas` key -> "category";
    else training.metrics.sigmas.default_sigmas -> "coco" or "uniform"."""
    out = {}
    for cat in prepared["categories"]:
        cid, names = cat["id"], cat["keypoints"]
        if sigmas and cid in sigmas:
            out[cid] = (check_sigmas(sigmas[cid], len(names), f"sigmas[{cid}]"), "given")
        elif cat.get("sigmas") is not None:
            out[cid] = (check_sigmas(cat["sigmas"], len(names), f"ground_truth.categories[id={cid}].sigmas"),
                        "category")
        else:
            out[cid] = (default_sigmas(names), sigmas_source(names, None))
    unknown = set(sigmas or {}) - set(out)
    if unknown:
        raise InvalidInput(f"sigmas given for unknown category ids {sorted(unknown)}", field="sigmas")
    return out


def _per_keypoint(gt: dict, results: list[dict], cat: dict, sigmas, pck_alpha: float, min_oks: float) -> dict:
    k = len(cat["keypoints"])
    acc = KeypointAccumulator(sigmas, cat["keypoints"], alpha=pck_alpha, min_oks=min_oks)
    people, preds = defaultdict(list), defaultdict(list)
    for a in gt["annotations"]:
        if a["category_id"] == cat["id"] and not a["iscrowd"] and a["num_keypoints"] > 0:
            people[a["image_id"]].append(a)
    for r in results:
        if r["category_id"] == cat["id"]:
            preds[r["image_id"]].append(r)
    for img in gt["images"]:
        g, p = people.get(img["id"], []), preds.get(img["id"], [])
        acc.add_image(np.array([a["keypoints"] for a in g]).reshape(len(g), k, 3), [a["bbox"] for a in g],
                      [0] * len(g), np.array([r["keypoints"] for r in p]).reshape(len(p), k, 3),
                      [r["score"] for r in p], [0] * len(p), gt_areas=[a["area"] for a in g])
    return acc.result()


def evaluate_keypoints(ground_truth: dict, results, *, sigmas: Mapping[int, Sequence[float]] | None = None,
                       image_ids: Iterable[int] | None = None, pck_alpha: float = 0.05, min_oks: float = 0.1,
                       prepared: bool = False) -> dict:
    """Score COCO keypoint results against a COCO keypoints ground truth.

    ground_truth: a COCO keypoints dict (checked and completed by prepare_ground_truth, unless `prepared`).
    results: a COCO results list, or the uploaded JSON bytes/text (checked by coco_results.parse_results against
      every image of the ground truth; predictions on images outside `image_ids` are then left out).
    sigmas: {category id: one sigma per keypoint}; else the category's `sigmas` key, else the default.
    image_ids: score only these images (a split); None: every image in the ground truth.

    Returns (figures in 0..1, None where there was nothing to score):
      {"ap", "ap50", "ap75", "ap_medium", "ap_large", "ar", "ar50", "ar75", "ar_medium", "ar_large",
       "sigmas": [floats, the categories' lists one after another, aligned with per_keypoint],
       "per_keypoint": [{"name", "pck", "oks_share", "sigma", "visible", "category_id", "class"}],
       "images", "instances" (people with >= 1 labelled keypoint), "matched" (of those, matched at OKS >= 0.5),
       "people_without_keypoints", "crowd_regions", "predictions" (scored), "predictions_outside" (left out),
       "pck", "mean_oks",
       "classes": [{"category_id", "name", "keypoints", "sigmas", "sigmas_source", <the ten figures>, "images",
                    "instances", "matched", "people_without_keypoints", "crowd_regions", "predictions"}],
       "method": {...how it was computed...}}
    """
    full = ground_truth if prepared else prepare_ground_truth(ground_truth)
    gt = select_images(full, image_ids)
    clean = parse_results(results, full)
    kept_images = {img["id"] for img in gt["images"]}
    scored = top_per_image([r for r in clean if r["image_id"] in kept_images], MAX_DETECTIONS)
    category_sigmas = resolve_sigmas(gt, sigmas)
    people = counts(gt)

    gt_api = _coco(gt)
    dt_api = _detections(gt_api, gt, scored)
    classes, per_keypoint, flat_sigmas = [], [], []
    for cat in gt["categories"]:
        cid = cat["id"]
        cat_sigmas, source = category_sigmas[cid]
        ev = cocoeval_category(gt_api, dt_api, cid, cat_sigmas)
        summary = _per_keypoint(gt, scored, cat, cat_sigmas, pck_alpha, min_oks)
        classes.append({"category_id": cid, "name": cat.get("name", str(cid)), "keypoints": list(cat["keypoints"]),
                        "sigmas": cat_sigmas, "sigmas_source": source, **_stats(ev), "images": len(gt["images"]),
                        **people[cid], "matched": _matched(ev),
                        "predictions": sum(1 for r in scored if r["category_id"] == cid),
                        "pck": summary["pck"], "mean_oks": summary["mean_oks"],
                        "visible_keypoints": sum(row["visible"] for row in summary["keypoints"])})
        for row in summary["keypoints"]:
            per_keypoint.append({"name": row["name"], "pck": row["pck"], "oks_share": row["oks_share"],
                                 "sigma": row["sigma"], "visible": row["visible"], "category_id": cid,
                                 "class": cat.get("name", str(cid))})
        flat_sigmas += cat_sigmas

    def mean(key):
        values = [c[key] for c in classes if c[key] is not None]
        return float(np.mean(values)) if values else None

    def total(key):
        return sum(c[key] for c in classes)

    visible = total("visible_keypoints")
    pck = sum((c["pck"] or 0.0) * c["visible_keypoints"] for c in classes) / visible if visible else None
    return {
        **{key: mean(key) for key in STAT_KEYS},
        "sigmas": flat_sigmas,
        "per_keypoint": per_keypoint,
        "images": len(gt["images"]),
        "instances": total("instances"),
        "matched": total("matched"),
        "people_without_keypoints": total("people_without_keypoints"),
        "crowd_regions": total("crowd_regions"),
        "predictions": len(scored),
        "predictions_outside": sum(1 for r in clean if r["image_id"] not in kept_images),
        "pck": pck,
        "mean_oks": mean("mean_oks"),
        "classes": classes,
        "method": {
            "evaluator": f"pycocotools {_pycocotools_version()} COCOeval(iouType='keypoints'), one run per category",
            "combine": "mean over categories with people that have keypoints",
            "area": "stored area; box w x h x 0.53 where none is stored",
            "ignored": "crowd regions (iscrowd 1) and people without labelled keypoints (num_keypoints 0)",
            "max_detections_per_image": MAX_DETECTIONS,
            "pck_alpha": pck_alpha,
            "per_keypoint_min_oks": min_oks,
        },
    }


def _pycocotools_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pycocotools")
    except PackageNotFoundError:
        return "?"
