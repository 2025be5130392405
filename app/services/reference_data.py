"""Every app host and worker sees an administrator's change (catalogue, areas, limits,
calendar, staff) at once: the change bumps a version number in Redis, and each process
compares it with the one its caches were built at before serving a request, dropping them
when it moved. One Redis GET per request; without Redis (one host) the local drop suffices
and the caches' own minute remains the backstop."""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app

log = logging.getLogger(__name__)
_SEEN = "roadchief.reference_version"
_QUIET_UNTIL = "roadchief.reference_quiet_until"
QUIET_SECONDS = 10  # after Redis failed once: do not make every request wait for it


def _key() -> str:
    return f"{current_app.config['RQ_QUEUE']}:reference-version"


def drop_local() -> None:
    from app.services import calendar, routing, sms

    routing.invalidate()
    calendar.invalidate()
    sms.invalidate()


def changed() -> None:
    """After an administrator's change is committed: drop this process's caches and tell
    every other process to drop theirs."""
    drop_local()
    if not current_app.config.get("REDIS_URL"):
        return
    try:
        from app.jobs import redis_connection

        current_app.extensions[_SEEN] = redis_connection().incr(_key())
    except Exception:  # Redis down: the other hosts catch up within their caches' minute
        log.warning("could not announce a reference data change", exc_info=True)


def catch_up() -> None:
    """Drop this process's caches if another process announced a change since."""
    app = current_app
    if not app.config.get("REDIS_URL") or time.monotonic() < app.extensions.get(
            _QUIET_UNTIL, 0):
        return
    try:
        from app.jobs import redis_connection

        version = redis_connection().get(_key())
    except Exception:
        app.extensions[_QUIET_UNTIL] = time.monotonic() + QUIET_SECONDS
        return
    version = int(version or 0)
    if app.extensions.get(_SEEN) != version:
        if _SEEN in app.extensions:
            drop_local()
        app.extensions[_SEEN] = version


def register(app: Flask) -> None:
    app.before_request(catch_up)
