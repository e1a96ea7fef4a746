"""A real Celery worker process (Redis in CI, the filesystem broker by default) runs our tasks."""
import pytest
from django.conf import settings

from config import storage
from datasets.models import Image
from datasets.tasks import rebuild_thumbnails

from .conftest import jpeg_bytes, upload


@pytest.mark.worker
def test_worker_process_runs_a_task_to_completion(api, dataset, celery_worker):
    upload(api, dataset["id"], [(f"{i}.jpg", jpeg_bytes(seed=i)) for i in range(3)])
    thumbs = list(Image.objects.values_list("thumbnail", flat=True))
    for name in thumbs:
        storage.delete(name)
    rebuild_thumbnails.delay(dataset["id"])
    celery_worker(lambda: all(storage.exists(name) for name in thumbs), timeout=90)
    assert all(storage.size(name) > 0 for name in thumbs)


def test_broker_is_redis_when_redis_url_is_set_else_the_filesystem():
    if settings.REDIS_URL:
        assert settings.CELERY_BROKER_URL.startswith("redis://")
    else:
        assert settings.CELERY_BROKER_URL == "filesystem://"
