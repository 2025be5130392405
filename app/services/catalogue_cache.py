"""The catalogue as each process keeps it (``reference_data``: a minute, or until an
administrator changes it), so that a report, a tracking page or a list of many cases
needs no query for its category."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.models import Category
from app.services.reference_data import kept


def _catalogue() -> tuple[dict[str, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Every category's columns, by code (the active ones) and by id (all)."""

    def load():
        rows = [{col.key: getattr(c, col.key) for col in Category.__table__.columns}
                for c in db.session.scalars(select(Category))]
        return ({r["code"]: r for r in rows if r["active"]}, {r["id"]: r for r in rows})

    return kept("categories", load)


def active_category(code: str) -> Category | None:
    """The active category with this code, as this session's object (no query)."""
    values = _catalogue()[0].get((code or "").strip().upper())
    return None if values is None else _in_session(values)


def active_category_codes():
    """The codes residents may choose."""
    return _catalogue()[0].keys()


class KeptCategory(SimpleNamespace):
    """A kept category's columns, read like the mapped object (``name(locale)`` too),
    for read-only pages: no session, nothing to write."""

    name = Category.name


def kept_category(category_id: int) -> KeptCategory | Category | None:
    """A category's columns from the kept catalogue (the mapped object if it was made in
    the last minute by another worker)."""
    values = _catalogue()[1].get(category_id)
    if values is None:
        return db.session.get(Category, category_id)
    return KeptCategory(**_copied(values))


def _in_session(values: dict[str, Any]) -> Category:
    """The kept category as this session's object, without a query (the session's own
    object if it holds one already: never overwritten with the kept values)."""
    held = db.session.identity_map.get(identity_key(Category, values["id"]))
    if held is not None:
        return held
    category = Category(**_copied(values))
    make_transient_to_detached(category)
    db.session.add(category)  # persistent, as if loaded: nothing to write
    return category


def _copied(values: dict[str, Any]) -> dict[str, Any]:
    """The kept values with their JSON lists and maps copied, so that a request changing
    its object never changes the kept one. A category's JSON holds flat lists and maps of
    strings and numbers, so a shallow copy of each is a whole one."""
    return {k: v.copy() if isinstance(v, list | dict) else v for k, v in values.items()}
