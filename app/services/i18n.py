"""Translations for text rendered outside a request in many languages at once (messages
written by the sweep for thousands of recipients): catalogues loaded once per process,
instead of Flask-Babel's per-context reload under ``force_locale``."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from babel import Locale
from babel.dates import get_date_format, get_datetime_format, get_time_format
from babel.support import Translations
from flask import current_app

from app.services import clock


@lru_cache(maxsize=8)
def _catalogue(directory: str, language: str) -> Translations:
    return Translations.load(dirname=directory, locales=[language], domain="messages")


def gettext_in(language: str, message: str, **params) -> str:
    directory = current_app.config["BABEL_TRANSLATION_DIRECTORIES"]
    text = _catalogue(directory, language).ugettext(message)
    return text % params if params else text


def datetime_in(language: str, moment: datetime | None) -> str:
    """A time in the city's zone, in Babel's short date-time format for the language:
    what ``babel.dates.format_datetime(moment, "short", tzinfo=zone, locale=language)``
    gives (tested), with the locale's patterns looked up once per process rather than
    once per call. Every page shows several; the tracking page, the most visited, spent
    about 6 % of its time here (measured)."""
    if moment is None:
        return ""
    local = moment.astimezone(clock.zone())
    joined = _short_patterns(language)[0]
    # The short patterns name no zone nor seconds: a day and an hour-and-minute, each
    # worded once per process (a list of a thousand cases repeats both).
    return joined.replace("{0}", _short_time(language, local.hour, local.minute)) \
        .replace("{1}", _short_date(language, local.date()))


@lru_cache(maxsize=4096)
def _short_date(language: str, day) -> str:
    _joined, date, _time, locale = _short_patterns(language)
    return date.apply(day, locale)


@lru_cache(maxsize=4096)
def _short_time(language: str, hour: int, minute: int) -> str:
    from datetime import time as time_of_day

    _joined, _date, time, locale = _short_patterns(language)
    return time.apply(time_of_day(hour, minute), locale)


def current_language() -> tuple[str, Translations]:
    """The current reader's language and Flask-Babel's catalogue for it (``force_locale``
    included), asked once by code that translates many strings for one page."""
    from flask_babel import get_locale, get_translations

    return str(get_locale()), get_translations()


def translator(catalogue: Translations):
    """``_`` for one catalogue: Flask-Babel's gettext without asking for the locale and
    catalogue again for every string (the tracking page's timeline translates a dozen)."""
    def gettext(message: str, **params) -> str:
        text = catalogue.ugettext(message)
        return text % params if params else text

    return gettext


def local_time(moment: datetime | None) -> str:
    """A time as the current reader sees it (their language, the city's zone)."""
    from flask_babel import get_locale

    return datetime_in(str(get_locale()), moment)


@lru_cache(maxsize=8)
def _short_patterns(language: str):
    """Babel's short date-time joining pattern, date and time patterns for a language."""
    locale = Locale.parse(language)
    return (get_datetime_format("short", locale).replace("'", ""),
            get_date_format("short", locale), get_time_format("short", locale), locale)
