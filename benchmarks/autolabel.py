"""Autolabel throughput vs a bare batched Ultralytics predict over the same files, and accept_share, in one run.

    .venv/bin/python benchmarks/autolabel.py [--images 200] [--epochs 3] [--imgsz 128] [--rounds 2]

Model: yolo11n-pose trained here from its YAML by Ultralytics' own trainer on the sample data
(tests/data/coco_mini, 17 COCO keypoints; every 6th image is val, as tests/yolo_fixtures.py splits it) for
`--epochs` at `--imgsz` (with tests/yolo_fixtures.recalibrate, so its outputs depend on the image). It is a
few-epoch model on ~30 photos: its accept_share says what that model is worth, not what a real one reaches.

Throughput: `--images` JPEG files (the sample photos, cycled, one pixel changed so each is a new image) are
uploaded into a dataset; then, alternating the order each round and keeping each side's fastest round,
  platform: autolabel.jobs.job_run over all of them: what an inference-queue worker runs (read each stored
            file, EXIF orientation, batches of 16 through deploy.serving.predict_for on the deployed .pt,
            keypoint mapping, suggestions stored through the one annotation writer, progress per batch);
  bare:     `YOLO(pt).predict(paths, batch=16, imgsz=<the engine's>, conf=<same>)` over the same files.
Both models are loaded and warmed before the clock and run with the same torch thread count.
ratio = platform images/s / bare images/s. Inference runs at `--infer-imgsz` (640, as deployed models do;
the tiny model trains at `--imgsz` to keep the run short): at a tiny size the per-image work outside the
model (decoding the stored file, storing 17-point suggestions through the writer) weighs far more.

accept_share: the deployment evaluated (autolabel's Evaluate: the same job path) on the val split of the
sample data imported with its labels: the share of labelled keypoints a suggestion puts within PCK@0.05.
Last line: JSON {"ratio", "images_per_s", "accept_share", ...}.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from benchmarks._django import setup  # noqa: E402

COCO_MINI = REPO / "tests" / "data" / "coco_mini"


def photos(n: int, out: Path) -> list[Path]:
    from PIL import Image

    sources = sorted((COCO_MINI / "train2017").glob("*.jpg"))
    paths = []
    for i in range(n):
        with Image.open(sources[i % len(sources)]) as im:
            im = im.convert("RGB")
            im.putpixel((i % im.width, (i // im.width) % im.height), (i % 256, (i * 7) % 256, 3))
            path = out / f"frame_{i:04d}.jpg"
            im.save(path, quality=92)
        paths.append(path)
    return paths


def val_subset(out: Path) -> Path:
    """The val split of coco_mini (every 6th image, as tests/yolo_fixtures.write_yolo_folder) as COCO JSON."""
    data = json.loads((COCO_MINI / "annotations" / "person_keypoints_train2017.json").read_text())
    keep = {img["id"] for i, img in enumerate(data["images"]) if i % 6 == 0}
    data["images"] = [img for img in data["images"] if img["id"] in keep]
    data["annotations"] = [a for a in data["annotations"] if a["image_id"] in keep]
    path = out / "val.json"
    path.write_text(json.dumps(data))
    return path


def with_inference_size(pt: Path, imgsz: int, dst: Path) -> Path:
    """A copy of `pt` whose recorded training size (what the engine and a plain predict default to) is `imgsz`:
    the tiny model trains at a small size to keep this short, but is deployed, like a real one, at 640."""
    import torch

    checkpoint = torch.load(pt, map_location="cpu", weights_only=False)  # our own file
    checkpoint.setdefault("train_args", {})["imgsz"] = imgsz
    torch.save(checkpoint, dst)
    return dst


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--imgsz", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--infer-imgsz", type=int, default=640,
                    help="inference size written into the deployed file (both sides run at it); 0: the training size")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch CPU threads for both sides (default: the engine's, core.devices.inference_threads)")
    ap.add_argument("--weights", help="a .pt to use instead of training one (to repeat a measurement)")
    args = ap.parse_args()
    tmp = setup("posedeck-bench-autolabel-")
    from django.contrib.auth import get_user_model

    from accounts import services as accounts
    from autolabel.jobs import job_run, job_start
    from autolabel.mappings import config_update
    from autolabel.models import AutolabelJob
    from datasets import services as data
    from datasets.imports import import_coco_folder
    from datasets.models import Annotation, Image
    from deploy.serving import engine_for
    from tests.autolabel_fixtures import coco_template, deploy_custom
    from tests.yolo_fixtures import recalibrate, train_tiny_pose

    t0 = time.perf_counter()
    if args.weights:
        pt = Path(args.weights)
    else:
        pt = recalibrate(train_tiny_pose(tmp / "train", epochs=args.epochs, imgsz=args.imgsz), tmp / "tiny_pose.pt",
                         imgsz=args.imgsz)
        print(f"trained yolo11n-pose on coco_mini: {args.epochs} epochs at {args.imgsz} px in "
              f"{time.perf_counter() - t0:.1f} s ({pt})", flush=True)

    if args.infer_imgsz:
        pt = with_inference_size(pt, args.infer_imgsz, tmp / f"tiny_pose_{args.infer_imgsz}.pt")
    user = get_user_model().objects.create_user("bench", password="x")
    ws = accounts.workspace_create(user=user, name="bench")
    ds = data.dataset_create(workspace=ws, user=user, name="frames")
    data.class_create(dataset=ds, **{k: v for k, v in coco_template().items() if k != "connections"})
    files = photos(args.images, Path(tempfile.mkdtemp(dir=tmp)))
    for path in files:
        data.image_add(dataset=ds, name=path.name, data=path.read_bytes())
    deployment = deploy_custom(ws.pk, pt, name="tiny")
    config_update(dataset=ds, changes={"deployment": deployment.pk, "conf": 0.25})
    engine = engine_for(deployment, load=True)  # loaded and warmed before any clock
    imgsz = engine.imgsz

    from ultralytics import YOLO

    bare_model = YOLO(str(pt), task="pose")
    bare_model.predict([str(files[0])], imgsz=imgsz, conf=0.25, device="cpu", verbose=False)
    stored = [str(Path(im.file.path)) for im in Image.objects.filter(dataset=ds).order_by("id")]
    import torch

    # Torch's thread count is process-wide and Ultralytics' predictor setup lowers it: both sides run with the
    # same count (the engine's own, core.devices.inference_threads, unless --threads), set before each timed run.
    # On a box shared with other jobs, 1 thread each avoids measuring oversubscription (2 threads on 2 busy cores
    # measured 8x slower than 1 for the bare side alone).
    threads = args.threads or engine.threads

    def bare() -> float:
        torch.set_num_threads(threads)
        t = time.perf_counter()
        n = 0
        for chunk in range(0, len(stored), 16):  # batched, as autolabel's engine calls are
            n += len(bare_model.predict(stored[chunk:chunk + 16], batch=16, imgsz=imgsz, conf=0.25, device="cpu",
                                        verbose=False))
        assert n == len(stored)
        return time.perf_counter() - t

    def platform() -> float:
        Annotation.objects.filter(image__dataset=ds).update(suggestions=[], suggestion_score=None)
        job = job_start(dataset=ds, user=user)
        torch.set_num_threads(threads)
        t = time.perf_counter()
        status = job_run(job_id=job.pk, attempt=job.attempt)
        took = time.perf_counter() - t
        job.refresh_from_db()
        assert status == "done" and job.done == len(stored), (status, job.done, job.error)
        return took

    best = {"bare": float("inf"), "platform": float("inf")}
    for r in range(args.rounds):
        order = [("bare", bare), ("platform", platform)] if r % 2 == 0 else [("platform", platform), ("bare", bare)]
        for name, fn in order:
            s = fn()
            best[name] = min(best[name], s)
            print(f"round {r + 1} {name}: {s:.2f} s ({len(stored) / s:.1f} images/s)", flush=True)
    last = AutolabelJob.objects.filter(dataset=ds).first()
    print(f"suggestions: {last.instances} on {last.suggested} of {last.done} images", flush=True)

    # accept_share on the sample data's val split, labelled, through Evaluate.
    val = data.dataset_create(workspace=ws, user=user, name="coco_mini val")
    import_coco_folder(dataset=val, json_path=val_subset(tmp), images_dir=COCO_MINI / "train2017")
    job = job_start(dataset=val, user=user, deployment=deployment, kind="evaluate")
    job_run(job_id=job.pk, attempt=job.attempt)
    job.refresh_from_db()
    assert job.status == "done", job.error
    result = job.result
    print(f"evaluate on coco_mini val ({result['images']} images, {result['instances']} people): "
          f"AP {result['ap']}, accept_share (PCK@0.05) {result['accept_share']}", flush=True)

    ips = len(stored) / best["platform"]
    out = {"ratio": round(best["bare"] / best["platform"], 3), "images_per_s": round(ips, 2),
           "accept_share": None if result["accept_share"] is None else round(result["accept_share"], 4),
           "bare_images_per_s": round(len(stored) / best["bare"], 2), "images": len(stored), "imgsz": imgsz,
           "threads": threads,
           "model": f"yolo11n-pose trained here on tests/data/coco_mini, {args.epochs} epochs at {args.imgsz} px, "
                    f"run at {imgsz} px",
           "accept_share_on": "coco_mini val split (every 6th image)", "ap": result["ap"]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
