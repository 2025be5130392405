"""Text in a given language outside the reader's own: messages written for many
recipients at once (the sweep's reminders), and times shown in the city's zone."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from babel.dates import format_datetime
from flask_babel import force_locale, get_locale, gettext

from app.services import clock


def gettext_in(language: str, message: str, **params) -> str:
    """``message`` translated into ``language`` (Flask-Babel's catalogue for it)."""
    with force_locale(language):
        return gettext(message, **params)


def datetime_in(language: str, moment: datetime | None, zone=None) -> str:
    """A time in the city's zone, in Babel's short date-time format for the language
    (``zone``: the city's, when the caller words many times and has it already)."""
    if moment is None:
        return ""
    local = moment.astimezone(zone or clock.zone()).replace(second=0, microsecond=0,
                                                            tzinfo=None)
    return _short(language, local)


@lru_cache(maxsize=8192)
def _short(language: str, local_minute: datetime) -> str:
    # Short formats name no zone nor seconds: a list of a thousand cases repeats minutes.
    return format_datetime(local_minute, "short", locale=language)


def local_time(moment: datetime | None) -> str:
    """A time as the current reader sees it (their language, the city's zone)."""
    return datetime_in(str(get_locale()), moment)
