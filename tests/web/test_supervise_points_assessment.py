"""Problem points, the monthly assessment, coverage and the scheme's administration over
HTTP: roles and places on every route, CSRF, bad input answered with a message (never a
500), and what a supervisor sees: statuses, scores, the red and black lists in the
bulletin, coverage gaps."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Agency, AssessmentMonth, AssessmentScheme, ProblemPoint
from app.services import clock
from tests.metrics_helpers import at, closed, dispatched, rate
from tests.resident_helpers import fresh_limits  # noqa: F401 - an autouse fixture
from tests.work_helpers import client_for

NOW = "2026-12-02 09:00"


def get(client, path):
    with clock.travel(at(NOW)):
        return client.get(path)


def post(client, path, data=None, csrf=True):
    data = dict(data or {})
    if csrf:
        data["csrf_token"] = client.csrf
    with clock.travel(at(NOW)):
        return client.post(path, data=data)


@pytest.fixture()
def november(city):
    good = closed(city, "2026-11-25 09:00", rectified="2026-11-26 10:00",
                  verified="2026-11-26 11:00")
    rate(good, "2026-11-26 12:00", 1)
    late = closed(city, "2026-11-23 09:00", rectified="2026-11-26 10:00",
                  verified="2026-11-26 11:00", point=city.POINT3, phone="13900005678")
    rate(late, "2026-11-26 12:00", 3)
    return city


# -- who may open what ---------------------------------------------------------------------

PAGES = ["/supervise/points", "/supervise/points/new", "/supervise/assessment?month=2026-11",
         "/supervise/coverage"]


@pytest.mark.parametrize("path", PAGES)
def test_only_supervisors_open_the_pages(app, city, path):
    assert get(client_for(app), path).status_code in (302, 401)
    for outsider in (city.chief, city.dispatcher, city.traffic_staff, city.inspector):
        assert get(client_for(app, outsider), path).status_code == 403, outsider.username
    assert get(client_for(app, city.district_supervisor), path).status_code == 200


def test_the_scheme_administration_is_for_administrators_only(app, city):
    assert get(client_for(app, city.city_supervisor), "/admin/assessment").status_code == 403
    assert get(client_for(app, city.admin), "/admin/assessment").status_code == 200


# -- problem points --------------------------------------------------------------------------


def test_a_supervisor_makes_a_point_from_a_hotspot_and_sees_it_listed(app, november):
    city = november
    dispatched(city, "2026-11-20 09:00")  # a second flyer report at the same spot
    client = client_for(app, city.district_supervisor)
    page = get(client, "/supervise/hotspots?month=2026-11&min=2").get_data(as_text=True)
    assert "/supervise/points/new?" in page and "source=hotspot" in page
    lng, lat = city.POINT
    form = get(client, f"/supervise/points/new?lat={lat}&lng={lng}&radius=50&categories=LD09"
                       "&source=hotspot").get_data(as_text=True)
    assert 'value="LD09" checked' in form
    response = post(client, "/supervise/points/new", {
        "name": "解放大道小广告", "lat": lat, "lng": lng, "radius": "50", "categories": "LD09",
        "weeks": "3", "source": "hotspot"})
    assert response.status_code == 303
    point = db.session.scalar(select(ProblemPoint))
    assert (point.source, point.weeks, point.categories) == ("hotspot", 3, ["LD09"])
    listing = get(client, "/supervise/points").get_data(as_text=True)
    assert "解放大道小广告" in listing and 'data-status="rectifying"' in listing
    detail = get(client, response.location).get_data(as_text=True)
    assert 'id="point-history"' in detail and "substantiated" in detail


def test_a_point_outside_the_city_is_refused_with_a_message(app, city):
    client = client_for(app, city.district_supervisor)
    lng, lat = city.NOWHERE
    response = post(client, "/supervise/points/new",
                    {"name": "城外", "lat": lat, "lng": lng, "radius": "50"})
    assert response.status_code == 422
    assert "outside the city" in response.get_data(as_text=True)
    assert db.session.query(ProblemPoint).count() == 0


def test_a_street_supervisor_cannot_make_a_point_in_another_street(app, city):
    client = client_for(app, city.street_supervisor)
    lng, lat = city.POINT3  # street JA02
    response = post(client, "/supervise/points/new",
                    {"name": "别处", "lat": lat, "lng": lng, "radius": "50"})
    assert response.status_code == 403
    assert db.session.query(ProblemPoint).count() == 0


def test_a_point_of_another_district_is_not_shown(app, city):
    client = client_for(app, city.city_supervisor)
    lng, lat = city.FAR_POINT
    location = post(client, "/supervise/points/new",
                    {"name": "武珞路", "lat": lat, "lng": lng, "radius": "50"}).location
    other = client_for(app, city.district_supervisor)
    assert get(other, location).status_code == 403
    assert "武珞路" not in get(other, "/supervise/points").get_data(as_text=True)


def test_making_a_point_without_the_csrf_token_is_refused(app, city):
    client = client_for(app, city.district_supervisor)
    lng, lat = city.POINT
    response = post(client, "/supervise/points/new",
                    {"name": "x", "lat": lat, "lng": lng, "radius": "50"}, csrf=False)
    assert response.status_code == 400
    assert db.session.query(ProblemPoint).count() == 0


def test_an_unknown_status_filter_is_a_clear_error(app, city):
    response = get(client_for(app, city.city_supervisor), "/supervise/points?status=done")
    assert response.status_code == 422


# -- the assessment ------------------------------------------------------------------------


def test_the_assessment_shows_scores_and_a_city_supervisor_publishes_it(app, november):
    city = november
    client = client_for(app, city.city_supervisor)
    page = get(client, "/supervise/assessment?month=2026-11").get_data(as_text=True)
    assert 'data-published="no"' in page and "Publish" in page
    assert city.street.name_zh in page and city.street2.name_zh in page
    response = post(client, "/supervise/assessment/publish?month=2026-11")
    assert response.status_code == 303
    page = get(client, "/supervise/assessment?month=2026-11").get_data(as_text=True)
    assert 'data-published="yes"' in page
    bulletin = get(client, "/supervise/bulletin?month=2026-11").get_data(as_text=True)
    assert 'id="assessment-lists"' in bulletin and "Red list" in bulletin
    assert 'id="coverage"' in bulletin
    again = post(client, "/supervise/assessment/publish?month=2026-11")
    assert again.status_code == 422
    assert db.session.query(AssessmentMonth).count() == 1


def test_a_district_supervisor_may_not_publish_the_assessment(app, november):
    client = client_for(app, november.district_supervisor)
    page = get(client, "/supervise/assessment?month=2026-11").get_data(as_text=True)
    assert "Publish and freeze" not in page
    assert post(client, "/supervise/assessment/publish?month=2026-11").status_code == 403
    assert db.session.query(AssessmentMonth).count() == 0


def test_the_assessment_is_by_whole_month(app, city):
    client = client_for(app, city.city_supervisor)
    assert get(client, "/supervise/assessment?from=2026-11-01&to=2026-11-10").status_code == 422


# -- the scheme ------------------------------------------------------------------------------


def scheme_form(**changes):
    form = {"name": "考核办法", "weight-on_time_rate": "60", "full-on_time_rate": "0.98",
            "zero-on_time_rate": "0.8", "weight-satisfaction_rate": "40",
            "full-satisfaction_rate": "0.95", "zero-satisfaction_rate": "0.7",
            "points-late": "0.5", "cap-late": "10", "max_deduction": "15",
            "red-size": "3", "red-at_least": "90", "black-size": "3", "black-below": "80"}
    return form | changes


def test_an_administrator_saves_a_scheme_and_each_save_is_a_version(app, city):
    client = client_for(app, city.admin)
    assert post(client, "/admin/assessment/scheme", scheme_form()).status_code == 303
    assert post(client, "/admin/assessment/scheme", scheme_form(name="第二版")).status_code == 303
    assert [s.version for s in db.session.scalars(select(AssessmentScheme))] == [1, 2]


@pytest.mark.parametrize("bad", [{"weight-on_time_rate": "50"}, {"full-on_time_rate": "abc"},
                                 {"red-size": "1e309"}, {"cap-late": "-1"}, {"name": ""}])
def test_a_bad_scheme_is_refused_with_a_message_and_not_saved(app, city, bad):
    client = client_for(app, city.admin)
    response = post(client, "/admin/assessment/scheme", scheme_form(**bad))
    assert response.status_code == 422
    assert "was not saved" in response.get_data(as_text=True)
    assert db.session.query(AssessmentScheme).count() == 0


def test_weights_that_do_not_add_up_are_refused_in_chinese(app, city):
    client = client_for(app, city.admin, lang="zh_Hans_CN")
    response = post(client, "/admin/assessment/scheme",
                    scheme_form(**{"weight-on_time_rate": "50"}))
    assert "各项指标权重之和必须为100" in response.get_data(as_text=True)


def test_an_administrator_flags_an_agency_as_a_market_contractor(app, city):
    sanitation = db.session.scalar(select(Agency).where(Agency.code == "JA:sanitation"))
    client = client_for(app, city.admin)
    assert post(client, "/admin/assessment/contractors",
                {"contractor": str(sanitation.id)}).status_code == 303
    db.session.refresh(sanitation)
    assert sanitation.market_contractor is True


# -- coverage --------------------------------------------------------------------------------


def test_coverage_lists_the_areas_without_a_complete_team(app, city):
    # Area 1 has a chief and one community worker; the others have chiefs but no "2+N".
    client = client_for(app, city.city_supervisor)
    page = get(client, "/supervise/coverage").get_data(as_text=True)
    assert "0 of 4 responsibility areas" in page
    assert 'data-area="JA01-01"' in page
    dashboard = get(client, "/supervise/?month=2026-11").get_data(as_text=True)
    assert 'id="coverage"' in dashboard


def test_an_absurdly_nested_polygon_is_refused_not_a_server_error(app, city):
    client = client_for(app, city.district_supervisor)
    deep = "[" * 1900 + "]" * 1900
    response = post(client, "/supervise/points/new", {
        "name": "嵌套", "polygon": deep, "categories": "LD09", "weeks": "3"})
    assert response.status_code in (400, 422)
    assert db.session.scalar(select(ProblemPoint)) is None
