"""Redis as the web process sees it: after a failure (down, or hung: no answer within
REDIS_TIMEOUT_SECONDS) it is left alone for REDIS_RETRY_SECONDS, so a hung Redis costs
one request one short timeout rather than every request several. Meanwhile a thread
asks Redis every few seconds whether it is back; when it is, the thread queues the
delivery of every pending message at once (a worker sends them), rather than leaving
them to the next minute's sweep."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app

log = logging.getLogger(__name__)
_lock = threading.Lock()
#: (app, Redis URL) -> monotonic time until which that Redis is not asked.
_down_until: dict[tuple[int, str], float] = {}
_watching: set[tuple[int, str]] = set()


def _key(app: Flask, name: str | None = None) -> tuple[int, str]:
    return id(app), name or str(app.config.get("REDIS_URL"))


def usable(name: str | None = None) -> bool:
    """Whether to ask this Redis now (``name``: another Redis than REDIS_URL's, such as
    the rate limits' storage)."""
    key = _key(current_app._get_current_object(), name)
    return time.monotonic() >= _down_until.get(key, 0.0)


def failed(exc: BaseException | None = None, name: str | None = None) -> None:
    """Redis failed just now: skip it for a while, and (REDIS_URL's, which the outbox
    needs) watch for its return."""
    app = current_app._get_current_object()
    key = _key(app, name)
    with _lock:
        _down_until[key] = time.monotonic() + app.config.get("REDIS_RETRY_SECONDS", 15)
        if name is not None or key in _watching:
            return
        _watching.add(key)
    log.warning("Redis unavailable (%s); pending messages wait for its return",
                type(exc).__name__ if exc else "error")
    threading.Thread(target=_watch, args=(app, key), name="redis-watch", daemon=True).start()


def _watch(app: Flask, key: tuple[int, str]) -> None:
    from redis import Redis

    url = key[1]
    timeout = app.config.get("REDIS_TIMEOUT_SECONDS", 1.0)
    probe = Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        while _key(app) == key:  # the app still uses this Redis
            time.sleep(app.config.get("REDIS_WATCH_SECONDS", 2))
            try:
                probe.ping()
            except Exception:
                continue
            with _lock:
                _down_until.pop(key, None)
            with app.app_context():
                from app import rq_queue

                try:
                    rq_queue.kick_delivery(force=True)
                    log.info("Redis is back: delivery of the pending messages queued")
                except Exception:
                    log.warning("Redis is back but the delivery could not be queued",
                                exc_info=True)
            return
    finally:
        probe.close()
        with _lock:
            _watching.discard(key)
