"""Routing: the location decides the responsibility area and its road chief; the category
decides whether the road chief or an agency is accountable, and the time limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from workflows.deadlines import TimeLimit, Unit

ROAD_CHIEF = "road_chief"  # the handler rule for categories the road chief owns


class Urgency(StrEnum):
    NORMAL = "normal"  # 一般
    URGENT = "urgent"  # 紧急
    CRITICAL = "critical"  # 特急 (a safety hazard)


class LimitKind(StrEnum):
    RESPONSE = "response"  # dispatch -> signed for
    RECTIFY = "rectify"  # dispatch -> rectification reported
    VERIFY = "verify"  # rectification reported -> verified


@dataclass(frozen=True)
class AreaRef:
    id: int
    district_id: int
    road_chief_id: int | None


@dataclass(frozen=True)
class CategoryRule:
    code: str
    handler: str  # ROAD_CHIEF or an agency handler key such as "traffic_police"
    limits: Mapping[tuple[LimitKind, Urgency], TimeLimit] = field(default_factory=dict)

    def limit(self, kind: LimitKind, urgency: Urgency) -> TimeLimit:
        try:
            return self.limits[(LimitKind(kind), Urgency(urgency))]
        except KeyError:
            raise LookupError(f"category {self.code} has no {kind} limit for {urgency}") from None


@dataclass(frozen=True)
class Route:
    """Who is accountable and by when; ``unrouted`` carries the reason a dispatcher must
    decide instead."""

    assignee_user_id: int | None = None
    assignee_agency_id: int | None = None
    response: TimeLimit | None = None
    rectify: TimeLimit | None = None
    unrouted: str | None = None

    @property
    def routed(self) -> bool:
        return self.unrouted is None


UNROUTED_NO_AREA = "no_area"  # the point is outside every responsibility area
UNROUTED_NO_CHIEF = "no_road_chief"  # the area has no road chief
UNROUTED_NO_AGENCY = "no_agency"  # no agency owns the category here


def route(
    area: AreaRef | None,
    category: CategoryRule,
    urgency: Urgency,
    agencies: Mapping[tuple[str, int | None], int],
) -> Route:
    """Decide the accountable party for a case.

    ``agencies`` maps (handler key, district id) to an agency id; a key with district
    ``None`` is a city-wide agency, used when the district has none of its own.
    """
    if area is None:
        return Route(unrouted=UNROUTED_NO_AREA)
    limits = {
        "response": category.limit(LimitKind.RESPONSE, urgency),
        "rectify": category.limit(LimitKind.RECTIFY, urgency),
    }
    if category.handler == ROAD_CHIEF:
        if area.road_chief_id is None:
            return Route(unrouted=UNROUTED_NO_CHIEF)
        return Route(assignee_user_id=area.road_chief_id, **limits)
    agency = agencies.get((category.handler, area.district_id))
    if agency is None:
        agency = agencies.get((category.handler, None))
    if agency is None:
        return Route(unrouted=UNROUTED_NO_AGENCY)
    return Route(assignee_agency_id=agency, **limits)


#: Default catalogue limits from DOMAIN.md, (amount, unit) for a normal case.
DEFAULT_RECTIFY_LIMITS: dict[str, TimeLimit] = {
    code: TimeLimit(amount, unit)
    for code, amount, unit in [
        ("LD01", 3, Unit.WORKING_DAYS), ("LD02", 15, Unit.WORKING_DAYS),
        ("LD03", 2, Unit.WORKING_HOURS), ("LD04", 4, Unit.WORKING_HOURS),
        ("LD05", 5, Unit.WORKING_DAYS), ("LD06", 1, Unit.WORKING_DAYS),
        ("LD07", 2, Unit.WORKING_HOURS), ("LD08", 1, Unit.WORKING_DAYS),
        ("LD09", 1, Unit.WORKING_DAYS), ("LD10", 2, Unit.WORKING_DAYS),
        ("HF01", 2, Unit.WORKING_HOURS), ("HF02", 2, Unit.WORKING_HOURS),
        ("HF03", 3, Unit.WORKING_DAYS), ("HF04", 3, Unit.WORKING_DAYS),
        ("HF05", 1, Unit.WORKING_DAYS), ("HF06", 2, Unit.CALENDAR_HOURS),
        ("HF07", 3, Unit.WORKING_DAYS), ("HF08", 5, Unit.WORKING_DAYS),
        ("HF09", 5, Unit.WORKING_DAYS), ("HF10", 5, Unit.WORKING_DAYS),
        ("HF99", 3, Unit.WORKING_DAYS),
    ]
}


def default_limits(normal: TimeLimit) -> dict[tuple[LimitKind, Urgency], TimeLimit]:
    """Starting limits for every kind and urgency, derived from a category's normal
    rectification limit: urgent halves it (at least one unit), critical is a safety
    response in calendar hours. A city changes these as data."""
    urgent = TimeLimit(max(1, normal.amount // 2), normal.unit)
    if normal.unit is Unit.CALENDAR_HOURS:
        critical = TimeLimit(max(1, normal.amount // 2), Unit.CALENDAR_HOURS)
    else:
        critical = TimeLimit(2, Unit.CALENDAR_HOURS)
    return {
        (LimitKind.RECTIFY, Urgency.NORMAL): normal,
        (LimitKind.RECTIFY, Urgency.URGENT): urgent,
        (LimitKind.RECTIFY, Urgency.CRITICAL): critical,
        (LimitKind.RESPONSE, Urgency.NORMAL): TimeLimit(2, Unit.WORKING_HOURS),
        (LimitKind.RESPONSE, Urgency.URGENT): TimeLimit(1, Unit.WORKING_HOURS),
        (LimitKind.RESPONSE, Urgency.CRITICAL): TimeLimit(1, Unit.CALENDAR_HOURS),
        (LimitKind.VERIFY, Urgency.NORMAL): TimeLimit(1, Unit.WORKING_DAYS),
        (LimitKind.VERIFY, Urgency.URGENT): TimeLimit(4, Unit.WORKING_HOURS),
        (LimitKind.VERIFY, Urgency.CRITICAL): TimeLimit(2, Unit.CALENDAR_HOURS),
    }
