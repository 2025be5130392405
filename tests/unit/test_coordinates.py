"""The server's WGS-84 ⇄ GCJ-02 conversion: the same shift as the browser's gcoord, and an
inverse that brings a GCJ-02 position back to its WGS-84 place within a metre."""

import math
import random

import pytest

from app.services.coordinates import gcj02_to_wgs84, shifted_here, wgs84_to_gcj02

# (WGS-84, GCJ-02) pairs computed by gcoord 1.0.7 (static/vendor/gcoord), an independent
# implementation: the map in the browser and the server must put a point in one place.
KNOWN = [
    ((114.3055, 30.5928), (114.31094488843175, 30.590390564305725)),  # Wuhan, the demo centre
    ((116.391275, 39.90765), (116.39751618761511, 39.90905127070822)),  # Tiananmen, Beijing
    ((121.4737, 31.2304), (121.47822305927693, 31.22845773757727)),  # People's Square, Shanghai
    ((114.28, 30.60), (114.28541900108243, 30.59755681159276)),  # a crossing in 江岸区
]


def metres(a, b):
    """Distance between two (lng, lat) points, flat-earth: exact enough over a kilometre."""
    (lng1, lat1), (lng2, lat2) = a, b
    k = math.radians
    return 6371008.8 * math.hypot(k(lng1 - lng2) * math.cos(k((lat1 + lat2) / 2)),
                                  k(lat1 - lat2))


@pytest.mark.parametrize(("wgs", "gcj"), KNOWN)
def test_a_known_place_is_shifted_as_gcoord_shifts_it(wgs, gcj):
    assert metres(wgs84_to_gcj02(*wgs), gcj) < 0.01


@pytest.mark.parametrize(("wgs", "gcj"), KNOWN)
def test_a_known_gcj02_position_comes_back_to_its_wgs84_place(wgs, gcj):
    assert metres(gcj02_to_wgs84(*gcj), wgs) < 0.05


def test_the_shift_in_wuhan_is_the_half_kilometre_residents_would_see():
    # The "about 590 m off": what a tap on an AMap tile costs without conversion.
    wuhan = (114.3055, 30.5928)
    assert 550 < metres(wuhan, wgs84_to_gcj02(*wuhan)) < 620


def test_a_round_trip_anywhere_in_china_stays_within_a_metre():
    rng = random.Random(25)
    points = [(rng.uniform(73.5, 135.0), rng.uniform(18.0, 53.5)) for _ in range(5000)]
    worst = max(metres(p, gcj02_to_wgs84(*wgs84_to_gcj02(*p))) for p in points)
    assert worst < 1.0
    # and from the other side: a GCJ-02 point shown on the map, stored, shown again
    worst_back = max(metres(p, wgs84_to_gcj02(*gcj02_to_wgs84(*p))) for p in points)
    assert worst_back < 1.0


def test_outside_china_a_position_is_left_as_it_is():
    tokyo, paris = (139.6917, 35.6895), (2.3522, 48.8566)
    for place in (tokyo, paris):
        assert not shifted_here(*place)
        assert wgs84_to_gcj02(*place) == place
        assert gcj02_to_wgs84(*place) == place


def test_a_position_that_is_not_a_number_passes_through_for_validation_to_refuse():
    for bad in ((math.nan, 30.0), (114.0, math.inf)):
        assert not shifted_here(*bad)
        assert gcj02_to_wgs84(*bad) == bad and wgs84_to_gcj02(*bad) == bad
