"""The map of all responsibility areas, with the places where they overlap (a point there
is routed to only one of them) and the gaps between them (a report there is unrouted).

Rendered as an SVG on the server, so the page works without any map library."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field

import shapely
from flask import current_app
from shapely.geometry import shape
from sqlalchemy import select

from app.extensions import db
from app.models import Area, Street
from app.services.admin.places import square_metres

#: Gaps narrower than twice this (in degrees, ~30 m) between neighbouring areas count too.
SLIVER = 0.0003
MIN_M2 = 1.0  # smaller differences are rounding, not gaps
_KEY = "roadchief.area_map"


@dataclass
class Shape:
    key: str
    label: str
    geom: object
    m2: float = 0.0
    group: int = 0  # colour group (the street)
    path: str = ""


@dataclass
class AreaMap:
    areas: list[Shape] = field(default_factory=list)
    overlaps: list[Shape] = field(default_factory=list)
    gaps: list[Shape] = field(default_factory=list)
    view_box: str = "0 0 100 100"


def analyse(rows: list[tuple[str, str, dict, int]] | None = None) -> AreaMap:
    """``rows`` are (code, name, GeoJSON polygon, street id); by default every area. The
    last result is kept while the areas stay the same (the geometry takes seconds for
    thousands of areas)."""
    if rows is None:
        rows = [(a.code, a.name_zh, a.polygon, a.street_id)
                for a in db.session.scalars(select(Area).order_by(Area.code))]
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False)
                            .encode()).hexdigest()
    cached = current_app.extensions.get(_KEY)
    if cached and cached[0] == digest:
        return cached[1]
    result = _analyse(rows)
    current_app.extensions[_KEY] = (digest, result)
    return result


def _analyse(rows: list[tuple[str, str, dict, int]]) -> AreaMap:
    result = AreaMap()
    if not rows:
        return result
    streets = {sid: i for i, sid in enumerate(
        db.session.scalars(select(Street.id).order_by(Street.code)))}
    for code, name, polygon, street_id in rows:
        result.areas.append(Shape(code, name, shape(polygon), group=streets.get(street_id, 0)))
    geoms = [s.geom for s in result.areas]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        shared = geoms[i].intersection(geoms[j])
        m2 = square_metres(shared)
        if m2 >= MIN_M2:
            a, b = result.areas[i].key, result.areas[j].key
            result.overlaps.append(Shape(f"{a} ∩ {b}", f"{a} / {b}", shared, m2))
    union = shapely.union_all(geoms)
    closed = union.buffer(SLIVER, join_style="mitre").buffer(-SLIVER, join_style="mitre")
    holes = [shapely.Polygon(ring) for poly in _polygons(union) for ring in poly.interiors]
    gaps = shapely.union_all([closed.difference(union), *holes])
    for n, poly in enumerate(sorted(_polygons(gaps), key=lambda p: -p.area), start=1):
        m2 = square_metres(poly)
        if m2 >= MIN_M2:
            c = poly.representative_point()
            result.gaps.append(Shape(f"gap-{n}", f"{c.x:.5f}, {c.y:.5f}", poly, m2))
    _project(result)
    return result


def _polygons(geom) -> list:
    if geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    return [g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"]


def _project(result: AreaMap, width: float = 1000.0) -> None:
    """Equirectangular projection into an SVG box ``width`` wide (north up)."""
    minx, miny, maxx, maxy = shapely.total_bounds([s.geom for s in result.areas])
    pad = max(maxx - minx, maxy - miny) * 0.03 or 0.001
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    kx = math.cos(math.radians((miny + maxy) / 2))
    scale = width / ((maxx - minx) * kx)
    height = (maxy - miny) * scale

    def point(x: float, y: float) -> str:
        return f"{(x - minx) * kx * scale:.1f},{(maxy - y) * scale:.1f}"

    def path(geom) -> str:
        parts = []
        for poly in _polygons(geom):
            for ring in (poly.exterior, *poly.interiors):
                coords = list(ring.coords)
                parts.append("M" + " L".join(point(x, y) for x, y in coords) + "Z")
        return " ".join(parts)

    for s in (*result.areas, *result.overlaps, *result.gaps):
        s.path = path(s.geom)
    result.view_box = f"0 0 {width:.0f} {height:.0f}"
