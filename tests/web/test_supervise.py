"""The supervision pages over HTTP: who may see what, bad input answered clearly (never a
500), the figures shown with their counts and red marks, and the exports."""

import csv
import io

import pytest
from openpyxl import load_workbook

from app.services import clock, staff_sessions
from tests.metrics_helpers import at, closed, dispatched, rate, report

NOW = "2026-12-02 09:00"


@pytest.fixture()
def history(city):
    """November: two on time and one late in street 1, one late in street 2, ratings."""
    good = closed(city, "2026-11-25 09:00", rectified="2026-11-26 10:00",
                  verified="2026-11-26 11:00")
    rate(good, "2026-11-26 12:00", 1)
    closed(city, "2026-11-24 09:00", rectified="2026-11-24 15:00", verified="2026-11-24 16:00",
           phone="13900001234", point=city.POINT2)
    late = closed(city, "2026-11-23 09:00", rectified="2026-11-26 10:00",
                  verified="2026-11-26 11:00", phone="13900005678")
    rate(late, "2026-11-26 12:00", 3)
    closed(city, "2026-11-23 09:00", rectified="2026-11-27 10:00", verified="2026-11-27 11:00",
           point=city.POINT3, phone=None)
    dispatched(city, "2026-11-20 09:00", phone=None)  # open and overdue
    for i in range(3):
        report(city, f"2026-11-1{i} 09:00", phone=None)
    return city


def login(client, user):
    with client.session_transaction() as s:
        s["_user_id"] = staff_sessions.start(user)
        s["_fresh"] = True
    return client


def get(client, path, lang="en", **kw):
    with clock.travel(at(NOW)):
        return client.get(path, headers={"Accept-Language": lang}, **kw)


# -- who may see what ---------------------------------------------------------------------


def test_the_dashboard_needs_a_signed_in_user(client, city):
    response = get(client, "/supervise/")
    assert response.status_code == 302 and "/auth/login" in response.location


@pytest.mark.parametrize("who", ["chief", "dispatcher", "inspector", "traffic_staff"])
def test_other_roles_are_refused_with_a_clear_message(client, city, who):
    response = get(login(client, getattr(city, who)), "/supervise/")
    assert response.status_code == 403
    assert "Only supervisors may see the figures." in response.text


def test_a_street_supervisor_sees_their_street(client, history):
    city = history
    response = get(login(client, city.street_supervisor), "/supervise/?month=2026-11")
    assert response.status_code == 200
    assert "Dazhi" in response.text or "大智街道" in response.text
    page = response.text
    assert 'data-figure="on_time_rate"' in page
    assert "2 on time of 4 due" in page  # street 1 only: street 2's late case is not here


@pytest.mark.parametrize("query", ["street={street2}", "district={district}",
                                   "area={area3}", "district={other}"])
def test_a_street_supervisor_may_not_look_beside_or_above(client, city, query):
    q = query.format(street2=city.street2.id, district=city.district.id, area3=city.area3.id,
                     other=city.other_district.id)
    response = get(login(client, city.street_supervisor), f"/supervise/?{q}")
    assert response.status_code == 403
    assert "outside the place you supervise" in response.text


def test_a_street_supervisor_may_drill_into_an_area_of_their_street(client, history):
    response = get(login(client, history.street_supervisor),
                   f"/supervise/?area={history.area.id}&month=2026-11")
    assert response.status_code == 200 and "1 on time of 3 due" in response.text


def test_a_district_supervisor_sees_their_district_and_not_another(client, history):
    city = history
    client = login(client, city.district_supervisor)
    page = get(client, "/supervise/?month=2026-11").text
    assert "2 on time of 5 due" in page
    assert get(client, f"/supervise/?district={city.other_district.id}").status_code == 403
    assert get(client, f"/supervise/?street={city.street2.id}&month=2026-11").status_code == 200


def test_the_city_supervisor_ranks_the_districts(client, history):
    page = get(login(client, history.city_supervisor), "/supervise/?month=2026-11").text
    assert "Jiang&#39;an District" in page or "Jiang'an District" in page
    assert "2 on time of 5 due" in page


def test_a_person_outside_the_scope_is_refused(client, city):
    response = get(login(client, city.street_supervisor),
                   f"/supervise/?chief={city.chief3.id}")
    assert response.status_code == 403


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "status", "message"), [
    ("from=2026-11-30&to=2026-11-01", 422, "The period ends before it begins."),
    ("from=&to=", 422, "Give both the first and the last day of the period."),
    ("from=2026-11-01", 422, "Give both the first and the last day of the period."),
    ("from=2020-01-01&to=2025-01-01", 422, "A period can be at most 5 years long."),
    ("from=2026-02-30&to=2026-03-01", 422, "That is not a date"),
    ("month=2026-13", 422, "That is not a month"),
    ("month=soon", 422, "That is not a month"),
    ("month=0001-01", 422, "Choose days between 2000 and 2099."),
    ("from=2026-01-01&to=9999-12-31", 422, "Choose days between 2000 and 2099."),
    ("chief=99999999999999999999", 404, "Unknown chief in the address."),
    ("by=planet", 422, "Unknown dimension"),
    ("sort=luck", 422, "Rankings are by on-time rate or satisfaction rate."),
    ("district=999", 404, "No such district."),
    ("street=abc", 404, "Unknown street in the address."),
    ("area=-3", 404, "Unknown area in the address."),
    ("chief=999", 404, "No such road chief."),
    ("agency=999", 404, "No such agency."),
    ("category=999", 404, "No such category."),
])
def test_bad_input_gets_a_clear_message_never_a_500(client, city, query, status, message):
    response = get(login(client, city.city_supervisor), f"/supervise/?{query}")
    assert response.status_code == status
    assert message in response.text


def test_a_range_of_exactly_five_years_less_a_day_is_accepted(client, city):
    response = get(login(client, city.city_supervisor),
                   "/supervise/?from=2021-12-02&to=2026-12-01")
    assert response.status_code == 200


def test_a_person_who_is_not_a_road_chief_is_not_found(client, city):
    response = get(login(client, city.city_supervisor), f"/supervise/?chief={city.admin.id}")
    assert response.status_code == 404


def test_errors_are_shown_in_the_users_language(client, city):
    response = get(login(client, city.city_supervisor),
                   "/supervise/?from=2026-11-30&to=2026-11-01", lang="zh-CN")
    assert response.status_code == 422
    assert 'lang="zh-CN"' in response.text  # (the lead adds the Chinese text to the catalogue)


def test_bad_hotspot_settings_are_refused_clearly(client, city):
    client = login(client, city.city_supervisor)
    response = get(client, "/supervise/hotspots?radius=5")
    assert response.status_code == 422 and "The radius is a whole number of metres" in \
        response.text
    assert get(client, "/supervise/hotspots?min=x").status_code == 422
    assert get(client, "/supervise/cases?which=everything").status_code == 422
    assert get(client, "/supervise/overdue?page=0").status_code == 422
    assert get(client, "/supervise/cases?page=99999999999999999999").status_code == 422
    assert get(client, "/supervise/export/secrets.csv").status_code == 404
    assert get(client, "/supervise/export/summary.pdf").status_code == 404


# -- what the pages show -------------------------------------------------------------------------


def test_a_rate_below_target_is_marked_red_with_its_counts(client, history):
    page = get(login(client, history.city_supervisor), "/supervise/?month=2026-11").text
    assert 'class="big below" href' in page  # 40 % on time against 95 %
    assert "40.0%" in page and "1 satisfied of 2 ratings" in page
    assert 'class="rate below"' in page


def test_the_breakdown_drills_from_district_to_street_to_area_to_person(client, history):
    city = history
    client = login(client, city.city_supervisor)
    page = get(client, "/supervise/?month=2026-11").text
    assert f"district={city.district.id}" in page
    page = get(client, f"/supervise/?district={city.district.id}&month=2026-11").text
    assert f"street={city.street.id}" in page and f"street={city.street2.id}" in page
    page = get(client, f"/supervise/?street={city.street.id}&month=2026-11").text
    assert f"area={city.area.id}" in page and f"area={city.area2.id}" in page
    page = get(client, f"/supervise/?area={city.area.id}&month=2026-11").text
    assert f"chief={city.chief.id}" in page
    page = get(client, f"/supervise/?chief={city.chief.id}&month=2026-11").text
    assert "1 on time of 3 due" in page


@pytest.mark.parametrize("by", ["agency", "category", "chief"])
def test_every_dimension_is_a_click_away(client, history, by):
    response = get(login(client, history.city_supervisor), f"/supervise/?by={by}&month=2026-11")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/supervise/rankings", "/supervise/overdue",
                                  "/supervise/hotspots?radius=200&min=2", "/supervise/cases",
                                  "/supervise/cases?which=late", "/supervise/bulletin",
                                  "/supervise/how"])
def test_every_page_renders_for_a_supervisor_in_both_languages(client, history, path):
    client = login(client, history.district_supervisor)
    for lang in ("en", "zh-CN"):
        response = get(client, path, lang=lang)
        assert response.status_code == 200, response.text


def test_the_overdue_list_shows_the_open_late_case(client, history):
    page = get(login(client, history.city_supervisor), "/supervise/overdue").text
    assert "1 open case is past its deadline." in page


def test_the_hotspot_page_lists_the_recurring_problem(client, history):
    page = get(login(client, history.city_supervisor),
               "/supervise/hotspots?month=2026-11&radius=50&min=5").text
    assert "<svg" in page and "LD09" in page


def test_the_how_page_explains_every_formula(client, city):
    page = get(login(client, city.street_supervisor), "/supervise/how").text
    for term in ("Due cases", "On time", "Satisfaction rate", "Rework rate", "Extension rate",
                 "Rating coverage", "Response and handling times", "Reopened cases"):
        assert term in page


def test_the_bulletin_has_a_print_stylesheet_and_the_parts_of_a_review(client, history):
    page = get(login(client, history.city_supervisor), "/supervise/bulletin?month=2026-11").text
    for part in ("Headline figures", "The last 12 months", "Ranking by on-time rate",
                 "Agencies", "Categories", "Hotspots", "supervise.css"):
        assert part in page
    css = get(client, "/static/css/supervise.css").text
    assert "@media print" in css and "@page" in css


# -- exports -------------------------------------------------------------------------------------


def _csv(response):
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_cases_export_lets_anyone_recompute_the_on_time_rate(client, history):
    rows = _csv(get(login(client, history.city_supervisor),
                    "/supervise/export/cases.csv?month=2026-11"))
    header, body = rows[0], rows[1:]
    due = [r for r in body if r[header.index("Due day")]]
    on_time = [r for r in due if r[header.index("Accepted rectification")]
               and r[header.index("Accepted rectification")] <= r[header.index("Final deadline")]]
    assert (len(due), len(on_time)) == (5, 2)
    events = [r[header.index("Events (local time)")] for r in body]
    assert all("dispatch 2026-11-" in e for e in events)
    assert sum("report the rectification" in e and "pass the verification" in e
               for e in events) == 4


def test_the_summary_export_matches_the_page(client, history):
    rows = _csv(get(login(client, history.city_supervisor),
                    "/supervise/export/summary.csv?month=2026-11"))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["Due"], row["On time"], row["On-time rate"]) == ("5", "2", "0.4")
    assert row["Satisfaction rate"] == "0.5"


@pytest.mark.parametrize("table", ["summary", "trend", "breakdown", "ranking", "overdue",
                                   "hotspots", "cases"])
def test_every_table_exports_as_csv_and_xlsx(client, history, table):
    client = login(client, history.district_supervisor)
    rows = _csv(get(client, f"/supervise/export/{table}.csv?month=2026-11&radius=50&min=2"))
    assert rows[0]
    response = get(client, f"/supervise/export/{table}.xlsx?month=2026-11&radius=50&min=2")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = book.worksheets[0]
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == rows[0]
    assert sum(1 for _ in sheet.iter_rows()) == len(rows)


def test_an_export_is_scoped_like_the_page(client, history):
    client = login(client, history.street2_supervisor)
    rows = _csv(get(client, "/supervise/export/cases.csv?month=2026-11"))
    assert len(rows) == 2  # the header and street 2's one case
    assert get(client, f"/supervise/export/cases.csv?street={history.street.id}"
               ).status_code == 403
