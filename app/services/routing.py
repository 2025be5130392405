"""Routing against the database: locate a point in the area index, read the category's
current time limits, find the owning agency, and apply ``workflows.routing``."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Agency, Area, Category, Street, TimeLimitRule
from app.services.reference_data import kept
from workflows.deadlines import TimeLimit
from workflows.geo import AreaIndex
from workflows.routing import AreaRef, CategoryRule, LimitKind, Route, Urgency, route


def _areas() -> tuple[AreaIndex, dict[int, tuple[int, int]]]:
    """The area index and each area's (street, district), kept as reference data."""

    def load():
        rows = db.session.execute(
            select(Area.id, Area.polygon, Area.street_id, Street.district_id)
            .join(Street, Street.id == Area.street_id)).all()
        return (AreaIndex([(r.id, r.polygon) for r in rows]),
                {r.id: (r.street_id, r.district_id) for r in rows})

    return kept("areas", load)


def area_index() -> AreaIndex:
    return _areas()[0]


def placement(area_id: int) -> tuple[int, int, int] | None:
    """(area, street, district) ids of an area, from the kept reference data: a report is
    placed without reading the area row."""
    found = _areas()[1].get(area_id)
    return (area_id, *found) if found else None


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
