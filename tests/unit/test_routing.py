"""Routing rules and the spatial index."""

import pytest

from workflows.deadlines import TimeLimit, Unit
from workflows.geo import AreaIndex, InvalidPolygon, parse_polygon
from workflows.routing import (
    DEFAULT_RECTIFY_LIMITS,
    UNROUTED_NO_AGENCY,
    UNROUTED_NO_AREA,
    UNROUTED_NO_CHIEF,
    AreaRef,
    CategoryRule,
    LimitKind,
    Urgency,
    default_limits,
    route,
)

PARKING = CategoryRule("LD03", "traffic_police", default_limits(DEFAULT_RECTIFY_LIMITS["LD03"]))
FLYERS = CategoryRule("LD09", "road_chief", default_limits(DEFAULT_RECTIFY_LIMITS["LD09"]))
AREA = AreaRef(id=7, district_id=1, road_chief_id=42)
AGENCIES = {("traffic_police", 1): 100, ("traffic_police", None): 900, ("sanitation", None): 901}


def test_a_road_chief_category_goes_to_the_areas_road_chief_with_its_limit():
    r = route(AREA, FLYERS, Urgency.NORMAL, AGENCIES)
    assert r.routed and r.assignee_user_id == 42 and r.assignee_agency_id is None
    assert r.rectify == TimeLimit(1, Unit.WORKING_DAYS)


def test_an_agency_category_goes_to_the_districts_own_agency_first():
    r = route(AREA, PARKING, Urgency.NORMAL, AGENCIES)
    assert r.assignee_agency_id == 100 and r.rectify == TimeLimit(2, Unit.WORKING_HOURS)
    other_district = AreaRef(id=8, district_id=2, road_chief_id=43)
    assert route(other_district, PARKING, Urgency.NORMAL, AGENCIES).assignee_agency_id == 900


def test_urgency_shortens_the_limit():
    normal = route(AREA, FLYERS, Urgency.NORMAL, AGENCIES).rectify
    urgent = route(AREA, FLYERS, Urgency.URGENT, AGENCIES).rectify
    critical = route(AREA, FLYERS, Urgency.CRITICAL, AGENCIES).rectify
    assert normal == TimeLimit(1, Unit.WORKING_DAYS)
    assert urgent.amount <= normal.amount
    assert critical.unit is Unit.CALENDAR_HOURS


def test_manhole_covers_are_timed_on_the_calendar_clock():
    limits = default_limits(DEFAULT_RECTIFY_LIMITS["HF06"])
    assert limits[(LimitKind.RECTIFY, Urgency.NORMAL)] == TimeLimit(2, Unit.CALENDAR_HOURS)


@pytest.mark.parametrize(
    ("area", "category", "agencies", "why"),
    [
        (None, FLYERS, AGENCIES, UNROUTED_NO_AREA),
        (AreaRef(1, 1, None), FLYERS, AGENCIES, UNROUTED_NO_CHIEF),
        (AREA, PARKING, {}, UNROUTED_NO_AGENCY),
    ],
)
def test_what_cannot_be_routed_says_why(area, category, agencies, why):
    r = route(area, category, Urgency.NORMAL, agencies)
    assert not r.routed and r.unrouted == why


def square(x, y, size=1.0):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size],
                                                [x, y + size], [x, y]]]}


def test_the_index_finds_the_area_of_a_point_and_none_outside():
    index = AreaIndex([(1, square(114.0, 30.0)), (2, square(115.0, 30.0))])
    assert index.locate(114.5, 30.5) == 1
    assert index.locate(115.5, 30.5) == 2
    assert index.locate(116.5, 30.5) is None
    assert index.locate(115.0, 30.5) == 1  # on the shared edge: the lowest id, every time


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "Point", "coordinates": [114, 30]},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},  # bow-tie
        {"type": "Polygon", "coordinates": [[[400, 0], [401, 0], [401, 1], [400, 0]]]},
        {"type": "Polygon", "coordinates": "nonsense"},
    ],
)
def test_invalid_polygons_are_refused(bad):
    with pytest.raises(InvalidPolygon):
        parse_polygon(bad)
