"""Engine latency and memory on this CPU: yolo11n-pose at imgsz 640 on a real COCO photo (640x392).

Each configuration runs in its own process, so thread settings do not leak between runs. Memory: the
process's resident-set growth (Linux /proc, torch and Ultralytics already imported) from loading the first
engine and running one prediction (one-time runtime costs included), then from a second engine of the same
size (what each further cached model costs). Configurations: the ONNX engine (dynamic input, the default) and the torch engine with 1
thread and with every core, an ONNX file exported with a fixed 640x640 input, and plain Ultralytics
`YOLO(pt).predict` as the baseline. The weights are a yolo11n-pose made by tests/yolo_fixtures.py (same
network and cost as the released one; the values do not matter for speed).

    .venv/bin/python benchmarks/engines.py [--runs 30]
Last line: JSON {"onnx_ms", "torch_ms", "onnx_fixed_ms", "plain_ultralytics_ms", "onnx_1t_ms", "torch_1t_ms",
"onnx_mb", "torch_mb", "onnx_more_mb", "torch_more_mb", "speedup"}.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PHOTO = REPO / "tests" / "data" / "coco" / "000000197388.jpg"

CHILD = r"""
import json, statistics, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from training.engine.offline import prepare
prepare()
import numpy as np, torch
from PIL import Image
from ultralytics import YOLO
from deploy.engines.yolo import YoloPoseEngine

kind, weights, threads, runs = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
import shutil, tempfile
second = Path(tempfile.mkdtemp()) / ("second" + Path(weights).suffix)
shutil.copyfile(weights, second)
photo = np.asarray(Image.open(sys.argv[6]).convert("RGB"))
import os
page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20
rss = lambda: int(open("/proc/self/statm").read().split()[1]) * page_mb  # resident MB now
before = rss()
if kind == "plain":
    model = YOLO(weights, task="pose")
    bgr = np.ascontiguousarray(photo[:, :, ::-1])
    call = lambda: model.predict(bgr, imgsz=640, conf=0.25, device="cpu", verbose=False)
    call()
    torch.set_num_threads(threads)
else:
    engine = YoloPoseEngine(weights, imgsz=640, threads=threads, device="cpu")
    call = lambda: engine.predict([photo], conf=0.25)
    call()
grown = rss() - before
if kind != "plain":  # a second model in the same process: what each further cached model costs
    before_second = rss()
    other = YoloPoseEngine(second, imgsz=640, threads=threads, device="cpu")
    other.predict([photo], conf=0.25)
    more = rss() - before_second
else:
    more = None
for _ in range(5):
    call()
times = []
for _ in range(runs):
    started = time.perf_counter()
    call()
    times.append((time.perf_counter() - started) * 1000)
print(json.dumps({"ms": statistics.median(times), "p95_ms": sorted(times)[int(0.95 * (runs - 1))], "mb": grown,
                  "more_mb": more}))
"""


def run(kind: str, weights: Path, threads: int, runs: int) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(REPO), kind, str(weights), str(threads), str(runs),
                           str(PHOTO)], capture_output=True, text=True, check=False, env=dict(os.environ))
    if done.returncode:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 30
    from core.devices import cpu_count, cpu_name
    from deploy.engines.yolo import export_onnx
    from tests.yolo_fixtures import tiny_pose_checkpoint

    cores = cpu_count()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        pt = tiny_pose_checkpoint(Path(tmp))
        print(f"weights made in {time.perf_counter() - started:.1f} s; {cpu_name()}, {cores} cores; "
              f"median of {runs} after 5 warm-up calls", flush=True)
        started = time.perf_counter()
        dynamic = export_onnx(pt, Path(tmp) / "dynamic", imgsz=640)
        export_s = time.perf_counter() - started
        fixed = export_onnx(pt, Path(tmp) / "fixed", imgsz=640, dynamic=False)
        figures = {"export_s": round(export_s, 2)}
        for label, kind, weights, threads in (
                ("onnx", "engine", dynamic, cores), ("torch", "engine", pt, cores),
                ("onnx_1t", "engine", dynamic, 1), ("torch_1t", "engine", pt, 1),
                ("onnx_fixed", "engine", fixed, cores), ("plain_ultralytics", "plain", pt, cores)):
            result = run(kind, weights, threads, runs)
            figures[f"{label}_ms"] = round(result["ms"], 1)
            figures[f"{label}_p95_ms"] = round(result["p95_ms"], 1)
            if label in ("onnx", "torch"):
                figures[f"{label}_mb"] = round(result["mb"])
                figures[f"{label}_more_mb"] = round(result["more_mb"])
            more = f", each further model +{result['more_mb']:.0f} MB" if result["more_mb"] is not None else ""
            print(f"{label:18s} {threads} thread(s): {result['ms']:6.1f} ms median, {result['p95_ms']:6.1f} ms p95, "
                  f"first model +{result['mb']:.0f} MB{more}", flush=True)
    figures["speedup"] = round(figures["torch_ms"] / figures["onnx_ms"], 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
