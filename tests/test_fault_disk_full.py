"""Disk full while saving an upload: the web server (a real process) stores media on a 1 MiB tmpfs, so the
kernel itself answers ENOSPC. The answer is 507 JSON, and the upload leaves neither rows nor files; once
the failed upload's bytes are gone again, a small upload works."""
from __future__ import annotations

import io
import random
import subprocess

import pytest
import requests
from PIL import Image as PILImage

from .conftest import jpeg_bytes
from .server_process import web_server

pytestmark = pytest.mark.worker


def _noise_jpeg(seed: int, size=(700, 700)) -> bytes:
    """About 400 KB that JPEG cannot compress: three of them overflow the tmpfs."""
    rnd = random.Random(seed)
    im = PILImage.frombytes("RGB", size, bytes(rnd.getrandbits(8) for _ in range(size[0] * size[1] * 3)))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=95)
    return buf.getvalue()


@pytest.fixture
def tiny_media(tmp_path, settings):
    mount = tmp_path / "media-tmpfs"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): {done.stderr.strip()}")
    settings.MEDIA_ROOT = mount
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _files(root) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_an_upload_that_fills_the_disk_answers_507_and_leaves_no_rows_or_files(transactional_db, user, tiny_media,
                                                                             tmp_path):
    from accounts.tokens import token_create
    from datasets.models import Image
    _, token = token_create(user=user, name="disk full", days=1)
    auth = {"Authorization": f"Token {token}"}
    with web_server(tmp_path / "web.log") as base:
        ds_id = requests.post(f"{base}/api/v1/datasets/", json={"name": "full disk"}, headers=auth).json()["id"]
        url = f"{base}/api/v1/datasets/{ds_id}/images/"
        first = requests.post(url, files=[("files", ("small.jpg", jpeg_bytes(seed=1)))], headers=auth, timeout=120)
        assert first.status_code == 201, first.text
        before = _files(tiny_media)
        assert before and Image.objects.count() == 1

        big = [("files", (f"noise{i}.jpg", _noise_jpeg(i))) for i in range(3)]
        assert sum(len(f[1][1]) for f in big) > 1024 * 1024
        full = requests.post(url, files=big, headers=auth, timeout=120)
        assert full.status_code == 507, full.text
        body = full.json()
        assert body["error"] == "storage_full" and body["field"] == "files" and body["kept"] == 0, body
        assert Image.objects.count() == 1  # no row
        assert _files(tiny_media) == before  # no file, not even a part of one

        again = requests.post(url, files=[("files", ("small2.jpg", jpeg_bytes(seed=2)))], headers=auth, timeout=120)
        assert again.status_code == 201, again.text
        assert Image.objects.count() == 2
