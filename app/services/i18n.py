"""Translations for text rendered outside a request in many languages at once (messages
written by the sweep for thousands of recipients): catalogues loaded once per process,
instead of Flask-Babel's per-context reload under ``force_locale``."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from babel.dates import format_datetime
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
    if moment is None:
        return ""
    return format_datetime(moment, "short", tzinfo=clock.zone(), locale=language)
