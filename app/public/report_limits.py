"""The report limits: per client address and per phone number, and only a stored report
(a redirect) counts, so a form sent back for corrections costs the resident nothing.

The windows and their keys are the ``limits`` library's (fixed windows: a counter per
window that expires with it), kept in the storage Flask-Limiter was given (Redis in
production), so ``limiter.reset()`` clears them too. What is ours is only the order of
the calls: Flask-Limiter asks the storage once per window before the view and once per
window after it (eight Redis round trips for the four default windows; with its
bookkeeping, a quarter of a report's cost, measured with bench/bench_resident.py). Here a
report takes its place in every Redis window at once, before the view, in one round trip
(one script that counts it only if no window is full), and gives the places back in one
more if it was not stored after all; two reports at once can therefore never both take a
window's last place. Another storage (memory, in development) is asked before the view
and counted after it. A storage that fails never stops a report: it goes through
unlimited, and that is logged."""

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


# Take a place in every window, or in none if one is full: then the seconds until the
# last of the full windows empties. A window starts with its first report and expires
# with it, as in the library.
_TAKE = """
local full, wait = false, 0
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('get', key) or '0') >= tonumber(ARGV[i]) then
    full, wait = true, math.max(wait, redis.call('ttl', key))
  end
end
if full then return {1, wait} end
for i, key in ipairs(KEYS) do
  if redis.call('incrby', key, 1) == 1 then
    redis.call('expire', key, ARGV[#KEYS + i])
  end
end
return {0, 0}
"""
# Give the places back: a window left empty is removed, as if never started. (A window
# that expired meanwhile and was started again by another report loses one: that
# report's place, for the rest of its window.)
_GIVE_BACK = """
for i, key in ipairs(KEYS) do
  local left = redis.call('decrby', key, 1)
  if left <= 0 then redis.call('del', key) end
end
return #KEYS
"""
_scripts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per storage


def _script(storage: RedisStorage, name: str, source: str):
    kept = _scripts.setdefault(storage, {})
    if name not in kept:
        kept[name] = storage.get_connection().register_script(source)
    return kept[name]


def take(found: list[tuple[RateLimitItem, str]]) -> bool:
    """Raise TooManyReports if a window is full. Otherwise, in Redis, count the report in
    every window now (True: ``give_back`` if it is not stored); another storage is only
    asked (False: ``count`` once it is stored)."""
    storage = limiter.storage
    if isinstance(storage, RedisStorage):
        full, seconds = _script(storage, "take", _TAKE)(
            keys=[storage.prefixed_key(key) for _, key in found],
            args=[item.amount for item, _ in found] + [item.get_expiry() for item, _ in found])
        if full:
            raise TooManyReports(max(1, int(seconds)))
        return True
    full = [key for item, key in found if storage.get(key) >= item.amount]
    if full:
        reset = max(storage.get_expiry(key) for key in full)
        raise TooManyReports(max(1, int(reset - time.time())))
    return False


def give_back(found: list[tuple[RateLimitItem, str]]) -> None:
    """Undo ``take`` in Redis: the report was not stored."""
    storage = limiter.storage
    _script(storage, "give-back", _GIVE_BACK)(
        keys=[storage.prefixed_key(key) for _, key in found])


def count(found: list[tuple[RateLimitItem, str]]) -> None:
    """One more stored report in every window (a storage other than Redis)."""
    storage = limiter.storage
    for item, key in found:
        storage.incr(key, item.get_expiry(), amount=1)


def limited(view):
    """Apply the report limits to a POST view (see the module's text)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "POST" or not current_app.config.get("RATELIMIT_ENABLED", True):
            return view(*args, **kwargs)
        from app.services import redis_health

        storage_name = f"limits:{id(limiter.storage)}"
        if not redis_health.usable(storage_name):  # it failed a moment ago: not asked again
            return view(*args, **kwargs)
        found = windows()
        try:
            taken = take(found)
        except TooManyReports:
            raise
        except Exception as exc:  # the storage is down: never stop a report for it
            log.warning("report limits not checked", exc_info=True)
            if isinstance(limiter.storage, RedisStorage):
                redis_health.failed(exc, storage_name)
            return view(*args, **kwargs)
        stored = False
        try:
            response = make_response(view(*args, **kwargs))
            stored = response.status_code in (302, 303)
        finally:
            if taken != stored:
                try:
                    (give_back if taken else count)(found)
                except Exception:
                    log.warning("report limits not counted", exc_info=True)
        return response

    return wrapper
