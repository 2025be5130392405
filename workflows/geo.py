"""Which responsibility area a point lies in, through a spatial index (shapely's STRtree),
so that routing stays under a millisecond among thousands of areas."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import shapely
from shapely.geometry import shape


class InvalidPolygon(ValueError):
    pass


def parse_polygon(geojson: Mapping[str, Any]):
    """A shapely polygon from a GeoJSON Polygon or MultiPolygon, or InvalidPolygon."""
    if not isinstance(geojson, Mapping) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidPolygon("expected a GeoJSON Polygon or MultiPolygon")
    try:
        geom = shape(geojson)
    except Exception as exc:  # shapely raises several types for malformed input
        raise InvalidPolygon(f"malformed GeoJSON polygon: {exc}") from exc
    if geom.is_empty or not geom.is_valid:
        raise InvalidPolygon(f"invalid polygon: {shapely.is_valid_reason(geom)}")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidPolygon("coordinates must be [longitude, latitude] in degrees")
    return geom


class AreaIndex:
    """Point-in-area lookup. Built from (area id, GeoJSON polygon) pairs."""

    def __init__(self, areas: Iterable[tuple[int, Mapping[str, Any]]]):
        ids, geoms = [], []
        for area_id, geojson in areas:
            ids.append(area_id)
            geoms.append(parse_polygon(geojson))
        self._ids = ids
        self._geoms = geoms
        self._tree = shapely.STRtree(geoms)
        for g in geoms:
            shapely.prepare(g)

    def __len__(self) -> int:
        return len(self._ids)

    def locate(self, lng: float, lat: float) -> int | None:
        """The area containing the point (on a shared edge: the lowest id), or None."""
        point = shapely.Point(lng, lat)
        hits = self._tree.query(point, predicate="intersects")
        if len(hits) == 0:
            return None
        return min(self._ids[i] for i in hits)

    def intersecting(self, minx: float, miny: float, maxx: float, maxy: float) -> list[int]:
        """Ids of the areas that touch a lng/lat box (for "what is near this point")."""
        hits = self._tree.query(shapely.box(minx, miny, maxx, maxy), predicate="intersects")
        return sorted(self._ids[i] for i in hits)

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """(min lng, min lat, max lng, max lat) of all areas; None when there are none."""
        if not self._geoms:
            return None
        return tuple(shapely.total_bounds(self._geoms).tolist())  # type: ignore[return-value]
