"""Places: districts, streets and responsibility areas with their polygons and roads (the
names and aliases that SMS location matching reads)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

import shapely
from flask_babel import lazy_gettext as _l
from shapely.geometry import mapping, shape
from sqlalchemy import func, select

from app.extensions import db
from app.models import Area, Case, District, Road, Street, TeamMembership, User
from app.services.admin import Invalid, Problems, audit, code, text, word_list

DISTRICT_FIELDS = ("code", "name_zh", "name_en")
STREET_FIELDS = ("code", "district_id", "name_zh", "name_en")
AREA_FIELDS = ("code", "street_id", "name_zh", "name_en", "polygon", "road_chief_id", "roads")
ROAD_MAX = 64


# -- GeoJSON polygons ---------------------------------------------------------------------


def parse_polygon(raw: Any) -> dict[str, Any]:
    """A GeoJSON Polygon or MultiPolygon (given as text, a geometry, a Feature or a
    FeatureCollection of one feature), checked and normalised; or Invalid naming the
    problem in the user's language."""
    problems = Problems()
    geometry = _geometry(raw, problems)
    problems.raise_if_any()
    return geometry  # type: ignore[return-value]


def _geometry(raw: Any, problems: Problems) -> dict[str, Any] | None:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8-sig", errors="replace")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        problems.add("polygon", _l("The area has no polygon: draw it or give it as GeoJSON."))
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            problems.add("polygon", _l("This is not valid GeoJSON: %(why)s", why=str(exc)))
            return None
    if not isinstance(raw, Mapping):
        problems.add("polygon", _l("This is not valid GeoJSON."))
        return None
    if raw.get("type") == "FeatureCollection":
        features = raw.get("features") or []
        if len(features) != 1:
            problems.add("polygon", _l("Give exactly one feature (this file has %(n)s).",
                                       n=len(features)))
            return None
        raw = features[0]
    if isinstance(raw, Mapping) and raw.get("type") == "Feature":
        raw = raw.get("geometry")
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    if kind not in ("Polygon", "MultiPolygon"):
        problems.add("polygon", _l("Expected a GeoJSON Polygon or MultiPolygon, not %(kind)s.",
                                   kind=kind or "-"))
        return None
    coordinates = raw.get("coordinates")
    if not coordinates or not any(coordinates):
        problems.add("polygon", _l("The polygon is empty."))
        return None
    try:
        geom = shape(raw)
    except Exception:  # shapely raises several types for malformed input
        problems.add("polygon", _l("The polygon's coordinates are malformed: each ring needs "
                                   "at least four [longitude, latitude] points."))
        return None
    if geom.is_empty:
        problems.add("polygon", _l("The polygon is empty."))
        return None
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        problems.add("polygon", _l("Coordinates must be [longitude, latitude] in degrees."))
        return None
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        where = re.search(r"\[([-\d.e]+) ([-\d.e]+)\]", reason)
        at = f"{float(where[1]):.5f}, {float(where[2]):.5f}" if where else "-"
        if "Self-intersection" in reason:
            problems.add("polygon", _l("The polygon's edges cross each other (near %(at)s).",
                                       at=at))
        elif geom.area == 0:
            problems.add("polygon", _l("The polygon is empty."))
        else:
            problems.add("polygon", _l("The polygon is not valid (%(why)s, near %(at)s).",
                                       why=reason.split("[")[0], at=at))
        return None
    if geom.area == 0:
        problems.add("polygon", _l("The polygon is empty."))
        return None
    return json.loads(json.dumps(mapping(geom)))  # plain lists, closed rings


def square_metres(geom) -> float:
    """Approximate area of a lng/lat geometry in m² (fine at a city's scale)."""
    if geom.is_empty:
        return 0.0
    lat = geom.centroid.y
    return geom.area * 111_320 * math.cos(math.radians(lat)) * 110_574


# -- districts and streets ------------------------------------------------------------------


def save_district(admin: User, data: Mapping[str, Any], district: District | None = None,
                  source: str = "form") -> District:
    problems = Problems()
    values = {"code": code(problems, data, "code", 16),
              "name_zh": text(problems, data, "name_zh", 64, required=True),
              "name_en": text(problems, data, "name_en", 128, required=True)}
    _unique(problems, District, values["code"], district)
    problems.raise_if_any()
    return _save(admin, "district", District, district, values, DISTRICT_FIELDS, source)


def save_street(admin: User, data: Mapping[str, Any], street: Street | None = None,
                source: str = "form") -> Street:
    problems = Problems()
    values: dict[str, Any] = {"code": code(problems, data, "code", 16),
                              "name_zh": text(problems, data, "name_zh", 64, required=True),
                              "name_en": text(problems, data, "name_en", 128, required=True)}
    district = _by_code(District, data.get("district"))
    if district is None:
        problems.add("district", _l("No district has the code %(code)s.",
                                    code=data.get("district") or "-"))
    else:
        values["district_id"] = district.id
    _unique(problems, Street, values["code"], street)
    problems.raise_if_any()
    return _save(admin, "street", Street, street, values, STREET_FIELDS, source)


# -- areas and roads ---------------------------------------------------------------------------


def parse_roads(raw: Any) -> list[dict[str, Any]]:
    """Roads from text, one per line: ``name | alias, alias | 1-199, 401-599`` (the house
    numbers the road has in this area, where it runs through several); or from a GeoJSON
    property (a list of names or of {"name", "aliases", "numbers"})."""
    roads: list[dict[str, Any]] = []
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping):
                roads.append(_road(str(item.get("name") or "").strip(),
                                   word_list(item.get("aliases") or []),
                                   _numbers(item.get("numbers") or [])))
            else:
                roads.append({"name": str(item).strip(), "aliases": []})
        return roads
    for line in str(raw or "").splitlines():
        if not line.strip():
            continue
        name, _, rest = line.partition("|")
        aliases, _, numbers = rest.partition("|")
        roads.append(_road(name.strip(), word_list(aliases), _numbers(numbers)))
    return roads


def _road(name: str, aliases: list[str], numbers: list[list[int]] | None) -> dict[str, Any]:
    """A road as the area snapshot writes it: "numbers" only when there are any (or, as
    None, when they could not be read, for ``check_roads`` to say so)."""
    road: dict[str, Any] = {"name": name, "aliases": aliases}
    if numbers != []:
        road["numbers"] = numbers
    return road


def _numbers(raw: Any) -> list[list[int]] | None:
    """House-number ranges: "1-199, 401-599" or [[1, 199], ...]; None when malformed."""
    if isinstance(raw, list):
        parts = [f"{p[0]}-{p[1]}" if isinstance(p, list | tuple) and len(p) == 2 else "?"
                 for p in raw]
    else:
        parts = [p.strip() for p in str(raw or "").replace("，", ",").split(",") if p.strip()]
    out = []
    for part in parts:
        low, _, high = part.replace("—", "-").replace("–", "-").partition("-")
        if not (low.strip().isdigit() and high.strip().isdigit()) \
                or int(low) > int(high) or int(high) > 99999:
            return None
        out.append([int(low), int(high)])
    return out if len(out) <= 20 else None


def roads_text(area: Area) -> str:
    lines = []
    for r in area.roads:
        line = f"{r.name} | {', '.join(r.aliases)}" if r.aliases or r.numbers else r.name
        if r.numbers:
            line += " | " + ", ".join(f"{lo}-{hi}" for lo, hi in r.numbers)
        lines.append(line)
    return "\n".join(lines)


def check_roads(problems: Problems, roads: list[dict[str, Any]]) -> None:
    names = set()
    for road in roads:
        name = road["name"]
        if not name:
            problems.add("roads", _l("Every road needs a name."))
        elif len(name) > ROAD_MAX or any(len(a) > ROAD_MAX for a in road["aliases"]):
            problems.add("roads", _l("Road names and aliases have at most %(n)s characters.",
                                     n=ROAD_MAX))
        elif name in names:
            problems.add("roads", _l("The road %(name)s is listed twice.", name=name))
        elif road.get("numbers", []) is None:
            problems.add("roads", _l("House numbers of %(name)s: ranges such as 1-199, "
                                     "401-599.", name=name))
        names.add(name)


def validate_area(data: Mapping[str, Any], area: Area | None = None,
                  codes_in_file: set[str] | None = None) -> dict[str, Any]:
    """The cleaned values of an area form or imported feature, or Invalid."""
    problems = Problems()
    values: dict[str, Any] = {"code": code(problems, data, "code", 24),
                              "name_zh": text(problems, data, "name_zh", 128, required=True),
                              "name_en": text(problems, data, "name_en", 256)}
    values["name_en"] = values["name_en"] or values["name_zh"]
    street = _by_code(Street, data.get("street"))
    if street is None:
        problems.add("street", _l("No street has the code %(code)s.",
                                  code=data.get("street") or "-"))
    else:
        values["street_id"] = street.id
    values["polygon"] = _geometry(data.get("polygon"), problems)
    values["roads"] = parse_roads(data.get("roads"))
    check_roads(problems, values["roads"])
    _unique(problems, Area, values["code"], area)
    if codes_in_file is not None and values["code"] in codes_in_file:
        problems.add("code", _l("The code %(code)s appears twice in this file.",
                                code=values["code"]))
    problems.raise_if_any()
    return values


def save_area(admin: User, data: Mapping[str, Any], area: Area | None = None,
              source: str = "form", values: dict[str, Any] | None = None) -> Area:
    """Create or update an area and its roads (staged; commit with ``admin.commit``)."""
    values = values or validate_area(data, area)
    before = area_snapshot(area) if area is not None else None
    if area is None:
        area = Area(code=values["code"])
        db.session.add(area)
    for key in ("code", "street_id", "name_zh", "name_en", "polygon"):
        setattr(area, key, values[key])
    _set_roads(area, values["roads"])
    db.session.flush()
    audit.record(admin, "area", area.code, "update" if before else "create", before,
                 area_snapshot(area), source)
    return area


def _set_roads(area: Area, roads: list[dict[str, Any]]) -> None:
    current = {r.name: r for r in area.roads}
    wanted = {r["name"]: r for r in roads}
    for name, road in current.items():
        if name not in wanted:
            area.roads.remove(road)
    db.session.flush()  # a removed name may come back under another row
    for name, spec in wanted.items():
        numbers = spec.get("numbers") or None
        if name in current:
            current[name].aliases = list(spec["aliases"])
            current[name].numbers = numbers
        else:
            area.roads.append(Road(name=name, aliases=list(spec["aliases"]), numbers=numbers))


def area_snapshot(area: Area) -> dict[str, Any]:
    data = audit.snapshot(area, ("code", "street_id", "name_zh", "name_en", "polygon",
                                 "road_chief_id"))
    data["roads"] = [{"name": r.name, "aliases": list(r.aliases),
                      **({"numbers": r.numbers} if r.numbers else {})} for r in area.roads]
    return data


def delete_area(admin: User, area: Area) -> None:
    used = db.session.scalar(select(func.count()).where(Case.area_id == area.id)) or 0
    people = db.session.scalar(select(func.count()).where(User.area_id == area.id)) or 0
    team = db.session.scalar(select(func.count()).where(TeamMembership.area_id == area.id)) or 0
    if used or people or team or area.road_chief_id:
        raise Invalid({"area": _l(
            "This area is in use (%(cases)s cases, %(people)s people, road chief or team): "
            "redraw it or hand it over instead of deleting it.", cases=used,
            people=people + team)})
    audit.record(admin, "area", area.code, "delete", area_snapshot(area), None)
    db.session.delete(area)
    db.session.flush()


def overlaps_of(area: Area) -> list[tuple[str, float]]:
    """Other areas this one overlaps, with the shared surface in m²."""
    geom = shape(area.polygon)
    found = []
    for other in db.session.scalars(select(Area).where(Area.id != area.id)):
        other_geom = shape(other.polygon)
        if geom.intersects(other_geom):
            shared = square_metres(geom.intersection(other_geom))
            if shared >= 1:
                found.append((other.code, shared))
    return sorted(found)


# -- helpers ------------------------------------------------------------------------------------


def _by_code(model, value: Any):
    value = str(value or "").strip().upper()
    if not value:
        return None
    return db.session.scalar(select(model).where(model.code == value))


def _unique(problems: Problems, model, value: str, current) -> None:
    if not value:
        return
    other = db.session.scalar(select(model.id).where(model.code == value))
    if other is not None and (current is None or other != current.id):
        problems.add("code", _l("The code %(code)s is already used.", code=value))


def _save(admin: User, entity: str, model, row, values: dict[str, Any], fields, source: str):
    before = audit.snapshot(row, fields) if row is not None else None
    if row is None:
        row = model(**values)
        db.session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    db.session.flush()
    audit.record(admin, entity, row.code, "update" if before else "create", before,
                 audit.snapshot(row, fields), source)
    return row


def districts() -> list[District]:
    return list(db.session.scalars(select(District).order_by(District.code)))


def areas(street_id: int | None = None, q: str = "") -> list[Area]:
    query = select(Area).order_by(Area.code)
    if street_id:
        query = query.where(Area.street_id == street_id)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(Area.code.ilike(like) | Area.name_zh.ilike(like)
                            | Area.name_en.ilike(like))
    return list(db.session.scalars(query))


def streets() -> list[Street]:
    return list(db.session.scalars(select(Street).order_by(Street.code)))
