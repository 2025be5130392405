"""Problem points (问题集中点位) until they meet the standard: making a point (from a hotspot
or by hand) inside the city and inside the maker's place, and reading each point's status
from the substantiated cases reported in it, against the app's clock.

A **substantiated case** is one a dispatcher accepted: any state but 待受理 (still waiting
for triage), 不予受理 (rejected as invalid) and 已合并 (merged as a duplicate). It counts at
the moment it was reported, if it lies in the point and is of one of the point's
categories. The rule itself is ``workflows.points.standing``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import shapely
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Area, Case, Category, ProblemPoint, Street, User
from app.services import clock, routing
from app.services.admin import Problems, audit
from app.services.errors import Forbidden
from app.services.plain_text import without_controls
from workflows import points as policy
from workflows.geo import InvalidPolygon, parse_polygon
from workflows.lifecycle import Role

NOT_SUBSTANTIATED = ("submitted", "rejected", "merged")
RADIUS_M = (10.0, 1000.0)
MAX_EXTENT_M = 2000.0
MAX_VERTICES = 200
NAME_MAX = 64
NOTE_MAX = 500


def default_weeks() -> int:
    """N: the clean weeks a new point needs, unless its maker chooses (POINT_CLEAN_WEEKS)."""
    return int(current_app.config.get("POINT_CLEAN_WEEKS", 4))


@dataclass
class Draft:
    """What a supervisor typed or a hotspot suggested, before checking."""

    name: str = ""
    lat: Any = None
    lng: Any = None
    radius_m: Any = None
    polygon: Any = None  # GeoJSON text or mapping; when given, it is the shape
    categories: tuple[str, ...] = ()
    weeks: Any = None
    source: str = "manual"
    note: str = ""


def _float(raw: Any) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def create(user: User, draft: Draft) -> ProblemPoint:
    """Make a point; every problem is refused with a message by field, nothing is written."""
    problems = Problems()
    name = " ".join(without_controls(draft.name or "").split())
    if not name:
        problems.add("name", _l("Give the point a name."))
    elif len(name) > NAME_MAX:
        problems.add("name", _l("At most %(n)s characters.", n=NAME_MAX))
    note = " ".join(without_controls(draft.note or "").split())
    if len(note) > NOTE_MAX:
        problems.add("note", _l("At most %(n)s characters.", n=NOTE_MAX))
    weeks = draft.weeks if draft.weeks not in (None, "") else default_weeks()
    try:
        weeks = int(weeks)
    except (TypeError, ValueError):
        weeks = 0
    if not 1 <= weeks <= 52:
        problems.add("weeks", _l("Between 1 and 52 weeks."))
    known = set(db.session.scalars(select(Category.code)))
    codes = sorted({c.strip().upper() for c in draft.categories if c and c.strip()})
    if any(c not in known for c in codes):
        problems.add("categories", _l("Unknown category."))
    source = draft.source if draft.source in ("hotspot", "manual") else "manual"

    geom, radius, lat, lng = None, None, _float(draft.lat), _float(draft.lng)
    polygon = draft.polygon
    if isinstance(polygon, str) and polygon.strip():
        import json

        try:
            polygon = json.loads(polygon)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            polygon = "bad"
    if polygon:
        try:
            geom = parse_polygon(polygon)
        except InvalidPolygon:
            problems.add("polygon", _l("That is not a GeoJSON polygon in longitude and "
                                       "latitude."))
        else:
            if geom.geom_type != "Polygon" or len(geom.exterior.coords) > MAX_VERTICES:
                problems.add("polygon", _l("Draw one polygon of at most %(n)s corners.",
                                           n=MAX_VERTICES))
                geom = None
            elif policy.extent_m(geom.bounds) > MAX_EXTENT_M:
                problems.add("polygon", _l("A problem point is small: at most %(m)s m "
                                           "across.", m=int(MAX_EXTENT_M)))
                geom = None
        if geom is not None:
            inside = geom.representative_point()
            lng, lat = inside.x, inside.y
    else:
        radius = _float(draft.radius_m)
        if radius is None or not RADIUS_M[0] <= radius <= RADIUS_M[1]:
            problems.add("radius_m", _l("A radius between %(a)s and %(b)s m.",
                                        a=int(RADIUS_M[0]), b=int(RADIUS_M[1])))
        if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
            problems.add("lat", _l("Give the point's place on the map (latitude and "
                                   "longitude)."))
            lat = lng = None
    area = None
    if lat is not None and lng is not None and "polygon" not in problems:
        corners = list(geom.exterior.coords) if geom is not None else []
        area = routing.locate(lng, lat)
        if area is None or any(routing.area_index().locate(x, y) is None for x, y in corners):
            problems.add("lat" if geom is None else "polygon",
                         _l("That place is outside the city: it lies outside every "
                            "responsibility area."))
            area = None
    problems.raise_if_any()
    check_place(user, area)
    if geom is not None:
        minx, miny, maxx, maxy = geom.bounds
        shape_json = shapely.geometry.mapping(geom)
        shape_json = {"type": "Polygon",
                      "coordinates": [[list(c) for c in ring] for ring in
                                      shape_json["coordinates"]]}
    else:
        minx, miny, maxx, maxy = policy.circle_bounds(lng, lat, radius)
        shape_json = None
    point = ProblemPoint(
        name=name, district_id=area.street.district_id, street_id=area.street_id,
        area_id=area.id, lat=lat, lng=lng, radius_m=radius, polygon=shape_json,
        min_lat=miny, max_lat=maxy, min_lng=minx, max_lng=maxx, categories=codes,
        weeks=weeks, source=source, note=note, created_at=clock.now(), created_by_id=user.id)
    db.session.add(point)
    db.session.flush()
    audit.record(user, "problem_point", point.id, "create", None,
                 {"name": name, "lat": lat, "lng": lng, "radius_m": radius,
                  "polygon": shape_json is not None, "categories": codes, "weeks": weeks,
                  "source": source})
    db.session.commit()
    return point


def may_make(user: User) -> bool:
    return user.role == Role.ADMIN.value or (user.role == Role.SUPERVISOR.value
                                             and user.level != "area")


def check_place(user: User, area: Area) -> None:
    """A supervisor makes points only inside their own place; an administrator anywhere."""
    if not may_make(user):
        raise Forbidden(_l("Only supervisors make problem points."))
    if user.role == Role.ADMIN.value or user.level == "city":
        return
    if user.level == "district" and area.street.district_id == user.district_id:
        return
    if user.level == "street" and area.street_id == user.street_id:
        return
    raise Forbidden(_l("That is outside the place you supervise."))


def visible(user: User, district_id: int | None = None, street_id: int | None = None):
    """The points a supervisor may see (their place and below), optionally narrowed."""
    stmt = select(ProblemPoint).order_by(ProblemPoint.id)
    if user.role != Role.ADMIN.value and user.level != "city":
        if user.level in ("street", "area") and user.street_id:
            stmt = stmt.where(ProblemPoint.street_id == user.street_id)
        else:
            stmt = stmt.where(ProblemPoint.district_id == user.district_id)
    if district_id:
        stmt = stmt.where(ProblemPoint.district_id == district_id)
    if street_id:
        stmt = stmt.where(ProblemPoint.street_id == street_id)
    return stmt


def may_see(user: User, point: ProblemPoint) -> bool:
    if user.role == Role.ADMIN.value or user.level == "city":
        return True
    if user.level in ("street", "area"):
        return point.street_id == user.street_id
    return point.district_id == user.district_id


def contains(point: ProblemPoint, lng: float, lat: float) -> bool:
    if point.polygon is not None:
        return parse_polygon(point.polygon).intersects(shapely.Point(lng, lat))
    return policy.metres(point.lng, point.lat, lng, lat) <= point.radius_m


@dataclass
class PointCase:
    id: int
    code: str
    reported_at: Any
    state: str
    category_code: str


def substantiated(point: ProblemPoint) -> list[PointCase]:
    """The point's substantiated cases since it was made, oldest first (up to now)."""
    now = clock.now()
    stmt = (select(Case.id, Case.code, Case.created_at, Case.state, Category.code, Case.lng,
                   Case.lat)
            .join(Category, Category.id == Case.category_id)
            .where(Case.created_at >= point.created_at, Case.created_at <= now,
                   Case.lat.between(point.min_lat, point.max_lat),
                   Case.lng.between(point.min_lng, point.max_lng),
                   Case.state.not_in(NOT_SUBSTANTIATED))
            .order_by(Case.created_at, Case.id))
    if point.categories:
        stmt = stmt.where(Category.code.in_(point.categories))
    return [PointCase(r[0], r[1], r[2], r[3], r[4]) for r in db.session.execute(stmt)
            if contains(point, r[5], r[6])]


def standing(point: ProblemPoint, cases: list[PointCase] | None = None) -> policy.Standing:
    cases = substantiated(point) if cases is None else cases
    return policy.standing(point.created_at, [(c.reported_at, c.id) for c in cases],
                           point.weeks, clock.now())


@dataclass
class Row:
    point: ProblemPoint
    standing: policy.Standing
    cases: int
    place: str


def listing(user: User, district_id: int | None = None, street_id: int | None = None,
            status: str | None = None) -> list[Row]:
    """The city list (or the user's part of it): each point with its status now."""
    points = list(db.session.scalars(visible(user, district_id, street_id)))
    names = dict(db.session.execute(select(Street.id, Street.name_zh)).all())
    rows = []
    for p in points:
        found = substantiated(p)
        rows.append(Row(p, standing(p, found), len(found), names.get(p.street_id, "")))
    if status:
        rows = [r for r in rows if r.standing.status == status]
    return rows


def counts(rows: list[Row]) -> dict[str, int]:
    out = {s: 0 for s in policy.STATUSES}
    for r in rows:
        out[r.standing.status] += 1
    return out
