"""Reference data kept in memory by each process: the area index, the catalogue, the
working calendar and what is derived from them (the resident's list of places, unit
names, the SMS understanding). Everything is kept for a minute at most, and all entries
are dropped together, so values derived from one another (the place list from the area
index, say) never disagree.

Every app host and worker sees an administrator's change at once: ``changed`` (called by
the admin services after each commit) drops this process's entries and bumps a version
number in Redis; every other process compares it with the one its entries were built at
before serving a request (``catch_up``) and drops them when it moved. One Redis GET per
request; without Redis (one host) the local drop suffices, and the minute remains the
backstop."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import Flask, current_app

log = logging.getLogger(__name__)
TTL_SECONDS = 60
_KEY = "roadchief.reference_data"
_SEEN = "roadchief.reference_version"
_QUIET_UNTIL = "roadchief.reference_quiet_until"
QUIET_SECONDS = 10  # after Redis failed once: do not make every request wait for it
T = TypeVar("T")


def kept(name: Hashable, load: Callable[[], T]) -> T:
    """``load()``'s value, kept under ``name`` until the minute is up or ``invalidate``."""
    entry = current_app.extensions.get(_KEY)
    now = time.monotonic()
    if entry is None or now - entry[0] >= TTL_SECONDS:
        entry = current_app.extensions[_KEY] = (now, {})
    values = entry[1]
    if name not in values:
        values[name] = load()
    return values[name]


def remembered() -> dict:
    """What is kept now (to check many names at once without loading any)."""
    entry = current_app.extensions.get(_KEY)
    if entry is None or time.monotonic() - entry[0] >= TTL_SECONDS:
        return {}
    return entry[1]


def invalidate() -> None:
    """Forget everything this process kept: the next read loads it again."""
    current_app.extensions.pop(_KEY, None)


def _key() -> str:
    return f"{current_app.config['RQ_QUEUE']}:reference-version"


def changed() -> None:
    """After an administrator's change is committed: drop this process's entries and tell
    every other process to drop theirs."""
    invalidate()
    if not current_app.config.get("REDIS_URL"):
        return
    try:
        from app.rq_queue import redis_connection

        current_app.extensions[_SEEN] = redis_connection().incr(_key())
    except Exception:  # Redis down: the other hosts catch up within their entries' minute
        log.warning("could not announce a reference data change", exc_info=True)


def catch_up() -> None:
    """Drop this process's entries if another process announced a change since."""
    app = current_app
    if not app.config.get("REDIS_URL") or time.monotonic() < app.extensions.get(
            _QUIET_UNTIL, 0):
        return
    try:
        from app.rq_queue import redis_connection

        version = redis_connection().get(_key())
    except Exception:
        app.extensions[_QUIET_UNTIL] = time.monotonic() + QUIET_SECONDS
        return
    version = int(version or 0)
    if app.extensions.get(_SEEN) != version:
        if _SEEN in app.extensions:
            invalidate()
        app.extensions[_SEEN] = version


def register(app: Flask) -> None:
    app.before_request(catch_up)
