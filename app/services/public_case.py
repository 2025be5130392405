"""The tracking page's read: a case as the public sees it, in one SQL statement (Core, on
the session's connection) rather than the mapped case with its events and photos. The
page is the most visited of all (residents follow their reports), read-only, and shows a
dozen of the case's columns, its events and its public photos. One row comes back: the
case's own columns, the code of the case it was merged into, and its events and photos
as two JSON arrays aggregated by the database, turned into plain read-only objects with
the same attribute names as the mapped classes, so ``public_view`` reads either."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Select, bindparam, func, select

from app.extensions import db
from app.models import Attachment, Case, CaseEvent
from app.services import catalogue_cache
from app.services.catalogue_cache import KeptCategory
from app.services.public_view import PUBLIC_PHOTO_KINDS
from workflows.lifecycle import State

_CASE_COLUMNS = ("id", "code", "state", "urgency", "category_id", "limit_rule_id", "area_id",
                 "due_at", "rectified_at", "updated_at", "version", "description",
                 "dispatched_at")
_TIMES = ("due_at", "rectified_at", "updated_at", "dispatched_at")
_EVENT_COLUMNS = ("id", "at", "action", "data", "reason", "actor_user_id", "actor_role")
_PHOTO_COLUMNS = ("id", "event_id", "kind", "storage_key")


@dataclass(slots=True, frozen=True)
class PublicEvent:
    id: int
    at: datetime
    action: str
    data: dict[str, Any]
    reason: str | None
    actor_user_id: int | None
    actor_role: str


@dataclass(slots=True, frozen=True)
class PublicPhoto:
    id: int
    event_id: int | None
    kind: str
    storage_key: str


@dataclass(slots=True)
class PublicCase:
    id: int
    code: str
    state: str
    urgency: str
    category_id: int
    limit_rule_id: int | None
    area_id: int | None
    due_at: datetime | None
    rectified_at: datetime | None
    updated_at: datetime
    version: int
    description: str
    dispatched_at: datetime | None
    merged_into_code: str | None
    events: list[PublicEvent] = field(default_factory=list)
    attachments: list[PublicPhoto] = field(default_factory=list)
    category: KeptCategory | Any = None  # the kept catalogue's: icon, names, name(locale)

    @property
    def state_enum(self) -> State:
        return State(self.state)


def load(code: str) -> PublicCase | None:
    """The case with this (normalised) tracking code as the public sees it, or None."""
    row = db.session.execute(_statement(), {"code": code}).first()
    if row is None:
        return None
    values = dict(zip(_CASE_COLUMNS, row[:len(_CASE_COLUMNS)], strict=True))
    for name in _TIMES:
        values[name] = _utc(values[name])
    merged_into_code, events, photos = row[len(_CASE_COLUMNS):]
    case = PublicCase(**values, merged_into_code=merged_into_code,
                      events=sorted((_event(e) for e in _array(events)), key=_by_id),
                      attachments=sorted((PublicPhoto(*p) for p in _array(photos)
                                          if p[2] in PUBLIC_PHOTO_KINDS), key=_by_id))
    case.category = catalogue_cache.kept_category(case.category_id)
    return case


def _by_id(item) -> int:
    return item.id


def _event(values: list) -> PublicEvent:
    event_id, at, action, data, reason, actor_user_id, actor_role = values
    if isinstance(data, str):  # SQLite hands a JSON column over as its text
        data = json.loads(data)
    return PublicEvent(event_id, _utc(at), action, data or {}, reason, actor_user_id,
                       actor_role)


def _array(value: list | None) -> list:
    """An aggregated JSON array (NULL when there are no rows)."""
    return [] if value is None else value


def _utc(value) -> datetime | None:
    """A time as the mapped UTC column gives it: aware, in UTC. psycopg gives an aware
    time in the session's zone; SQLite, and JSON on either, ISO text (PostgreSQL with its
    offset, SQLite naive UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# -- the statement ------------------------------------------------------------------------

_statements: dict[str, Select] = {}


def _statement() -> Select:
    """The statement for the app's database, built once per dialect."""
    dialect = db.engine.dialect.name
    if dialect not in _statements:
        _statements[dialect] = _build(dialect)
    return _statements[dialect]


def _build(dialect: str) -> Select:
    """SELECT the case's columns, the code it was merged into, and its events and photos
    as JSON arrays of arrays (PostgreSQL: json_agg; SQLite: json_group_array). Staff-only
    photos are left out in Python: a fixed statement, with no list of kinds to expand."""
    if dialect == "postgresql":
        array, aggregate, as_json = func.json_build_array, func.json_agg, lambda c: c
    else:
        array, aggregate, as_json = func.json_array, func.json_group_array, func.json
    case, event, photo = Case.__table__, CaseEvent.__table__, Attachment.__table__
    into = case.alias("merged_into")
    events = (select(aggregate(array(*(as_json(event.c.data) if name == "data"
                                       else event.c[name] for name in _EVENT_COLUMNS)),
                               type_=JSON))
              .where(event.c.case_id == case.c.id).scalar_subquery())
    # Moderation: a hidden photo, or any photo of a case no dispatcher has accepted yet.
    photos = (select(aggregate(array(*(photo.c[name] for name in _PHOTO_COLUMNS)),
                               type_=JSON))
              .where(photo.c.case_id == case.c.id, photo.c.hidden_at.is_(None),
                     case.c.dispatched_at.is_not(None)).scalar_subquery())
    return (select(*(case.c[name] for name in _CASE_COLUMNS), into.c.code, events, photos)
            .outerjoin(into, into.c.id == case.c.merged_into_id)
            .where(case.c.code == bindparam("code")))
