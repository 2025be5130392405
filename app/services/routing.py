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


def area_index() -> AreaIndex:
    cached = current_app.extensions.get(_KEY)
    if cached and _time.monotonic() - cached[0] < _TTL_SECONDS:
        return cached[1]
    rows = db.session.execute(select(Area.id, Area.polygon)).all()
    index = AreaIndex(rows)
    current_app.extensions[_KEY] = (_time.monotonic(), index)
    return index


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
