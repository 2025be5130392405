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


def redis_connection():
    """The process's one Redis client (its pool keeps the connections open between
    requests; a new client per call would connect, handshake and close every time)."""
    from redis import Redis

    app = current_app._get_current_object()
    url = app.config["REDIS_URL"]
    known = app.extensions.get("roadchief.redis")
    if known is None or known[0] != url:
        timeout = app.config.get("REDIS_TIMEOUT_SECONDS", 1.0)
        known = app.extensions["roadchief.redis"] = (
            url, Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout))
    return known[1]


def queue():
    from rq import Queue

    return Queue(current_app.config["RQ_QUEUE"], connection=redis_connection())


def enqueue(func: str, *args, **kwargs):
    from rq import Retry

    return queue().enqueue(func, *args, retry=Retry(max=3, interval=[10, 60, 300]),
                           job_timeout=120, **kwargs)


def _kick_key() -> str:
    return f"{current_app.config['RQ_QUEUE']}:outbox-kick"


#: While set, a job that will deliver every due message is queued and has not started:
#: more messages need no job of their own. Expires, so a lost job costs at most this.
KICK_SECONDS = 30


def kick_delivery(force: bool = False) -> bool:
    """After a commit that wrote outbox rows: make sure one delivery job is on its way.
    Under load this is one SET NX per request instead of one job per request; the job
    clears the mark *before* it looks for due messages, so a row committed after that
    look sets the mark again and gets a job of its own. Returns whether it queued one.
    ``force``: queue one whatever the mark says (Redis is back after an outage, and a
    mark set before it may name a job that was lost)."""
    conn = redis_connection()
    if force:
        conn.set(_kick_key(), "1", ex=KICK_SECONDS)
    elif not conn.set(_kick_key(), "1", nx=True, ex=KICK_SECONDS):
        return False
    try:
        enqueue("app.jobs.deliver_due")
    except Exception:
        conn.delete(_kick_key())
        raise
    return True


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
