"""The current time, and the conversion between stored UTC and the city's wall clock.

``travel`` lets the demo loader and tests act at another moment without patching."""

from __future__ import annotations

import contextlib
import os
from contextvars import ContextVar
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

_frozen: ContextVar[datetime | None] = ContextVar("roadchief_now", default=None)


def now() -> datetime:
    """Aware UTC now (or the travelled-to moment; ROADCHIEF_FROZEN_NOW freezes a whole
    process, which tests use for worker processes)."""
    frozen = _frozen.get()
    if frozen is not None:
        return frozen
    if _FROZEN_ENV:
        return datetime.fromisoformat(_FROZEN_ENV).astimezone(UTC)
    return datetime.now(UTC)


_FROZEN_ENV = os.environ.get("ROADCHIEF_FROZEN_NOW")


@contextlib.contextmanager
def travel(moment: datetime):
    if moment.tzinfo is None:
        raise ValueError("travel needs an aware datetime")
    token = _frozen.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _frozen.reset(token)


def zone() -> ZoneInfo:
    name = current_app.config["TIMEZONE"] if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def to_local(moment: datetime) -> datetime:
    """Naive wall-clock time in the city's zone (what the calendar arithmetic works on)."""
    return moment.astimezone(zone()).replace(tzinfo=None)


def from_local(wall: datetime) -> datetime:
    """Aware UTC from a naive wall-clock time in the city's zone."""
    return wall.replace(tzinfo=zone()).astimezone(UTC)
