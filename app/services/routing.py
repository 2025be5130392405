"""Routing against the database: locate a point in the area index, read the category's
current time limits, find the owning agency, and apply ``workflows.routing``."""

from __future__ import annotations

import time as _time

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Agency, Area, Category, Street, TimeLimitRule
from workflows.deadlines import TimeLimit
from workflows.geo import AreaIndex
from workflows.routing import AreaRef, CategoryRule, LimitKind, Route, Urgency, route

_KEY = "roadchief.area_index"
_TTL_SECONDS = 60


def _cached() -> tuple[float, AreaIndex, dict[int, tuple[int, int]]]:
    cached = current_app.extensions.get(_KEY)
    if cached and _time.monotonic() - cached[0] < _TTL_SECONDS:
        return cached
    rows = db.session.execute(
        select(Area.id, Area.polygon, Area.street_id, Street.district_id)
        .join(Street, Street.id == Area.street_id)).all()
    cached = (_time.monotonic(), AreaIndex([(r.id, r.polygon) for r in rows]),
              {r.id: (r.street_id, r.district_id) for r in rows})
    current_app.extensions[_KEY] = cached
    return cached


def area_index() -> AreaIndex:
    return _cached()[1]


def placement(area_id: int) -> tuple[int, int, int] | None:
    """(area, street, district) ids of an area, from the reference data kept with the area
    index (a minute): a report is placed without reading the area row."""
    found = _cached()[2].get(area_id)
    return (area_id, *found) if found else None


def invalidate() -> None:
    current_app.extensions.pop(_KEY, None)


def locate(lng: float, lat: float) -> Area | None:
    area_id = area_index().locate(lng, lat)
    return db.session.get(Area, area_id) if area_id is not None else None


def current_rules(category: Category) -> dict[tuple[LimitKind, Urgency], TimeLimitRule]:
    rules = db.session.scalars(
        select(TimeLimitRule).where(
            TimeLimitRule.category_id == category.id, TimeLimitRule.valid_to.is_(None)
        )
    )
    return {(LimitKind(r.kind), Urgency(r.urgency)): r for r in rules}


def category_rule(category: Category) -> CategoryRule:
    limits: dict[tuple[LimitKind, Urgency], TimeLimit] = {
        key: rule.limit for key, rule in current_rules(category).items()
    }
    return CategoryRule(category.code, category.handler, limits)


def area_ref(area: Area | None) -> AreaRef | None:
    if area is None:
        return None
    district_id = db.session.scalar(select(Street.district_id).where(Street.id == area.street_id))
    return AreaRef(area.id, district_id, area.road_chief_id)


def agency_map() -> dict[tuple[str, int | None], int]:
    return {(a.handler, a.district_id): a.id for a in db.session.scalars(select(Agency))}


def suggest(area: Area | None, category: Category, urgency: str) -> Route:
    """The route the rules give for this place, category and urgency."""
    return route(area_ref(area), category_rule(category), Urgency(urgency), agency_map())
