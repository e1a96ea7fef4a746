from celery import shared_task


@shared_task(name="datasets.rebuild_thumbnails", acks_late=True)
def rebuild_thumbnails(dataset_id: int) -> int:
    """Recreate missing thumbnails (e.g. after a media restore); idempotent."""
    from .services import thumbnails_rebuild

    return thumbnails_rebuild(dataset_id=dataset_id)
