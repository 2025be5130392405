"""WGS-84 ⇄ GCJ-02: the one place the server converts a position between the two systems.

Storage is WGS-84 everywhere. A position that arrives already shifted into GCJ-02 (a WeChat
location message, a phone app on AMap's or Tencent's SDK) is converted on the way in; the
browser converts for display with the vendored gcoord, whose formula is
the same (used by static/js/basemap.js), so both sides agree to the millimetre.

The formula comes from `prcoords` (CC0). Its inverse is a fixed-point iteration on the forward
transform (a round trip stays within 5 mm anywhere in China); the one-step inverse most
libraries offer is off by up to 5 m. Outside China's bounding box GCJ-02 is WGS-84 itself, so
positions there pass through unchanged (as gcoord does), and so does anything not a finite
number, for the caller's own validation to refuse.
"""

from __future__ import annotations

import math

import prcoords

# The bounding box both prcoords and gcoord treat as "China" (the shift applies inside it).
_LNG_MIN, _LNG_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271


def shifted_here(lng: float, lat: float) -> bool:
    """True where GCJ-02 differs from WGS-84 (inside China's bounding box)."""
    return (all(math.isfinite(v) for v in (lng, lat))
            and _LNG_MIN <= lng <= _LNG_MAX and _LAT_MIN <= lat <= _LAT_MAX)


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    """A WGS-84 position as drawn on a GCJ-02 map (AMap, Tencent)."""
    if not shifted_here(lng, lat):
        return lng, lat
    shifted = prcoords.wgs_gcj((lat, lng), False)
    return shifted.lon, shifted.lat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """The WGS-84 position of a point given in GCJ-02 (iterated to millimetres)."""
    if not shifted_here(lng, lat):
        return lng, lat
    true = prcoords.gcj_wgs_bored((lat, lng), False)
    return true.lon, true.lat
