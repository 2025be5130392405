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
_down_until: dict[int, float] = {}  # per app: monotonic time until which Redis is skipped
_watching: set[int] = set()


def usable() -> bool:
    return time.monotonic() >= _down_until.get(id(current_app._get_current_object()), 0.0)


def failed(exc: BaseException | None = None) -> None:
    """Redis failed just now: skip it for a while, and watch for its return."""
    app = current_app._get_current_object()
    with _lock:
        _down_until[id(app)] = time.monotonic() + app.config.get("REDIS_RETRY_SECONDS", 15)
        if id(app) in _watching:
            return
        _watching.add(id(app))
    log.warning("Redis unavailable (%s); pending messages wait for its return",
                type(exc).__name__ if exc else "error")
    threading.Thread(target=_watch, args=(app,), name="redis-watch", daemon=True).start()


def _watch(app: Flask) -> None:
    try:
        interval = app.config.get("REDIS_WATCH_SECONDS", 2)
        while True:
            time.sleep(interval)
            with app.app_context():
                from app import jobs

                try:
                    jobs.redis_connection().ping()
                except Exception:
                    continue
                with _lock:
                    _down_until.pop(id(app), None)
                try:
                    jobs.kick_delivery(force=True)
                    log.info("Redis is back: delivery of the pending messages queued")
                except Exception:
                    log.warning("Redis is back but the delivery could not be queued",
                                exc_info=True)
                return
    finally:
        with _lock:
            _watching.discard(id(app))
