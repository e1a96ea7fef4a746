"""The detect endpoint over real HTTP under gunicorn (ONNX engine) against plain `YOLO(pt).predict` in a bare script.

yolo11n-pose at imgsz 640 on a real COCO photo (tests/data/coco/000000197388.jpg, 640x392). The released
yolo11n-pose weights cannot be downloaded here, so the network is built from Ultralytics' own
`yolo11n-pose.yaml` with random weights (the same layers and FLOPs; the values only change how many boxes
survive NMS, and both sides see the same model and image, at conf 0.25).

Steps, in one run:
1. direct: a fresh Python process runs `YOLO(pt, task="pose").predict(photo, imgsz=640)` RUNS times after 3
   warm-up calls, with Ultralytics' defaults (its own thread choice) -> direct_p50_ms;
2. a deployment of the same .pt (engine onnx, exported by the inference task's code), public;
3. gunicorn with config/gunicorn.conf.py (1 worker x 8 threads, INFERENCE_CPU_THREADS = all cores) on a free
   port; RUNS sequential multipart POSTs of the photo to /api/v1/deployments/<id>/detect (keep-alive) ->
   p50_ms, p95_ms; the engine's own time from each answer's Server-Timing -> overhead_ms = p50 - engine p50;
4. throughput with 1, 4 and 8 concurrent clients (REQUESTS calls each level) -> rps_1, rps_4, rps_8.

    .venv/bin/python benchmarks/serving.py [--runs 40] [--requests 32]
Last line: JSON {"p50_ms", "p95_ms", "direct_p50_ms", "ratio", "overhead_ms", "rps_1", "rps_4", "rps_8"};
ratio = p50_ms / direct_p50_ms (< 1: the platform, HTTP included, answers faster than the plain library call).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PHOTO = REPO / "tests" / "data" / "coco" / "000000197388.jpg"

DIRECT = r"""
import statistics, sys, time
sys.path.insert(0, sys.argv[1])
from training.engine.offline import prepare
prepare()
from ultralytics import YOLO
model = YOLO(sys.argv[2], task="pose")
runs = int(sys.argv[4])
for _ in range(3):
    model.predict(sys.argv[3], imgsz=640, conf=0.25, verbose=False)
times = []
for _ in range(runs):
    t = time.perf_counter()
    model.predict(sys.argv[3], imgsz=640, conf=0.25, verbose=False)
    times.append((time.perf_counter() - t) * 1000)
print(statistics.median(times))
"""


def make_weights(out: Path) -> Path:
    """yolo11n-pose from Ultralytics' YAML, random weights, one class "person", trained size 640."""
    from training.engine.offline import prepare

    prepare()
    import torch
    from ultralytics import YOLO

    model = YOLO("yolo11n-pose.yaml", task="pose")
    path = out / "yolo11n-pose-random.pt"
    model.save(path)
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    for key in ("model", "ema"):
        if ckpt.get(key) is not None:
            ckpt[key].names = {0: "person"}
    ckpt["train_args"] = {"imgsz": 640, "task": "pose"}
    torch.save(ckpt, path)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--requests", type=int, default=32)
    args = parser.parse_args()

    from benchmarks._django import setup

    tmp = setup("posedeck-bench-serving-")
    os.environ.setdefault("DEPLOY_WORK_DIR", str(tmp / "deploy"))
    from django.conf import settings

    settings.DEPLOY_WORK_DIR = Path(os.environ["DEPLOY_WORK_DIR"])
    pt = make_weights(tmp)

    direct = subprocess.run([sys.executable, "-c", DIRECT, str(REPO), str(pt), str(PHOTO), str(args.runs)],
                            capture_output=True, text=True, timeout=600)
    if direct.returncode:
        raise SystemExit(direct.stderr[-2000:])
    direct_p50 = float(direct.stdout.strip().splitlines()[-1])
    print(f"direct YOLO(pt).predict p50: {direct_p50:.1f} ms")

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.selectors import personal_workspace
    from deploy import services

    user = get_user_model().objects.create_user("bench", password="bench-pass-123")
    deployment = services.deployment_create(
        workspace=personal_workspace(user), user=user, name="bench", kind="custom", public=True,
        weights_file=SimpleUploadedFile("yolo11n-pose.pt", pt.read_bytes()))
    version = deployment.versions.get()
    started = time.perf_counter()
    version = services.version_export(version.pk)
    print(f"ONNX export: {time.perf_counter() - started:.1f} s, engine {version.engine_used}")

    import requests

    port = free_port()
    env = {**os.environ, "WEB_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1", "WEB_THREADS": "8",
           "DEBUG": "false", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    log = open(tmp / "gunicorn.log", "wb")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "config/gunicorn.conf.py",
                             "config.wsgi"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/api/v1/deployments/{deployment.pk}/detect"
    photo = PHOTO.read_bytes()
    try:
        deadline = time.time() + 120
        while True:
            try:
                answer = requests.post(url, files={"image": ("p.jpg", photo)}, timeout=60)
                if answer.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.time() > deadline or proc.poll() is not None:
                raise SystemExit(f"gunicorn did not serve:\n{(tmp / 'gunicorn.log').read_text()[-3000:]}")
            time.sleep(0.5)
        session = requests.Session()
        for _ in range(3):
            session.post(url, files={"image": ("p.jpg", photo)}, timeout=60).raise_for_status()
        totals, engines = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            answer = session.post(url, files={"image": ("p.jpg", photo)}, timeout=60)
            totals.append((time.perf_counter() - t) * 1000)
            answer.raise_for_status()
            engines.append(float(re.search(r"engine;dur=([\d.]+)", answer.headers["Server-Timing"]).group(1)))
        p50, p95, engine_p50 = statistics.median(totals), pct(totals, 0.95), statistics.median(engines)
        print(f"HTTP p50 {p50:.1f} ms, p95 {p95:.1f} ms; engine p50 {engine_p50:.1f} ms; "
              f"{len(answer.json())} instances")

        def one(_):
            with requests.Session() as s:
                s.post(url, files={"image": ("p.jpg", photo)}, timeout=120).raise_for_status()

        rps = {}
        for clients in (1, 4, 8):
            t = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(one, range(args.requests)))
            rps[clients] = args.requests / (time.perf_counter() - t)
            print(f"{clients} concurrent clients: {rps[clients]:.1f} requests/s")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    print(json.dumps({"p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "direct_p50_ms": round(direct_p50, 1),
                      "ratio": round(p50 / direct_p50, 3), "overhead_ms": round(p50 - engine_p50, 1),
                      "rps_1": round(rps[1], 2), "rps_4": round(rps[4], 2), "rps_8": round(rps[8], 2)}))


if __name__ == "__main__":
    main()
