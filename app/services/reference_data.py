"""Reference data kept in memory by each process: the area index, the catalogue, the
working calendar and what is derived from them (the resident's list of places, unit
names). Everything is kept for a minute, so that every worker picks up an
administrator's change without a restart, and dropped at once in the process that made
the change (``invalidate``, called by the admin services after each commit).

All entries are dropped together, so values derived from one another (the place list
from the area index, say) never disagree."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

TTL_SECONDS = 60
_KEY = "roadchief.reference_data"
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


def invalidate() -> None:
    """Forget everything kept: the next read loads it again."""
    current_app.extensions.pop(_KEY, None)


def remembered() -> dict:
    """What is kept now (to check many names at once without loading any)."""
    entry = current_app.extensions.get(_KEY)
    if entry is None or time.monotonic() - entry[0] >= TTL_SECONDS:
        return {}
    return entry[1]
