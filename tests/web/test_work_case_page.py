"""The case page: its history (who, what, when, why), its photos behind the seeing rule,
its map, and residents' privacy (a masked number; an anonymous case shows no reporter)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Attachment
from app.services import cases, clock
from app.work.case_page import mask_phone
from tests.work_helpers import act, buttons, client_for, dispatched, in_progress, report


def test_the_history_tells_who_did_what_when_and_why(city, app, t0):
    case = in_progress(city, t0)
    with clock.travel(t0 + timedelta(hours=1)):
        cases.return_case(case, city.actor(city.chief), reason="属于铁路部门")
    page = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}").get_data(as_text=True)
    history = page[page.index('id="history"'):]
    steps = [("Report", "Resident", "11/25/26, 9:00"),  # shown in Wuhan time
             ("Dispatch", "dispatcher (Dispatcher)", "11/25/26, 9:05"),
             ("Sign for", "chief (Road chief)", "11/25/26, 9:10"),
             ("Return", "chief (Road chief)", "11/25/26, 10:00")]
    position = 0
    for what, who, when in steps:
        position = history.index(f'<span class="what">{what}</span>', position)
        entry = history[position:history.index("</li>", position)]
        assert who in entry and when in entry, what
    assert "Waiting for triage → Dispatched" in history
    assert "In progress → Returned" in history
    assert "Reason: 属于铁路部门" in history
    assert "Assigned to chief." in history and "Deadline: 11/26/26, 5:30" in history


def test_the_history_is_in_chinese_for_a_chinese_browser(city, app, t0):
    case = dispatched(city, t0)
    page = client_for(app, city.chief, lang="zh_Hans_CN").get(f"/work/cases/{case.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'lang="zh-CN"' in text
    assert "待受理" in text and "已派遣" in text  # state names from the Chinese catalogue


def test_a_residents_number_is_masked_on_staff_pages(city, app, t0):
    case = report(city, t0, phone="13912345678")
    page = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert '<dd id="reporter">139****5678</dd>' in page
    assert "13912345678" not in page and "12345678" not in page


def test_an_anonymous_case_shows_no_reporter_at_all(city, app, t0):
    case = report(city, t0, phone="13912345678", anonymous=True)
    for user in (city.dispatcher, city.district_supervisor):
        page = client_for(app, user).get(f"/work/cases/{case.id}").get_data(as_text=True)
        assert 'id="reporter"' not in page and "5678" not in page and "Reporter" not in page


def test_supporters_are_counted_never_named(city, app, t0):
    case = report(city, t0)
    with clock.travel(t0):
        cases.support(case, cases.Actor.resident(), phone="13700007777")
    page = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "1 more residents" in page and "7777" not in page
    assert "Another resident reported the same problem." in page


@pytest.mark.parametrize("phone, masked", [
    ("+8613912345678", "139****5678"), ("13912345678", "139****5678"),
    ("+441632960961", "441*****0961"), ("12345", "*****"), (None, ""),
])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_photos_are_served_to_who_may_see_the_case_only(city, app, t0):
    case = in_progress(city, t0)
    photo = db.session.scalar(select(Attachment).where(Attachment.case_id == case.id))
    chief = client_for(app, city.chief)
    response = chief.get(f"/work/photos/{photo.id}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.data[:2] == b"\xff\xd8"
    assert "private" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client_for(app, city.chief3).get(f"/work/photos/{photo.id}").status_code == 404
    assert client_for(app).get(f"/work/photos/{photo.id}").status_code == 302  # sign in first
    assert chief.get("/work/photos/999999").status_code == 404


def test_the_map_falls_back_to_coordinates_area_and_a_link(city, app, t0, monkeypatch):
    from app.work import routes

    monkeypatch.setattr(routes, "_leaflet_available", lambda: False)
    case = report(city, t0)
    page = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}").get_data(as_text=True)
    figure = page[page.index('<figure class="map"'):page.index("</figure>")]
    assert 'data-lat="30.602" data-lng="114.302"' in figure
    assert "解放大道沿线" in figure and "30.60200, 114.30200" in figure
    assert "https://www.openstreetmap.org/?mlat=30.602000&amp;mlon=114.302000" in figure
    assert "vendor/leaflet/leaflet.js" not in page


def test_the_map_uses_leaflet_once_it_is_vendored(city, app, t0, monkeypatch):
    from app.work import routes

    monkeypatch.setattr(routes, "_leaflet_available", lambda: True)
    case = report(city, t0)
    page = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "/static/vendor/leaflet/leaflet.js" in page
    assert "/static/vendor/leaflet/leaflet.css" in page and "/static/js/work-map.js" in page


def test_a_report_without_a_location_says_so(city, app, t0):
    with clock.travel(t0):
        case = cases.submit(cases.Actor.resident(), category_code="LD09", description="小广告",
                            area_id=city.area.id, phone="13900001111")
    page = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "No location was given." in page


def test_a_closed_case_has_nothing_to_do_but_a_note(city, app, t0):
    case = in_progress(city, t0)
    chief = client_for(app, city.chief)
    act(chief, case, "rectify", note="已清理", photos=1)
    act(client_for(app, city.inspector), case, "verify_pass")
    page = chief.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert 'data-state="closed"' in page
    assert buttons(page) == {"add_note"}


def test_words_typed_by_people_are_shown_as_text_never_as_markup(city, app, t0):
    case = in_progress(city, t0)
    evil = '<script>alert("x")</script>'
    with clock.travel(t0 + timedelta(hours=1)):
        cases.request_extension(case, city.actor(city.chief), reason=evil,
                                new_due_at=case.due_at + timedelta(days=1))
    for user, url in [(city.chief, f"/work/cases/{case.id}"),
                      (city.street_supervisor, "/work/supervise"),
                      (city.street_supervisor, f"/work/cases/{case.id}")]:
        page = client_for(app, user).get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "&lt;script&gt;" in page, url


def test_too_much_at_once_is_refused_kindly(city, app, t0):
    case = in_progress(city, t0)
    client = client_for(app, city.chief)
    app.config["MAX_CONTENT_LENGTH"], before = 10_000, app.config["MAX_CONTENT_LENGTH"]
    try:
        response = client.post(f"/work/cases/{case.id}/rectify", data={
            "csrf_token": client.csrf, "version": "3", "note": "x" * 20_000},
            headers={"Referer": f"http://localhost/work/cases/{case.id}"})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = before
    assert response.status_code == 303
    assert "That was too much to send at once" in client.get(response.location).get_data(
        as_text=True)
