"""The administration pages over HTTP: administrators only, CSRF on every form, errors in
the user's language beside the field, the calendar warning on staff pages."""

import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ApiKey, Area, AuditEntry, User
from tests.admin_helpers import collection, csrf, feature, post, sign_in, upload

PAGES = ["/admin/", "/admin/places", "/admin/areas", "/admin/areas/new", "/admin/map",
         "/admin/staff", "/admin/staff/new", "/admin/agencies", "/admin/agencies/new",
         "/admin/catalogue", "/admin/catalogue/new", "/admin/calendar", "/admin/import",
         "/admin/api-keys", "/admin/audit", "/admin/sms-templates"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_for_an_administrator(city, client, path):
    sign_in(client, city.admin)
    assert client.get(path).status_code == 200


def test_record_pages_open_for_an_administrator(city, client):
    sign_in(client, city.admin)
    for path in (f"/admin/areas/{city.area.id}", f"/admin/staff/{city.chief.id}",
                 f"/admin/agencies/{city.traffic.id}", "/admin/catalogue/1"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("who", ["dispatcher", "chief", "city_supervisor", "traffic_staff"])
def test_other_roles_are_refused_with_403(city, client, who):
    sign_in(client, getattr(city, who))
    response = client.get("/admin/staff", headers={"Accept-Language": "en"})
    assert response.status_code == 403
    assert "Only administrators" in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(city, client, app, monkeypatch):
    monkeypatch.setattr(app.login_manager, "login_view", "public.index")
    response = client.get("/admin/staff")
    assert response.status_code == 302 and "next=" in response.headers["Location"]
    monkeypatch.setattr(app.login_manager, "login_view", None)
    assert client.get("/admin/staff").status_code == 401


def test_a_deactivated_administrator_is_not_let_in(city, client, app, monkeypatch):
    other = User(username="admin2", display_name="admin2", role="admin", password_hash="x",
                 active=False)
    db.session.add(other)
    db.session.commit()
    sign_in(client, other)
    assert client.get("/admin/").status_code in (302, 401)


def test_a_form_without_the_csrf_token_is_refused(city, client):
    sign_in(client, city.admin)
    response = client.post("/admin/api-keys", data={"name": "x", "rate_per_minute": "60"})
    assert response.status_code == 400
    assert db.session.scalar(select(ApiKey)) is None


def test_the_calendar_warning_shows_to_supervisors_and_administrators_only(city, client, app):
    # The test city has 2025-2026; today's date (2026 or later) is within 60 days of 2027.
    assert "data-calendar-warning" not in client.get("/").get_data(as_text=True)
    sign_in(client, city.chief)
    assert "data-calendar-warning" not in client.get("/?lang=en").get_data(as_text=True)
    sign_in(client, city.street_supervisor)
    page = client.get("/?lang=en").get_data(as_text=True)
    assert "data-calendar-warning" in page and "Please tell an administrator" in page
    page = client.get("/?lang=zh_Hans_CN").get_data(as_text=True)
    assert "尚未载入2027年的法定节假日" in page
    sign_in(client, city.admin)
    page = client.get("/admin/?lang=en").get_data(as_text=True)
    assert "data-calendar-warning" in page and "/admin/calendar" in page


def test_a_bad_account_form_shows_the_problem_beside_the_field(city, client):
    sign_in(client, city.admin)
    response = post(client, "/admin/staff/new?lang=en", {
        "username": "newbie", "display_name": "新人", "role": "dispatcher", "place": "JA99",
        "language": "zh_Hans_CN", "active": "yes"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-error="place"' in page and "No district, street or area has the code" in page
    assert db.session.scalar(select(User).where(User.username == "newbie")) is None


def test_a_new_account_shows_its_temporary_password_once(city, client):
    sign_in(client, city.admin)
    response = post(client, "/admin/staff/new", {
        "username": "newbie", "display_name": "新人", "role": "inspector", "place": "JA01",
        "language": "zh_Hans_CN", "active": "yes"})
    assert response.status_code == 200 and "data-temporary-password" in response.get_data(
        as_text=True)
    newbie = db.session.scalar(select(User).where(User.username == "newbie"))
    assert "data-temporary-password" not in client.get(f"/admin/staff/{newbie.id}").get_data(
        as_text=True)


def test_an_area_is_created_by_uploading_a_geojson_file(city, client):
    sign_in(client, city.admin)
    geojson = json.dumps(feature("X", "JA01", 114.308, 30.600))
    response = post(client, "/admin/areas/new", {
        "code": "JA01-03", "street": "JA01", "name_zh": "胜利街沿线", "name_en": "",
        "roads": "胜利街 | 胜利路", "polygon": "",
        "polygon_file": upload("area.geojson", geojson)},
        content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    area = db.session.scalar(select(Area).where(Area.code == "JA01-03"))
    assert area is not None and area.roads[0].aliases == ["胜利路"]


def test_an_overlapping_area_is_saved_with_a_warning(city, client):
    sign_in(client, city.admin)
    response = post(client, "/admin/areas/new?lang=en", {
        "code": "JA01-03", "street": "JA01", "name_zh": "重叠", "roads": "",
        "polygon": json.dumps(feature("X", "JA01", 114.306, 30.600)["geometry"])},
        follow_redirects=True)
    assert "overlaps area JA01-02" in response.get_data(as_text=True)


def test_a_self_intersecting_polygon_is_refused_in_english_and_chinese(city, client):
    sign_in(client, city.admin)
    bowtie = {"type": "Polygon", "coordinates": [[[114.30, 30.60], [114.31, 30.61],
                                                  [114.31, 30.60], [114.30, 30.61],
                                                  [114.30, 30.60]]]}
    data = {"code": "JA01-03", "street": "JA01", "name_zh": "x", "roads": "",
            "polygon": json.dumps(bowtie)}
    response = post(client, "/admin/areas/new?lang=en", data)
    assert response.status_code == 422
    assert "edges cross each other" in response.get_data(as_text=True)
    assert db.session.scalar(select(Area).where(Area.code == "JA01-03")) is None


def test_the_import_dry_run_then_apply_over_http(city, client):
    sign_in(client, city.admin)
    content = collection(feature("JA01-03", "JA01", 114.308, 30.600))
    response = post(client, "/admin/import/areas", {"file": upload("a.geojson", content)},
                    content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-report="ok"' in page
    assert db.session.scalar(select(Area).where(Area.code == "JA01-03")) is None
    token = page.split('name="token" value="')[1].split('"')[0]
    response = post(client, "/admin/import/areas/apply", {"token": token,
                                                          "filename": "a.geojson"})
    assert 'data-report="applied"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Area).where(Area.code == "JA01-03")) is not None
    again = post(client, "/admin/import/areas/apply", {"token": token, "filename": "a.geojson"},
                 follow_redirects=True)
    assert "expired" in again.get_data(as_text=True) or "过期" in again.get_data(as_text=True)


def test_a_refused_import_offers_no_apply_button(city, client):
    sign_in(client, city.admin)
    response = post(client, "/admin/import/staff", {
        "file": upload("s.csv", "username,display_name,role,place\nx1,X,dispatcher,NOWHERE\n")},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-report="refused"' in page
    assert "/apply" not in page


def test_exports_download_as_files(city, client):
    sign_in(client, city.admin)
    response = client.get("/admin/export/staff.xlsx")
    assert response.data[:2] == b"PK" and "attachment" in response.headers["Content-Disposition"]
    csv_text = client.get("/admin/export/catalogue.csv").data.decode("utf-8-sig")
    assert csv_text.startswith("code,grp,name_zh") and "LD09" in csv_text
    areas = json.loads(client.get("/admin/export/areas.geojson").data)
    assert len(areas["features"]) == 4
    assert client.get("/admin/export/secrets.csv").status_code == 404


def test_the_audit_page_lists_who_changed_what(city, client):
    sign_in(client, city.admin)
    post(client, "/admin/api-keys", {"name": "12345热线", "rate_per_minute": "30"})
    post(client, "/admin/places", {"kind": "district", "code": "HK", "name_zh": "汉口",
                                   "name_en": "Hankou"})
    page = client.get("/admin/audit?lang=en").get_data(as_text=True)
    assert 'data-entity="district" data-key="HK"' in page and "api_key" in page
    assert "Hankou" in page and "admin" in page
    filtered = client.get("/admin/audit?entity=district").get_data(as_text=True)
    assert "api_key" not in filtered.split("<tbody>")[1]
    assert db.session.scalar(select(AuditEntry.username).limit(1)) == "admin"


def test_an_api_key_is_shown_once_then_only_its_prefix(city, client):
    sign_in(client, city.admin)
    page = post(client, "/admin/api-keys", {"name": "hotline", "rate_per_minute": "30"}
                ).get_data(as_text=True)
    token = page.split('class="token">')[1].split("<")[0]
    assert token.startswith("rc_")
    assert token not in client.get("/admin/api-keys").get_data(as_text=True)
    key = db.session.scalar(select(ApiKey))
    post(client, f"/admin/api-keys/{key.id}/revoke")
    db.session.refresh(key)
    assert key.revoked_at is not None


def test_csrf_helper_finds_a_token(city, client):
    sign_in(client, city.admin)
    assert len(csrf(client)) > 20


def test_handing_an_area_over_through_the_form_moves_its_open_case(city, client):
    from app.models import Case, CaseEvent
    from app.services import cases
    from app.services.actors import Actor
    from tests.factories import user

    case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                        lat=city.POINT[1], lng=city.POINT[0])
    cases.dispatch(case, city.actor(city.dispatcher))
    new_chief = user("newchief", "road_chief")
    db.session.commit()
    sign_in(client, city.admin)
    page = post(client, f"/admin/areas/{city.area.id}/chief?lang=en",
                {"road_chief": str(new_chief.id), "reason": "轮岗"},
                follow_redirects=True).get_data(as_text=True)
    assert "1 open cases handed over" in page
    db.session.expire_all()
    assert db.session.get(Case, case.id).assignee_user_id == new_chief.id
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id)
                              .order_by(CaseEvent.id.desc()).limit(1))
    assert (event.action, event.reason) == ("hand_over", "轮岗")


def test_a_password_reset_shows_the_new_password_once(city, client):
    sign_in(client, city.admin)
    page = post(client, f"/admin/staff/{city.chief.id}/password").get_data(as_text=True)
    assert "data-temporary-password" in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_key == "chief"))
    assert entry.after == {"password": "reset"}


def test_calendar_forms_add_a_day_and_refuse_overlapping_hours(city, client):
    from datetime import date

    from app.models import CalendarDay

    sign_in(client, city.admin)
    post(client, "/admin/calendar/days", {"date": "2026-12-31", "kind": "holiday",
                                          "name": "城市节", "year": "2026"})
    assert db.session.get(CalendarDay, date(2026, 12, 31)).name == "城市节"
    page = client.post("/admin/calendar/hours?lang=en", data={
        "csrf_token": csrf(client), "start": ["09:00", "11:00"], "end": ["12:00", "18:00"]},
        follow_redirects=True).get_data(as_text=True)
    assert "must not overlap" in page


def test_team_members_are_added_and_removed_through_the_area_page(city, client):
    from app.models import TeamMembership

    sign_in(client, city.admin)
    post(client, f"/admin/areas/{city.area2.id}/team", {"user": str(city.member.id),
                                                         "kind": "volunteer"})
    member = db.session.scalar(select(TeamMembership).where(
        TeamMembership.area_id == city.area2.id, TeamMembership.user_id == city.member.id))
    assert member.kind == "volunteer"
    post(client, f"/admin/areas/{city.area2.id}/team/{member.id}/delete")
    db.session.expire_all()
    assert db.session.get(TeamMembership, member.id) is None


def test_the_staff_list_pages_through_hundreds_of_accounts_and_searches(city, client):
    from tests.factories import user

    for i in range(120):
        user(f"lz-bulk-{i:03d}", "road_chief", area_id=city.area2.id)
    db.session.commit()
    sign_in(client, city.admin)
    first = client.get("/admin/staff?lang=zh_Hans_CN").get_data(as_text=True)
    assert first.count("data-user=") == 50
    assert "共1" in first and 'rel="next"' in first
    assert "黄浦路沿线" in first  # the place by name, not a code
    last = client.get("/admin/staff?page=3&lang=en").get_data(as_text=True)
    assert 'rel="next"' not in last and 'rel="prev"' in last
    found = client.get("/admin/staff?q=bulk-007&lang=en").get_data(as_text=True)
    assert found.count("data-user=") == 1
