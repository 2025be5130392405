"""Administration: a city maintains its places, people, catalogue, time limits, calendar
and API keys as data. Every change is validated here (the same rules for a form and for
each row of an imported file), staged with an audit entry, and committed by the caller
through :func:`commit`, which also drops the caches that read what changed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.services import reference_data
from app.services.errors import Conflict, InvalidInput


class Invalid(InvalidInput):
    """The input has problems, each named by its field (shown beside it on a form, or on
    the row of an imported file)."""

    def __init__(self, problems: Mapping[str, Any]):
        self.problems = dict(problems)
        field, message = next(iter(self.problems.items()))
        super().__init__(message, field=field)


class Problems(dict):
    """Collects one message per field; ``raise_if_any`` ends validation."""

    def add(self, field: str, message) -> None:
        self.setdefault(field, message)

    def raise_if_any(self) -> None:
        if self:
            raise Invalid(self)


def commit() -> None:
    """Commit the staged change and let routing and the calendar see it at once."""

    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_l("That conflicts with a record saved meanwhile. Reload and try again.")
                       ) from None
    except Exception:
        db.session.rollback()
        raise
    reference_data.changed()  # and every other host's and worker's caches


# -- small field parsers shared by forms and imports ----------------------------------------

CODE = re.compile(r"^[A-Z0-9][A-Z0-9:_-]*$")
TRUE = {"1", "y", "yes", "true", "on", "是", "启用", "active"}
FALSE = {"0", "n", "no", "false", "off", "否", "停用", "inactive", ""}


def text(problems: Problems, data: Mapping[str, Any], field: str, limit: int,
         required: bool = False) -> str:
    value = str(data.get(field) or "").strip()
    if required and not value:
        problems.add(field, _l("This is required."))
    elif len(value) > limit:
        problems.add(field, _l("At most %(n)s characters.", n=limit))
    return value


def code(problems: Problems, data: Mapping[str, Any], field: str, limit: int) -> str:
    value = text(problems, data, field, limit, required=True).upper()
    if value and not CODE.match(value):
        problems.add(field, _l("Use letters, digits, '-', '_' or ':' only."))
    return value


def flag(problems: Problems, data: Mapping[str, Any], field: str, default: bool) -> bool:
    raw = data.get(field)
    if raw is None:
        return default
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False if value else default
    problems.add(field, _l("Write yes or no."))
    return default


def integer(problems: Problems, data: Mapping[str, Any], field: str, low: int, high: int,
            default: int | None = None) -> int | None:
    raw = str(data.get(field) if data.get(field) is not None else "").strip()
    if not raw:
        if default is None:
            problems.add(field, _l("This is required."))
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.add(field, _l("Write a whole number."))
        return default
    if not low <= value <= high:
        problems.add(field, _l("Between %(low)s and %(high)s.", low=low, high=high))
    return value


def word_list(raw: Any) -> list[str]:
    """Keywords or aliases from a list or from text separated by commas, semicolons,
    Chinese enumeration commas or new lines; trimmed, without repeats."""
    items = raw if isinstance(raw, list | tuple) else re.split(r"[,;，；、|\n]", str(raw or ""))
    seen: list[str] = []
    for item in items:
        word = str(item).strip()
        if word and word not in seen:
            seen.append(word)
    return seen
