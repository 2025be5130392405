"""Problem points (问题集中点位) until they meet the standard, defined once.

Pure policy: no Flask, no SQLAlchemy, no I/O. A point is a small place (a circle or a
polygon, WGS-84) with the categories it is about. Its status follows from two things only:
the moment it was made and the moments of the substantiated cases reported in it since.

* **rectifying** (整改中): from the moment it is made, and after every new case, until
* **met** (达标): ``weeks`` consecutive weeks (7 × 24 h) passed with no new case in it;
* **rebound** (反弹): a new case after it had met the standard; it meets it again after
  ``weeks`` clean weeks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

RECTIFYING, MET, REBOUND = "rectifying", "met", "rebound"
STATUSES = (RECTIFYING, MET, REBOUND)
WEEK = timedelta(days=7)
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Change:
    at: datetime
    status: str
    case_id: int | None = None  # the case that flagged the point again


@dataclass(frozen=True)
class Standing:
    status: str
    weeks_clean: int
    clean_since: datetime
    met_count: int
    rebound_count: int
    history: tuple[Change, ...]


def standing(since: datetime, cases: Iterable[tuple[datetime, int]], weeks: int,
             now: datetime) -> Standing:
    """The point's status at ``now``: ``cases`` are (reported at, case id) of its
    substantiated cases; those before ``since`` or after ``now`` do not count."""
    need = weeks * WEEK
    status, clean_since = RECTIFYING, since
    history = [Change(since, RECTIFYING)]
    for at, case_id in sorted((c for c in cases if since <= c[0] <= now),
                              key=lambda c: (c[0], c[1])):
        if status != MET and at - clean_since >= need:
            status = MET
            history.append(Change(clean_since + need, MET))
        if status == MET:
            status = REBOUND
            history.append(Change(at, REBOUND, case_id))
        clean_since = at
    if status != MET and now - clean_since >= need:
        status = MET
        history.append(Change(clean_since + need, MET))
    return Standing(
        status=status,
        weeks_clean=max(0, int((now - clean_since) / WEEK)),
        clean_since=clean_since,
        met_count=sum(1 for c in history if c.status == MET),
        rebound_count=sum(1 for c in history if c.status == REBOUND),
        history=tuple(history),
    )


def metres(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Distance on the ground for the short distances of a point (equirectangular)."""
    mid = math.radians((lat1 + lat2) / 2)
    dx = (lng2 - lng1) * METRES_PER_DEGREE * math.cos(mid)
    dy = (lat2 - lat1) * METRES_PER_DEGREE
    return math.hypot(dx, dy)


def circle_bounds(lng: float, lat: float, radius_m: float
                  ) -> tuple[float, float, float, float]:
    """(min lng, min lat, max lng, max lat) of a circle."""
    dy = radius_m / METRES_PER_DEGREE
    dx = radius_m / (METRES_PER_DEGREE * max(0.2, math.cos(math.radians(lat))))
    return lng - dx, lat - dy, lng + dx, lat + dy


def extent_m(bounds: Sequence[float]) -> float:
    """The diagonal of a bounding box, in metres: how big a place is."""
    minx, miny, maxx, maxy = bounds
    return metres(minx, miny, maxx, maxy)
