"""RQ jobs: thin wrappers that call services inside an application context."""

from __future__ import annotations

from flask import current_app

_app = None


def _context():
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app.app_context()


def queue():
    from redis import Redis
    from rq import Queue

    cfg = current_app.config
    return Queue(cfg["RQ_QUEUE"], connection=Redis.from_url(cfg["REDIS_URL"],
                                                             socket_connect_timeout=2))


def enqueue(func: str, *args, **kwargs):
    from rq import Retry

    return queue().enqueue(func, *args, retry=Retry(max=3, interval=[10, 60, 300]),
                           job_timeout=120, **kwargs)


def deliver_outbox(message_ids: list[int] | None = None) -> int:
    with _context():
        from app.services import delivery

        return delivery.deliver(message_ids)


def sweep() -> dict:
    """The every-minute sweep (scheduled by ``rq cron app/cron.py``)."""
    with _context():
        from app.services import sweep as sweep_service

        return sweep_service.sweep()
