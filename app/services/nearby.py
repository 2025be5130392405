"""Open cases of the same category near a point: what the report form offers before a
resident submits ("is it one of these?"), so that the same problem becomes one case with
supporters rather than many duplicates.

The query narrows by the areas that touch a box around the point (the in-memory area
index), so PostgreSQL walks the (area_id, state) index rather than every case of the
category; the exact distance is then computed here."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Case, Category
from app.services.routing import area_index
from workflows.lifecycle import TABLE, Action

EARTH_RADIUS_M = 6_371_000
M_PER_DEG_LAT = 111_320
#: States in which a resident may still join a case (the state machine's SUPPORT sources).
SUPPORTABLE = frozenset(t.source for t in TABLE if t.action is Action.SUPPORT)
_SCAN_CAP = 200  # a hot spot with more candidates than this shows the newest


@dataclass(frozen=True)
class Candidate:
    case: Case
    distance_m: int | None  # None when chosen by area, without a point


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _open_of(category: Category):
    return (select(Case).options(selectinload(Case.category))
            .where(Case.category_id == category.id,
                   Case.state.in_([s.value for s in SUPPORTABLE])))


def near_point(category: Category, lat: float, lng: float, radius_m: int | None = None,
               limit: int = 5) -> list[Candidate]:
    """Open cases of this category within radius_m of the point, nearest first."""
    radius = radius_m or current_app.config["NEARBY_RADIUS_M"]
    dlat = radius / M_PER_DEG_LAT
    dlng = radius / (M_PER_DEG_LAT * max(math.cos(math.radians(lat)), 0.01))
    area_ids = area_index().intersecting(lng - dlng, lat - dlat, lng + dlng, lat + dlat)
    query = _open_of(category).where(
        Case.lat.between(lat - dlat, lat + dlat), Case.lng.between(lng - dlng, lng + dlng),
        or_(Case.area_id.in_(area_ids), Case.area_id.is_(None)),
    ).order_by(Case.id.desc()).limit(_SCAN_CAP)
    found = []
    for case in db.session.scalars(query):
        d = distance_m(lat, lng, case.lat, case.lng)
        if d <= radius:
            found.append(Candidate(case, round(d)))
    found.sort(key=lambda c: (c.distance_m, -c.case.id))
    # Reports placed by choosing the road from the list have no point: they are near when
    # they lie in the same area as this point.
    area_id = area_index().locate(lng, lat)
    if area_id is not None and len(found) < limit:
        found += in_area(category, area_id, limit - len(found), pointless=True)
    return found[:limit]


def in_area(category: Category, area_id: int, limit: int = 5, pointless: bool = False
            ) -> list[Candidate]:
    """Open cases of this category in a responsibility area, newest first (the form
    without a map gives an area, not a point); ``pointless``: only those without a point."""
    query = _open_of(category).where(Case.area_id == area_id).order_by(Case.id.desc())
    if pointless:
        query = query.where(Case.lat.is_(None))
    return [Candidate(c, None) for c in db.session.scalars(query.limit(limit))]
