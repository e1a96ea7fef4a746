"""Ingest and list speed.

1. Upload 500 generated 640x480 JPEGs through the API (multipart, 50 files a request) and compare with
   the floor: the same bytes checked by Pillow's verify() and written to disk, nothing else.
   ingest_ratio = API time / floor time (1.0 would be free; lower is better).
2. The image list API on a dataset of 10,000 images: p50 ms for one page of 50.
"""
import io
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402

N_UPLOAD = 500
N_LIST = 10_000


def make_jpegs(n: int) -> list[bytes]:
    rng = np.random.default_rng(0)
    base = np.linspace(0, 255, 640, dtype=np.float32)[None, :, None].repeat(480, 0).repeat(3, 2)
    out = []
    for _ in range(n):
        noise = rng.normal(0, 12, (480, 640, 3)).astype(np.float32)
        arr = np.clip(base + noise + rng.uniform(-40, 40, 3), 0, 255).astype(np.uint8)
        buf = io.BytesIO()
        PILImage.fromarray(arr).save(buf, "JPEG", quality=85)
        out.append(buf.getvalue())
    return out


def floor_seconds(blobs: list[bytes], folder: Path) -> float:
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for i, data in enumerate(blobs):
        with PILImage.open(io.BytesIO(data)) as im:
            im.verify()
        (folder / f"{i}.jpg").write_bytes(data)
    return time.perf_counter() - t0


def main() -> None:
    tmp = _django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    from accounts.selectors import personal_workspace
    from datasets.models import Dataset, Image
    from datasets.splits import split_for

    user = get_user_model().objects.create_user("bench", password="bench-pass-123")
    client = APIClient()
    client.force_authenticate(user)
    blobs = make_jpegs(N_UPLOAD)
    mb = sum(map(len, blobs)) / 1e6
    print(f"generated {N_UPLOAD} JPEGs 640x480, {mb:.1f} MB")

    floor = floor_seconds(blobs, tmp / "floor")
    ds = client.post("/api/v1/datasets/", {"name": "ingest"}, format="json").json()
    t0 = time.perf_counter()
    for start in range(0, N_UPLOAD, 50):
        files = [SimpleUploadedFile(f"{i}.jpg", blobs[i], "image/jpeg") for i in range(start, start + 50)]
        r = client.post(f"/api/v1/datasets/{ds['id']}/images/", {"files": files}, format="multipart")
        assert r.status_code == 201 and len(r.json()["created"]) == 50, r.content[:300]
    api_s = time.perf_counter() - t0
    print(f"floor (verify + write): {floor:.2f} s, {N_UPLOAD / floor:.0f} images/s")
    print(f"API upload:             {api_s:.2f} s, {N_UPLOAD / api_s:.0f} images/s  (ratio {api_s / floor:.2f})")

    big = Dataset.objects.create(workspace=personal_workspace(user), created_by=user, name="ten-thousand")
    rows = []
    for i in range(N_LIST):
        sha = f"{i:064x}"
        rows.append(Image(dataset=big, file=f"x/{sha}.jpg", thumbnail=f"t/{sha}.jpg", original_name=f"{i}.jpg",
                          sha256=sha, width=640, height=480, split=split_for(sha, 0.2), labelled=i % 3 == 0))
    Image.objects.bulk_create(rows, batch_size=1000)
    pages = N_LIST // 50
    times = []
    for k in range(60):
        page = 1 + (k * 37) % pages
        t = time.perf_counter()
        r = client.get(f"/api/v1/datasets/{big.pk}/images/?page={page}")
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200 and len(r.json()["results"]) == 50
    unl = []
    for k in range(20):
        t = time.perf_counter()
        client.get(f"/api/v1/datasets/{big.pk}/images/?labelled=false&page={1 + k * 7}")
        unl.append((time.perf_counter() - t) * 1000)
    p50 = statistics.median(times[5:])
    print(f"list one page of 50 from {N_LIST} images: p50 {p50:.1f} ms, filtered (unlabelled) p50 {statistics.median(unl):.1f} ms")
    print(json.dumps({"ingest_ratio": round(api_s / floor, 3), "list_p50_ms": round(p50, 2),
                      "api_images_per_s": round(N_UPLOAD / api_s, 1), "floor_images_per_s": round(N_UPLOAD / floor, 1)}))


if __name__ == "__main__":
    main()
