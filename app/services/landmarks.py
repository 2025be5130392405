"""Landmarks: the places residents name instead of a road. An administrator keeps the list
(name, aliases, point); SMS understanding and the web form's place search read it, each
landmark in the area its point lies in (or, just outside every area, the nearest one)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import shapely
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Area, Landmark, Road, User
from app.services import clock
from app.services.admin import Problems, audit
from app.services.routing import area_index
from workflows.geo import parse_polygon

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo" / "wuhan_landmarks.json"
NEAREST_DEG = 0.01  # about 1 km: a landmark this far outside every area still belongs
FIELDS = ("name", "name_en", "aliases", "lat", "lng", "active")


def active() -> list[Landmark]:
    return list(db.session.scalars(select(Landmark).where(Landmark.active.is_(True))
                                   .order_by(Landmark.name)))


def area_of(lat: float, lng: float) -> int | None:
    """The area a point lies in, else the nearest within ``NEAREST_DEG``."""
    index = area_index()
    found = index.locate(lng, lat)
    if found is not None:
        return found
    m = NEAREST_DEG
    near = index.intersecting(lng - m, lat - m, lng + m, lat + m)
    if not near:
        return None
    point = shapely.Point(lng, lat)
    polygons = dict(db.session.execute(select(Area.id, Area.polygon).where(Area.id.in_(near))
                                       ).all())
    return min(near, key=lambda a: parse_polygon(polygons[a]).distance(point))


def gazetteer_rows() -> list[dict[str, Any]]:
    """The active landmarks as plain data for ``workflows.sms.Gazetteer``."""
    return [{"name": m.name, "aliases": [*(m.aliases or []), *([m.name_en] if m.name_en else [])],
             "area_id": area_of(m.lat, m.lng)} for m in active()]


def by_area() -> dict[int, list[str]]:
    """Area id → the names residents may search it by (landmark names and aliases)."""
    out: dict[int, list[str]] = {}
    for row in gazetteer_rows():
        if row["area_id"] is not None:
            out.setdefault(row["area_id"], []).extend([row["name"], *row["aliases"]])
    return out


# -- administration ------------------------------------------------------------------------------


def parse(data: Mapping[str, Any]) -> dict[str, Any]:
    """A landmark's fields from a form, each problem named by its field."""
    problems = Problems()
    name = " ".join(str(data.get("name") or "").split())
    if not name or len(name) > 64 or not name.isprintable():
        problems.add("name", _l("Give the landmark's name (at most 64 characters)."))
    name_en = " ".join(str(data.get("name_en") or "").split())[:128]
    aliases = [a for a in (" ".join(p.split()) for p in
                           str(data.get("aliases") or "").replace("，", ",").replace("、", ",")
                           .replace("\n", ",").split(",")) if a]
    if any(len(a) > 64 or not a.isprintable() for a in aliases) or len(aliases) > 20:
        problems.add("aliases", _l("Aliases: at most 20, separated by commas, each at most 64 "
                                   "characters."))
    lat, lng = _number(data.get("lat")), _number(data.get("lng"))
    if lat is None or not -90 <= lat <= 90:
        problems.add("lat", _l("Give the latitude in degrees (e.g. 30.5928)."))
    if lng is None or not -180 <= lng <= 180:
        problems.add("lng", _l("Give the longitude in degrees (e.g. 114.3055)."))
    if lat is not None and lng is not None and not problems and area_of(lat, lng) is None:
        problems.add("lat", _l("This point is not in or near any responsibility area."))
    problems.raise_if_any()
    return {"name": name, "name_en": name_en, "aliases": aliases, "lat": lat, "lng": lng,
            "active": str(data.get("active", "y")).lower() in ("1", "y", "yes", "true", "on")}


def _number(raw: Any) -> float | None:
    try:
        value = float(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if value == value else None  # NaN is no number


def save(admin: User, data: Mapping[str, Any], landmark: Landmark | None = None) -> Landmark:
    """Create or update a landmark (staged with its audit entry; the caller commits with
    ``app.services.admin.commit`` and then ``invalidate``)."""
    values = parse(data)
    taken = db.session.scalar(select(Landmark).where(Landmark.name == values["name"]))
    if taken is not None and taken is not landmark:
        problems = Problems()
        problems.add("name", _l("Another landmark has this name."))
        problems.raise_if_any()
    before = audit.snapshot(landmark, FIELDS) if landmark is not None else None
    if landmark is None:
        landmark = Landmark(**values, updated_at=clock.now())
        db.session.add(landmark)
    else:
        for key, value in values.items():
            setattr(landmark, key, value)
        landmark.updated_at = clock.now()
    db.session.flush()
    audit.record(admin, "landmark", landmark.name, "update" if before else "create", before,
                 audit.snapshot(landmark, FIELDS))
    return landmark


def delete(admin: User, landmark: Landmark) -> None:
    audit.record(admin, "landmark", landmark.name, "delete",
                 audit.snapshot(landmark, FIELDS), None)
    db.session.delete(landmark)


def invalidate() -> None:
    """After a commit: SMS understanding and the place search read the new list."""
    from app.services import reference_data

    reference_data.changed()  # and every other host's and worker's


# -- the demo city -----------------------------------------------------------------------------


def seed_demo() -> int:
    """The demo city's well-known landmarks (each placed inside its area) and the house
    numbers of the roads that lead several areas. Idempotent."""
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    areas = {a.code: a for a in db.session.scalars(select(Area))}
    added = 0
    for item in data["landmarks"]:
        area = areas.get(item["area"])
        if area is None or db.session.scalar(select(Landmark.id).where(
                Landmark.name == item["name"])) is not None:
            continue
        point = parse_polygon(area.polygon).representative_point()
        db.session.add(Landmark(name=item["name"], name_en=item["name_en"],
                                aliases=list(item["aliases"]), lat=round(point.y, 6),
                                lng=round(point.x, 6), active=True, updated_at=clock.now()))
        added += 1
    for code, roads in data["numbers"].items():
        area = areas.get(code)
        if area is None:
            continue
        for road in db.session.scalars(select(Road).where(Road.area_id == area.id)):
            if road.name in roads and not road.numbers:
                road.numbers = roads[road.name]
    db.session.flush()
    return added
