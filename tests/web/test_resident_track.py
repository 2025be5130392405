"""Tracking a case (/track), its photos, and the public list of cases (/cases): plain
words, the time limit, and no personal data of residents or staff."""

from datetime import timedelta
from html import unescape

from app.extensions import db
from app.models import Attachment
from app.services import cases, clock
from app.services.actors import Actor
from tests.factories import photo
from tests.resident_helpers import (  # noqa: F401 - fresh_limits is an autouse fixture
    close_by_staff,
    fresh_limits,
    post_report,
    report_data,
)


def _reported(city, t0, phone="13900001111", **kw):
    lng, lat = kw.pop("point", city.POINT)
    with clock.travel(t0):
        return cases.submit(Actor.resident(), category_code=kw.pop("category", "LD03"),
                            description="白色小车停在人行道上，车牌鄂A12345", lat=lat, lng=lng,
                            phone=phone, photos=[photo()], **kw)


def test_the_code_box_leads_to_the_case(city, client, t0):
    case = _reported(city, t0)
    response = client.get(f"/track?code={case.code[:4].lower()}-{case.code[4:].lower()}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/track/{case.code}")


def test_a_malformed_code_gets_a_clear_message_and_is_kept(city, client):
    response = client.get("/track?code=abc&lang=en")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "A tracking code has 8 letters and digits, like K7QM-4D2X." in page
    assert 'value="abc"' in page


def test_an_unknown_code_gets_a_clear_message(city, client):
    response = client.get("/track?code=ZZZZ-ZZZZ&lang=en")
    assert response.status_code == 404
    assert "No case has the tracking code ZZZZ-ZZZZ." in response.get_data(as_text=True)
    assert client.get("/track/ZZZZZZZZ").status_code == 404


def test_script_in_a_typed_code_is_shown_escaped(city, client):
    page = client.get('/track?code=<script>x</script>').get_data(as_text=True)
    assert "<script>x" not in page and "&lt;script&gt;x" in page


def test_a_new_case_shows_received_and_the_time_limit_to_come(city, client, t0):
    case = _reported(city, t0)
    page = client.get(f"/track/{case.code}?lang=en").get_data(as_text=True)
    assert "Report received." in page and "Waiting for triage" in page
    assert "Time limit: 2 working hours once dispatched." in page
    assert "解放大道沿线, Dazhi, Jiang&#39;an District" in page


def test_the_timeline_names_units_and_roles_never_people(city, client, t0):
    case = _reported(city, t0, category="LD04")  # goods on the pavement: the road chief
    with clock.travel(t0 + timedelta(minutes=10)):
        close_by_staff(city, case)
    page = client.get(f"/track/{case.code}?lang=en").get_data(as_text=True)
    for step in ("Report received.", "Dispatched to Road chief of 解放大道沿线.",
                 "Signed for by Road chief of 解放大道沿线.",
                 "Reported fixed by Road chief of 解放大道沿线.",
                 "Checked on site and confirmed fixed. Case closed."):
        assert step in page
    assert "Fixed within the time limit" in page
    for personal in ("chief", "inspector", "dispatcher", "13800000001", "13900001111",
                     "0001111", "鄂A12345"):
        assert personal not in page.replace("Road chief", "").replace("road chief", "")


def test_an_agency_case_names_the_agency(city, client, t0):
    case = _reported(city, t0)  # illegal parking: the traffic police
    with clock.travel(t0 + timedelta(minutes=5)):
        cases.dispatch(case, city.actor(city.dispatcher))
        page = client.get(f"/track/{case.code}?lang=en").get_data(as_text=True)
    assert f"Dispatched to {city.traffic.name_en}." in unescape(page)
    assert "To be fixed by" in page


def test_a_missed_time_limit_is_said_plainly(city, client, t0):
    case = _reported(city, t0, category="LD04")
    with clock.travel(t0):
        case = cases.dispatch(case, city.actor(city.dispatcher))
        case = cases.sign_for(case, city.actor(city.chief))
    with clock.travel(t0 + timedelta(days=3)):
        overdue = client.get(f"/track/{case.code}?lang=en").get_data(as_text=True)
        cases.rectify(case, city.actor(city.chief), note="清理完毕", photos=[photo()])
        late = client.get(f"/track/{case.code}?lang=en").get_data(as_text=True)
    assert "Overdue: it was due" in overdue
    assert "Fixed after the time limit" in late


def test_before_and_after_photos_are_shown_and_served_with_thumbnails(city, client, t0):
    case = _reported(city, t0, category="LD04")
    with clock.travel(t0 + timedelta(minutes=10)):
        close_by_staff(city, case)
    page = client.get(f"/track/{case.code}?lang=en").get_data(as_text=True)
    shots = {a.kind: a for a in db.session.query(Attachment).filter_by(case_id=case.id)}
    assert "Before" in page and "After" in page
    for attachment in shots.values():
        assert f"/photos/{attachment.storage_key}/thumb" in page
        full = client.get(f"/photos/{attachment.storage_key}")
        assert full.status_code == 200 and full.mimetype == attachment.content_type
        assert full.headers["X-Content-Type-Options"] == "nosniff"
        thumb = client.get(f"/photos/{attachment.storage_key}/thumb")
        assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"


def test_staff_only_photos_and_unknown_keys_are_not_served(city, client, t0):
    case = _reported(city, t0)
    with clock.travel(t0):
        cases.add_note(case, city.actor(city.dispatcher), note="内部备注", photos=[photo()])
    note_photo = db.session.query(Attachment).filter_by(case_id=case.id, kind="note").one()
    assert client.get(f"/photos/{note_photo.storage_key}").status_code == 404
    assert client.get("/photos/../secret_key").status_code == 404
    assert client.get("/photos/0123456789abcdef.jpg").status_code == 404


def test_a_rejected_case_shows_the_reason_and_a_merged_case_points_to_the_other(city, client,
                                                                               t0):
    kept = _reported(city, t0)
    duplicate = _reported(city, t0, phone="13900002222")
    junk = _reported(city, t0, phone="13900003333", category="HF99")
    with clock.travel(t0):
        cases.merge(duplicate, city.actor(city.dispatcher), into=kept)
        cases.reject(junk, city.actor(city.dispatcher), reason="不属于城市管理范围")
    merged = client.get(f"/track/{duplicate.code}?lang=en").get_data(as_text=True)
    assert f'href="/track/{kept.code}"' in merged
    rejected = client.get(f"/track/{junk.code}?lang=en").get_data(as_text=True)
    assert "Not accepted: 不属于城市管理范围" in rejected


def test_the_description_is_shown_only_to_the_browser_that_reported(city, client, app):
    response = post_report(client, report_data(city, description="只有我能看到的描述"))
    code = response.headers["Location"].rsplit("/", 1)[1]
    assert "只有我能看到的描述" in client.get(f"/track/{code}").get_data(as_text=True)
    assert "只有我能看到的描述" not in app.test_client().get(f"/track/{code}").get_data(
        as_text=True)


def test_supporters_are_counted_on_the_tracking_page(city, client, t0):
    case = _reported(city, t0)
    with clock.travel(t0):
        cases.support(case, Actor.resident(), phone="13900008888")
        cases.support(case, Actor.resident())
    page = client.get(f"/track/{case.code}?lang=en").get_data(as_text=True)
    assert "2 more residents reported the same problem." in page
    assert "8888" not in page


# -- the public list ---------------------------------------------------------------------------


def test_recent_cases_are_listed_without_personal_data(city, client, t0):
    case = _reported(city, t0)
    page = client.get("/cases?lang=en").get_data(as_text=True)
    assert f"{case.code[:4]}-{case.code[4:]}" in page and "Illegal motor-vehicle parking" in page
    assert "1111" not in page and "鄂A12345" not in page and "白色小车" not in page
    assert 'data-points="' in page and "114.302" in page  # the map's points


def test_the_list_filters_by_category_state_and_district(city, client, t0):
    parking = _reported(city, t0)
    litter = _reported(city, t0, category="LD07", phone="13900002222")
    far = _reported(city, t0, category="LD07", phone="13900003333", point=city.FAR_POINT)
    with clock.travel(t0):
        cases.dispatch(litter, city.actor(city.dispatcher))

    def codes(query):
        page = client.get("/cases?" + query).get_data(as_text=True)
        return {c.code for c in (parking, litter, far) if f'data-code="{c.code}"' in page}

    assert codes("") == {parking.code, litter.code, far.code}
    assert codes("category=LD07") == {litter.code, far.code}
    assert codes("state=dispatched") == {litter.code}
    assert codes("district=WC") == {far.code}
    assert codes("category=LD07&district=JA") == {litter.code}


def test_rejected_and_merged_reports_are_not_public_cases(city, client, t0):
    kept = _reported(city, t0)
    junk = _reported(city, t0, phone="13900003333", category="HF99")
    with clock.travel(t0):
        cases.reject(junk, city.actor(city.dispatcher), reason="重复")
    page = client.get("/cases").get_data(as_text=True)
    assert f'data-code="{kept.code}"' in page and f'data-code="{junk.code}"' not in page


def test_the_list_pages_through_older_cases(city, client, t0):
    made = [_reported(city, t0, phone=None) for _ in range(52)]
    first = client.get("/cases").get_data(as_text=True)
    assert f'data-code="{made[-1].code}"' in first and f'data-code="{made[0].code}"' not in first
    older = first.split('href="/cases?before=')[1].split('"')[0]
    second = client.get(f"/cases?before={older}").get_data(as_text=True)
    assert f'data-code="{made[0].code}"' in second


def test_a_kept_tracking_page_changes_as_soon_as_the_case_does(city, app, t0):
    case = _reported(city, t0)
    visitor = app.test_client(use_cookies=False)
    en = {"Accept-Language": "en"}
    first = visitor.get(f"/track/{case.code}", headers=en).get_data(as_text=True)
    assert visitor.get(f"/track/{case.code}", headers=en).get_data(as_text=True) == first
    with clock.travel(t0 + timedelta(minutes=10)):
        cases.dispatch(case, city.actor(city.dispatcher))
    after = visitor.get(f"/track/{case.code}", headers=en).get_data(as_text=True)
    assert "Dispatched to" in after and "Dispatched to" not in first
    chinese = visitor.get(f"/track/{case.code}", headers={"Accept-Language": "zh-CN"})
    assert "已派遣至" in chinese.get_data(as_text=True)


def test_a_staff_members_view_of_a_tracking_page_is_not_kept_for_residents(city, app, t0):
    from tests.admin_helpers import sign_in

    case = _reported(city, t0)
    staff = app.test_client()
    sign_in(staff, city.district_supervisor)  # staff pages carry the calendar notice
    assert "data-calendar-warning" in staff.get(f"/track/{case.code}").get_data(as_text=True)
    resident = app.test_client(use_cookies=False)
    assert "data-calendar-warning" not in resident.get(f"/track/{case.code}").get_data(
        as_text=True)


def test_staff_signed_in_only_by_their_remember_me_cookie_get_their_own_view(city, app, t0):
    """The browser was closed (no session cookie): the remember-me cookie still signs the
    dispatcher in, and the tracking page is theirs, not the residents' kept one."""
    from tests.work_helpers import client_for, sign_in

    case = _reported(city, t0)
    resident = app.test_client(use_cookies=False)
    assert "data-calendar-warning" not in resident.get(f"/track/{case.code}").get_data(
        as_text=True)  # the residents' page is kept now
    staff = client_for(app)
    sign_in(staff, city.district_supervisor, remember=True)
    assert staff.get_cookie("remember_token") is not None
    staff.delete_cookie("session")
    assert "data-calendar-warning" in staff.get(f"/track/{case.code}").get_data(as_text=True)
