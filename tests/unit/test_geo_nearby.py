"""The area index answers "which areas touch this box" and "where is the city"."""

import pytest

from tests.factories import box
from workflows.geo import AreaIndex


def test_areas_touching_a_box():
    index = AreaIndex([(1, box(114.300, 30.600)), (2, box(114.304, 30.600)),
                       (3, box(114.300, 30.608))])
    assert index.intersecting(114.3035, 30.601, 114.3045, 30.602) == [1, 2]
    assert index.intersecting(114.301, 30.601, 114.302, 30.602) == [1]
    assert index.intersecting(114.5, 30.9, 114.6, 31.0) == []


def test_the_bounds_of_all_areas():
    index = AreaIndex([(1, box(114.300, 30.600)), (2, box(114.304, 30.608))])
    assert index.bounds == pytest.approx((114.300, 30.600, 114.308, 30.612))
    assert AreaIndex([]).bounds is None
