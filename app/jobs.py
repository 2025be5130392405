"""RQ jobs: thin wrappers that call services inside an application context."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

_app = None
log = logging.getLogger(__name__)


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

        sent = delivery.deliver(message_ids)
        if message_ids:
            _again_later(message_ids)
        return sent


def _again_later(message_ids: list[int]) -> None:
    """Messages that failed for a passing reason are due again after their backoff: queue
    a job for then (a worker started with --with-scheduler runs it). If that fails too,
    the sweep still finds them."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import OutboxMessage
    from app.services import clock

    rows = db.session.execute(select(OutboxMessage.id, OutboxMessage.next_attempt_at).where(
        OutboxMessage.id.in_(message_ids), OutboxMessage.status == "pending",
        OutboxMessage.next_attempt_at.is_not(None))).all()
    if not rows:
        return
    delay = max(min(r.next_attempt_at for r in rows) - clock.now(), timedelta(seconds=1))
    try:
        queue().enqueue_in(delay, "app.jobs.deliver_outbox", [r.id for r in rows],
                           job_timeout=120)
    except Exception:
        log.warning("could not queue the retry of %d message(s)", len(rows), exc_info=True)


def fetch_sms_media(media_ids: list[int] | None = None) -> int:
    with _context():
        from app.services import mms

        return mms.fetch(media_ids)


def sweep() -> dict:
    """The every-minute sweep (scheduled by ``rq cron app/cron.py``)."""
    with _context():
        from app.services import sweep as sweep_service

        return sweep_service.sweep()
