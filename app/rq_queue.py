"""The RQ queue and the process's Redis connection: what the services use to hand work to a
worker after commit. It imports no service, so the services and the jobs that call them
(``app.jobs``) import it, never each other."""

from __future__ import annotations

from flask import current_app


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
