"""A real Celery worker process (Redis in CI, the filesystem broker by default) runs our tasks."""
import pytest
from django.conf import settings

from datasets import storage
from datasets.models import Image
from datasets.tasks import rebuild_thumbnails

from .conftest import jpeg_bytes, upload


@pytest.mark.worker
def test_worker_process_runs_a_task_to_completion(api, dataset, celery_worker):
    upload(api, dataset["id"], [(f"{i}.jpg", jpeg_bytes(seed=i)) for i in range(3)])
    thumbs = [storage.media_path(t) for t in Image.objects.values_list("thumbnail", flat=True)]
    for t in thumbs:
        t.unlink()
    rebuild_thumbnails.delay(dataset["id"])
    celery_worker(lambda: all(t.exists() for t in thumbs), timeout=90)
    assert all(t.stat().st_size > 0 for t in thumbs)


def test_broker_is_redis_when_redis_url_is_set_else_the_filesystem():
    if settings.REDIS_URL:
        assert settings.CELERY_BROKER_URL.startswith("redis://")
    else:
        assert settings.CELERY_BROKER_URL == "filesystem://"
