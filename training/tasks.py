"""Celery tasks. Names start with "training." so config.celery routes them to the `gpu` queue.

Thin: load ids, call one function of execution.py. Idempotent: a task carries the session's attempt
number, and a duplicate or stale delivery finds nothing to claim and returns.
"""
from celery import shared_task


@shared_task(name="training.run_session", bind=True, acks_late=True, reject_on_worker_lost=True)
def run_session(self, session_id: int, attempt: int) -> str:
    from .execution import session_execute

    session = session_execute(session_id=session_id, attempt=attempt, worker=self.request.hostname or "")
    return session.status if session else "skipped"


@shared_task(name="training.evaluate_session", acks_late=True)
def evaluate_session(session_id: int) -> str:
    from .execution import session_evaluate

    session = session_evaluate(session_id=session_id)
    return session.evaluation_status if session else "skipped"  # skipped: nothing queued for this session


@shared_task(name="training.sweep")
def sweep() -> int:
    from .liveness import sweep_stale_sessions

    return sweep_stale_sessions()
