"""The report limits: per client address and per phone number, and only a stored report
(a redirect) counts, so a form sent back for corrections costs the resident nothing.

The windows and their keys are the ``limits`` library's (fixed windows: a counter per
window that expires with it), kept in the storage Flask-Limiter was given (Redis in
production), so ``limiter.reset()`` clears them too. What is ours is only the order of
the calls: Flask-Limiter asks the storage once per window before the view and once per
window after it (eight Redis round trips for the four default windows; with its
bookkeeping, a quarter of a report's cost, measured with bench/bench_resident.py), while
here all the windows are read in one round trip (MGET) and counted in one more (one script). A
storage that fails never stops a report: it goes through unlimited, and that is logged."""

from __future__ import annotations

import logging
import time
import weakref
from functools import lru_cache, wraps

from flask import current_app, make_response, request
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from limits.storage import RedisStorage

from app.extensions import limiter
from app.services import cases
from app.services.errors import InvalidInput

log = logging.getLogger(__name__)


class TooManyReports(Exception):
    """A window is full; ``retry_after``: seconds until it empties."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


@lru_cache(maxsize=32)
def _items(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


def windows() -> list[tuple[RateLimitItem, str]]:
    """(limit, storage key) for every window this request counts against."""
    config = current_app.config
    out = [(item, item.key_for("report-address", get_remote_address()))
           for item in _items(config["REPORT_LIMIT_PER_ADDRESS"])]
    raw_phone = (request.form.get("phone") or "").strip()
    if raw_phone:
        try:
            phone = cases.normalize_phone(raw_phone) or ""
        except InvalidInput:
            phone = "invalid"
        out += [(item, item.key_for("report-phone", phone))
                for item in _items(config["REPORT_LIMIT_PER_PHONE"])]
    return out


def check(found: list[tuple[RateLimitItem, str]]) -> None:
    """Raise TooManyReports if one more report would overfill a window."""
    storage = limiter.storage
    keys = [key for _, key in found]
    if isinstance(storage, RedisStorage):
        values = storage.get_connection().mget([storage.prefixed_key(k) for k in keys])
        counts = [int(value or 0) for value in values]
    else:
        counts = [storage.get(key) for key in keys]
    full = [key for (item, key), count in zip(found, counts, strict=True)
            if count >= item.amount]
    if full:
        reset = max(storage.get_expiry(key) for key in full)
        raise TooManyReports(max(1, int(reset - time.time())))


# The library's increment (a window starts with its first report and expires with it),
# for every window in one call: EVALSHA, one round trip.
_INCR_EXPIRE_ALL = """
for i, key in ipairs(KEYS) do
  if redis.call('incrby', key, 1) == 1 then
    redis.call('expire', key, ARGV[i])
  end
end
return #KEYS
"""
_incr_script: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per storage


def count(found: list[tuple[RateLimitItem, str]]) -> None:
    """One more stored report in every window."""
    storage = limiter.storage
    if isinstance(storage, RedisStorage):
        script = _incr_script.get(storage)
        if script is None:
            script = _incr_script[storage] = storage.get_connection().register_script(
                _INCR_EXPIRE_ALL)
        script(keys=[storage.prefixed_key(key) for _, key in found],
               args=[item.get_expiry() for item, _ in found])
    else:
        for item, key in found:
            storage.incr(key, item.get_expiry(), amount=1)


def limited(view):
    """Apply the report limits to a POST view (see the module's text)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "POST" or not current_app.config.get("RATELIMIT_ENABLED", True):
            return view(*args, **kwargs)
        found = windows()
        try:
            check(found)
        except TooManyReports:
            raise
        except Exception:  # the storage is down: never stop a report for it
            log.warning("report limits not checked", exc_info=True)
            return view(*args, **kwargs)
        response = make_response(view(*args, **kwargs))
        if response.status_code in (302, 303):
            try:
                count(found)
            except Exception:
                log.warning("report limits not counted", exc_info=True)
        return response

    return wrapper
