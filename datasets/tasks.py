from celery import shared_task


@shared_task(name="datasets.rebuild_thumbnails", acks_late=True)
def rebuild_thumbnails(dataset_id: int) -> int:
    """Recreate missing thumbnails (e.g. after a media restore); idempotent."""
    from .services import thumbnails_rebuild

    return thumbnails_rebuild(dataset_id=dataset_id)


@shared_task(name="datasets.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int, attempt: int) -> str:
    """An import or export (datasets.jobs); a stale or duplicate delivery finds nothing to claim."""
    from .jobs import job_run

    job = job_run(job_id=job_id, attempt=attempt)
    return job.status if job else "skipped"


@shared_task(name="datasets.requeue_jobs")
def requeue_jobs() -> int:
    from .jobs import jobs_requeue_stale

    return jobs_requeue_stale()
