"""Problem points until they meet the standard: made inside the city and the maker's place,
达标 after N clean weeks on the app's clock, 反弹 on a new substantiated case, and only
substantiated cases count."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import ProblemPoint
from app.services import clock, problem_points
from app.services.admin import Invalid
from app.services.errors import Forbidden
from app.services.problem_points import Draft
from tests.metrics_helpers import at, dispatched, report

MADE = "2026-10-05 09:00"


def make(city, user=None, **kw):
    lng, lat = city.POINT
    values = {"name": "解放大道小广告点", "lat": lat, "lng": lng, "radius_m": 60,
              "categories": ("LD09",), "weeks": 2} | kw
    with clock.travel(at(kw.pop("when", MADE))):
        return problem_points.create(user or city.district_supervisor, Draft(**values))


def status_at(point, when: str):
    with clock.travel(at(when)):
        return problem_points.standing(db.session.get(ProblemPoint, point.id))


def test_a_point_meets_the_standard_after_n_clean_weeks_and_rebounds_on_a_new_case(city):
    point = make(city)
    assert status_at(point, "2026-10-12 09:00").status == "rectifying"
    assert status_at(point, "2026-10-12 09:00").weeks_clean == 1
    met = status_at(point, "2026-10-19 09:01")
    assert (met.status, met.weeks_clean) == ("met", 2)
    dispatched(city, "2026-10-21 10:00")  # a new flyer report, accepted and dispatched
    rebound = status_at(point, "2026-10-21 11:00")
    assert rebound.status == "rebound"
    assert [c.status for c in rebound.history] == ["rectifying", "met", "rebound"]
    assert rebound.weeks_clean == 0
    again = status_at(point, "2026-11-04 10:01")  # two clean weeks after the rebound
    assert again.status == "met" and again.met_count == 2 and again.rebound_count == 1


def test_a_case_during_rectification_restarts_the_clean_weeks(city):
    point = make(city)
    dispatched(city, "2026-10-15 09:00")
    assert status_at(point, "2026-10-19 09:01").status == "rectifying"
    assert status_at(point, "2026-10-29 09:01").status == "met"


def test_only_substantiated_cases_of_the_points_categories_inside_it_count(city):
    point = make(city)
    report(city, "2026-10-21 10:00")  # still waiting for triage: not substantiated yet
    dispatched(city, "2026-10-21 10:00", code="LD07")  # littering: not this point's category
    far = (city.POINT[0] + 0.003, city.POINT[1])  # about 290 m away: outside the circle
    dispatched(city, "2026-10-21 10:00", point=far)
    assert status_at(point, "2026-10-21 11:00").status == "met"
    with clock.travel(at("2026-10-21 11:00")):
        assert problem_points.substantiated(db.session.get(ProblemPoint, point.id)) == []


def test_a_rejected_report_does_not_flag_the_point_again(city):
    from app.services import cases
    from app.services.actors import Actor

    point = make(city)
    case = report(city, "2026-10-21 10:00")
    with clock.travel(at("2026-10-21 10:30")):
        cases.reject(case, Actor.staff(city.dispatcher), reason="无效举报")
    assert status_at(point, "2026-10-21 11:00").status == "met"


def test_a_point_outside_the_city_is_refused_and_nothing_is_written(city):
    lng, lat = city.NOWHERE
    with pytest.raises(Invalid) as caught:
        make(city, lat=lat, lng=lng)
    assert "城市范围之外" in str(caught.value.problems["lat"])  # Chinese first
    db.session.rollback()
    assert db.session.query(ProblemPoint).count() == 0


def test_a_polygon_reaching_outside_the_city_is_refused(city):
    lng, lat = city.POINT
    ring = [[lng, lat], [lng + 0.0005, lat], [lng + 0.0005, lat - 0.004], [lng, lat]]
    with pytest.raises(Invalid) as caught:
        make(city, polygon={"type": "Polygon", "coordinates": [ring]})
    assert "polygon" in caught.value.problems


def test_a_small_polygon_inside_the_city_is_a_point(city):
    lng, lat = city.POINT
    d = 0.0003
    ring = [[lng - d, lat - d], [lng + d, lat - d], [lng + d, lat + d], [lng - d, lat + d],
            [lng - d, lat - d]]
    point = make(city, polygon={"type": "Polygon", "coordinates": [ring]}, radius_m=None)
    assert point.polygon is not None and point.radius_m is None
    dispatched(city, "2026-10-06 10:00")
    with clock.travel(at("2026-10-06 11:00")):
        assert len(problem_points.substantiated(point)) == 1


@pytest.mark.parametrize("bad", [
    {"radius_m": 5}, {"radius_m": "1e999"}, {"radius_m": "abc"}, {"weeks": 0},
    {"weeks": 99}, {"name": ""}, {"name": "x" * 65}, {"categories": ("ZZ99",)},
    {"lat": "nan"}, {"lat": 1e308}, {"polygon": "{not json"},
    {"polygon": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}},
])
def test_bad_input_is_refused_with_a_message(city, bad):
    with pytest.raises(Invalid):
        make(city, **bad)
    db.session.rollback()
    assert db.session.query(ProblemPoint).count() == 0


def test_a_supervisor_makes_points_only_in_their_own_place(city):
    lng, lat = city.FAR_POINT  # another district
    with pytest.raises(Forbidden):
        make(city, lat=lat, lng=lng)
    with pytest.raises(Forbidden):
        make(city, user=city.chief)
    db.session.rollback()
    assert make(city, user=city.city_supervisor, lat=lat, lng=lng).district_id == \
        city.other_district.id


def test_the_list_shows_each_points_status_to_its_place_only(city):
    make(city)
    lng, lat = city.FAR_POINT
    make(city, user=city.city_supervisor, lat=lat, lng=lng, name="武珞路点")
    with clock.travel(at(MADE) + timedelta(weeks=3)):
        mine = problem_points.listing(city.district_supervisor)
        every = problem_points.listing(city.city_supervisor)
    assert [r.point.name for r in mine] == ["解放大道小广告点"]
    assert len(every) == 2 and {r.standing.status for r in every} == {"met"}
