"""RQ jobs: thin wrappers that call services inside an application context. The services
queue them through ``app.rq_queue``, so nothing here is imported by a service."""

from __future__ import annotations

import logging
from datetime import timedelta

from app.rq_queue import _kick_key, kick_delivery, queue, redis_connection

__all__ = ["deliver_due", "deliver_outbox", "deliver_webhooks", "fetch_sms_media",
           "kick_delivery", "queue", "redis_connection", "sweep"]

_app = None
log = logging.getLogger(__name__)


def _context():
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app.app_context()


#: How long one delivery job works before it hands the rest to a fresh job (well inside
#: its timeout, so RQ never has to interrupt it in the middle of a send).
DELIVER_SECONDS = 45


def deliver_due() -> int:
    """Deliver the due messages (the job kick_delivery queues), page by page: those
    written before it started — later ones kicked a job of their own — and for at most
    DELIVER_SECONDS, then the rest goes to a new job."""
    import time

    from sqlalchemy import func, select

    with _context():
        from app.extensions import db
        from app.models import OutboxMessage
        from app.services import delivery

        redis_connection().delete(_kick_key())
        last = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
        started, sent, after = time.monotonic(), 0, 0
        while ids := [i for i in delivery.pending_ids(after=after, limit=500) if i <= last]:
            sent += delivery.deliver(ids)
            _again_later(ids)
            after = ids[-1]
            if time.monotonic() - started > DELIVER_SECONDS:
                kick_delivery()
                break
        return sent


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


def deliver_webhooks() -> dict:
    """A pass over the due webhook deliveries (queued by the sweep)."""
    with _context():
        from app.services import webhooks

        webhooks.release_abandoned()
        return webhooks.deliver_due()
