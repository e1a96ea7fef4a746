"""Concurrent labellers on one dataset, through the real HTTP API of a live server.

A team workspace with N labellers (different users, each with their own API token) and one dataset. Django's
threaded server (`manage.py runserver`) on a free port serves the API from a throwaway SQLite database.

1. Baseline: one labeller saves alone (GET the image's annotation for its version, PUT new instances with it).
2. Concurrent: N threads, one per labeller, save at the same time. Most saves go to the labeller's own images,
   every fourth to one of a few shared images that all of them edit, so versions collide. A 409 is what the
   labeler shows as a conflict; here the labeller reloads and saves again (as "keep mine" does).
3. Proof of no lost update, from the stored history (datasets.AnnotationRevision, written in the same
   transaction as each save): every accepted save (HTTP 200 with version v) is the revision v of its image,
   with the same instances and the same user; each image's versions run 1..n without a gap; the annotation
   holds the last one.

Figures: saves accepted, 409s, lost updates (must be 0), p95 save latency (the PUT) alone and concurrent, and
`p95_ratio` = concurrent p95 / single-labeller p95 measured in the same run. Last line: JSON.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402

LABELLERS = int(os.environ.get("BENCH_LABELLERS", 8))
SAVES_EACH = int(os.environ.get("BENCH_SAVES", 25))
BASELINE_SAVES = int(os.environ.get("BENCH_BASELINE_SAVES", 50))
SHARED_IMAGES = 3
OWN_IMAGES = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, base: str, token: str):
        self.base, self.headers = base, {"Authorization": f"Token {token}", "Accept": "application/json"}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, float]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {**self.headers, **({"Content-Type": "application/json"} if data else {})}
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        return status, (json.loads(raw) if raw else {}), time.perf_counter() - t0


def instances(class_id: int, who: int, n: int) -> list[dict]:
    """Content unique to (labeller, save number), so each stored revision is recognisable."""
    x = 5 + (who * 7 + n) % 40
    return [{"class": class_id, "bbox": [x, 5, 20, 30], "keypoints": [[x + 2, 8 + n % 20, 2], [x + 10, 20, 1]]}]


def save(api: Api, image: int, payload: list, log: list, who: str) -> int:
    """GET the version, PUT; on 409 reload and save again. Returns how many 409s it met."""
    conflicts = 0
    while True:
        _, current, _ = api.request("GET", f"/api/v1/images/{image}/annotations/")
        status, body, seconds = api.request("PUT", f"/api/v1/images/{image}/annotations/",
                                            {"version": current["version"], "instances": payload})
        if status == 200:
            log.append({"image": image, "version": body["version"], "instances": payload, "user": who,
                        "seconds": seconds})
            return conflicts
        if status != 409:
            raise RuntimeError(f"PUT answered {status}: {body}")
        conflicts += 1


def jpeg_bytes(width: int, height: int, seed: int) -> bytes:
    import io

    from PIL import Image as PILImage

    im = PILImage.new("RGB", (width, height), (seed % 256, 40, 90))
    im.putpixel((seed % width, (seed // width) % height), (7, seed % 256, 9))  # distinct content per seed
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] * 1000


def main() -> None:
    tmp = _django.setup("posedeck-bench-concurrent-")
    from django.contrib.auth import get_user_model

    from accounts.models import Membership
    from accounts.services import workspace_create
    from accounts.tokens import token_create
    from datasets.models import Annotation, AnnotationRevision
    from datasets.services import class_create, dataset_create, image_add

    User = get_user_model()
    admin = User.objects.create_user("admin", password="bench-pass-123")
    ws = workspace_create(user=admin, name="bench team")
    ds = dataset_create(workspace=ws, user=admin, name="shared")
    cls = class_create(dataset=ds, name="person", keypoints=[{"name": "a"}, {"name": "b"}])
    people = []
    for i in range(LABELLERS + 1):
        u = User.objects.create_user(f"labeller{i}", password="bench-pass-123")
        Membership.objects.create(workspace=ws, user=u, role="labeller")
        own = [image_add(dataset=ds, name=f"{i}_{k}.jpg", data=jpeg_bytes(80, 60, seed=i * 100 + k))[0].pk
               for k in range(OWN_IMAGES)]
        people.append((u.username, token_create(user=u, name="bench", days=1)[1], own))
    shared = [image_add(dataset=ds, name=f"shared{k}.jpg", data=jpeg_bytes(80, 60, seed=9000 + k))[0].pk
              for k in range(SHARED_IMAGES)]

    port = free_port()
    env = {**os.environ, "DATABASE_URL": os.environ["DATABASE_URL"], "MEDIA_ROOT": os.environ["MEDIA_ROOT"]}
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=_django.REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=2).read()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start")
                time.sleep(0.3)

        # 1. One labeller alone (the last one, on their own images).
        name, token, own = people[-1]
        api, alone = Api(base, token), []
        for n in range(BASELINE_SAVES):
            save(api, own[n % len(own)], instances(cls.pk, LABELLERS, n), alone, name)
        single_p95 = p95([e["seconds"] for e in alone])

        # 2. All the others at once.
        accepted: list[dict] = []
        conflicts = [0]
        lock = threading.Lock()
        start = threading.Barrier(LABELLERS)

        def labeller(i: int) -> None:
            name, token, own = people[i]
            api, mine, hit = Api(base, token), [], 0
            start.wait()
            for n in range(SAVES_EACH):
                image = shared[(i + n) % SHARED_IMAGES] if n % 4 == 0 else own[n % len(own)]
                hit += save(api, image, instances(cls.pk, i, n), mine, name)
            with lock:
                accepted.extend(mine)
                conflicts[0] += hit

        t0 = time.perf_counter()
        threads = [threading.Thread(target=labeller, args=(i,)) for i in range(LABELLERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        concurrent_p95 = p95([e["seconds"] for e in accepted])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)

    # 3. Every accepted save is in the stored history, unchanged, and nothing else is.
    everything = alone + accepted
    history = {(r.image_id, r.version): r for r in AnnotationRevision.objects.select_related("saved_by")}
    lost = [e for e in everything if (e["image"], e["version"]) not in history
            or history[(e["image"], e["version"])].instances != e["instances"]
            or history[(e["image"], e["version"])].saved_by.username != e["user"]]
    gaps = 0
    for ann in Annotation.objects.filter(image__dataset=ds):
        versions = sorted(v for (img, v) in history if img == ann.image_id)
        gaps += versions != list(range(1, ann.version + 1))
    assert len(history) == len(everything), (len(history), len(everything))
    result = {
        "labellers": LABELLERS, "saves_accepted": len(accepted), "conflicts_409": conflicts[0],
        "lost_updates": len(lost), "history_gaps": gaps, "shared_images": SHARED_IMAGES,
        "single_p95_ms": round(single_p95, 1), "concurrent_p95_ms": round(concurrent_p95, 1),
        "p95_ratio": round(concurrent_p95 / single_p95, 2), "saves_per_s": round(len(accepted) / wall, 1),
        "server": "manage.py runserver (threaded), SQLite",
    }
    print(f"{LABELLERS} labellers, {len(accepted)} saves accepted in {wall:.1f} s, {conflicts[0]} answered 409 "
          f"(reloaded and saved again); {len(lost)} lost updates, {gaps} images with a gap in their versions")
    print(f"p95 save latency: alone {single_p95:.1f} ms, {LABELLERS} at once {concurrent_p95:.1f} ms "
          f"(ratio {concurrent_p95 / single_p95:.2f})")
    print(json.dumps(result))
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    if lost or gaps:
        sys.exit(1)


if __name__ == "__main__":
    main()
