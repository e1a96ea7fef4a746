"""Training through the platform vs plain Ultralytics, same data and settings, in one run.

    .venv/bin/python benchmarks/training.py [--epochs 3] [--imgsz 160] [--batch 8] [--rounds 3]

Data: tests/data/coco_mini (36 images, 17 keypoints) imported into a throw-away SQLite
database and media folder. Each round trains yolo11n-pose from its YAML twice, alternating the order:
  plain:    a bare subprocess running `YOLO("yolo11n-pose.yaml").train(data=..., ...)` on a copy of the
            same YOLO folder; timed around the YOLO(...) and train(...) calls (interpreter start and
            `import ultralytics` excluded);
  platform: a fresh subprocess too (Django set up and `import ultralytics` done before the clock starts)
            timing training_session_start (checks + snapshot) and session_execute (claim, Ultralytics run with
            the per-epoch callbacks, DB rows, heartbeat, cancel checks, final metrics) until the session is
            `completed`: the same service a gpu-queue worker runs, minus the broker hop. The per-keypoint
            evaluation (a separate task on a worker, work plain Ultralytics does not do) is timed after that
            and printed as evaluation_task_s, not counted in platform_s.
The fastest round of each is compared. Last line: JSON {"platform_s", "plain_s", "ratio"}.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COCO = REPO / "tests" / "data" / "coco_mini"

PLAIN_SCRIPT = r"""
import json, sys, time
args = json.loads(sys.argv[1])
from ultralytics import YOLO
import ultralytics.engine.trainer  # the platform imports this before its clock too (offline AMP-check patch)
t = time.perf_counter()
model = YOLO("yolo11n-pose.yaml")
model.train(**args)
print("PLAIN_SECONDS", time.perf_counter() - t)
"""


def loop_seconds(results_csv: Path) -> float | None:
    """Ultralytics' own clock: seconds from the start of the training loop to the end of the last epoch."""
    try:
        rows = results_csv.read_text().strip().splitlines()
        header = [h.strip() for h in rows[0].split(",")]
        return round(float(rows[-1].split(",")[header.index("time")]), 2)
    except (OSError, ValueError, IndexError):
        return None


def _setup_django(tmp: Path) -> None:
    os.environ.update(DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}", MEDIA_ROOT=str(tmp / "media"),
                      BROKER_DIR=str(tmp / "broker"), DJANGO_SETTINGS_MODULE="config.settings")
    sys.path.insert(0, str(REPO))
    os.chdir(REPO)
    import django

    django.setup()


def platform_child(tmp: Path, job: dict) -> None:
    """One platform session in this (fresh) process; prints PLATFORM_SECONDS and a detail line."""
    _setup_django(tmp)
    from django.contrib.auth import get_user_model

    from datasets.models import Dataset
    from training.engine import offline
    from training.execution import session_evaluate, session_execute
    from training.services import training_session_start

    offline.prepare()
    import ultralytics  # noqa: F401  (outside the clock, as in the plain script)

    user = get_user_model().objects.get(username="bench")
    dataset = Dataset.objects.get(created_by=user)
    t = time.perf_counter()
    session = training_session_start(user=user, dataset=dataset, params=job["params"], name=job["name"], enqueue=False)
    t_snap = time.perf_counter() - t
    session = session_execute(session_id=session.pk, attempt=session.attempt, worker="", evaluate="none")
    total = time.perf_counter() - t
    session.refresh_from_db()
    if session.status != "completed":
        raise SystemExit(f"platform run {session.status}: {session.error}")
    # The per-keypoint evaluation is extra work plain Ultralytics does not do; on a worker it is its own task
    # after the session is already `completed`. Timed here, outside platform_s, and reported beside it.
    from training.models import TrainingSession

    TrainingSession.objects.filter(pk=session.pk).update(evaluation_status="queued")
    t_eval = time.perf_counter()
    session_evaluate(session_id=session.pk)
    t_eval = time.perf_counter() - t_eval
    rows = list(session.epoch_metrics.values_list("seconds", flat=True))
    from training import files

    detail = {"snapshot_s": round(t_snap, 2), "loop_s": loop_seconds(files.run_dir(session.pk) / "results.csv"),
              "evaluation_task_s": round(t_eval, 2), "epoch_rows": len(rows)}
    print("PLATFORM_SECONDS", total, json.dumps(detail))


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--platform-child":
        return platform_child(Path(sys.argv[2]), json.loads(sys.argv[3]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--imgsz", type=int, default=160)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    opts = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="posedeck-bench-training-"))
    _setup_django(tmp)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from accounts.selectors import personal_workspace
    from core import devices
    from datasets.imports import import_coco_folder
    from datasets.services import dataset_create
    from training.engine import offline
    from training.services import training_session_start

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="bench-pass-123")
    dataset = dataset_create(workspace=personal_workspace(user), user=user, name="coco mini")
    info = import_coco_folder(dataset=dataset, json_path=COCO / "annotations" / "person_keypoints_train2017.json",
                           images_dir=COCO / "train2017")
    offline.prepare()  # font and settings in place before either run

    params = {"epochs": opts.epochs, "imgsz": opts.imgsz, "batch": opts.batch, "patience": 100, "plots": True}
    print(f"dataset: {info['images_created']} images, {info['instances']} instances; yolo11n-pose from YAML, "
          f"{opts.epochs} epochs, imgsz {opts.imgsz}, batch {opts.batch}, CPU threads {devices.training_threads()}, "
          f"{devices.cpu_count()} cores", flush=True)

    def platform_round(i: int) -> tuple[float, str]:
        job = {"params": params, "name": f"bench {i}"}
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--platform-child", str(tmp), json.dumps(job)],
                              capture_output=True, text=True, env=dict(os.environ))
        line = next((row for row in done.stdout.splitlines() if row.startswith("PLATFORM_SECONDS")), None)
        if done.returncode or line is None:
            raise SystemExit(f"platform run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        _, seconds, detail = line.split(" ", 2)
        return float(seconds), detail

    # The plain run trains on its own copy of the first snapshot (no label caches), with the same arguments.
    probe = training_session_start(user=user, dataset=dataset, params=params, name="bench data", enqueue=False)
    from training import files

    plain_data = tmp / "plain_data"
    shutil.copytree(files.snapshot_dir(probe.pk), plain_data)
    data_yaml = plain_data / "data.yaml"
    data_yaml.write_text(data_yaml.read_text().replace(str(files.snapshot_dir(probe.pk).resolve()), str(plain_data)))
    plain_args = {"data": str(data_yaml), "epochs": opts.epochs, "imgsz": opts.imgsz, "batch": opts.batch,
                  "patience": 100, "plots": True, "nbs": probe.params["nbs"], "seed": 0, "device": "cpu", "workers": 0,
                  "project": str(tmp / "plain_runs"), "name": "plain", "exist_ok": True}

    def plain_round(i: int) -> tuple[float, str]:
        shutil.rmtree(tmp / "plain_runs", ignore_errors=True)
        for cache in plain_data.glob("labels/*.cache"):
            cache.unlink()
        done = subprocess.run([sys.executable, "-c", PLAIN_SCRIPT, json.dumps(plain_args)], capture_output=True,
                              text=True, env=dict(os.environ))
        if done.returncode:
            raise SystemExit(f"plain run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        seconds = float(next(line.split()[1] for line in done.stdout.splitlines() if line.startswith("PLAIN_SECONDS")))
        return seconds, json.dumps({"loop_s": loop_seconds(tmp / "plain_runs" / "plain" / "results.csv")})

    platform_times, plain_times = [], []
    for i in range(opts.rounds):
        order = ("plain", "platform") if i % 2 == 0 else ("platform", "plain")
        for kind in order:
            if kind == "plain":
                seconds, detail = plain_round(i)
                plain_times.append(seconds)
                print(f"round {i + 1} plain:    {seconds:.2f} s  {detail}", flush=True)
            else:
                seconds, detail = platform_round(i)
                platform_times.append(seconds)
                print(f"round {i + 1} platform: {seconds:.2f} s  {detail}", flush=True)
    platform_s, plain_s = min(platform_times), min(plain_times)
    print(f"best of {opts.rounds}: platform {platform_s:.2f} s, plain {plain_s:.2f} s, ratio {platform_s / plain_s:.3f} "
          "(target <= 1.05)")
    if not opts.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({"platform_s": round(platform_s, 3), "plain_s": round(plain_s, 3),
                      "ratio": round(platform_s / plain_s, 3)}))


if __name__ == "__main__":
    main()
