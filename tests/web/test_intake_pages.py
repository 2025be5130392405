"""The patrol and hotline pages as a browser without JavaScript uses them: who may open
them, the photo's place confirmed before sending, the form kept after a refusal, the
JSON endpoints the scripts call, the follow-up and hand-over lists, the admin rules."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, FollowUpCall, IntakeRule
from app.services import cases, clock
from tests.factories import photo
from tests.intake_helpers import CALLER, CALLER_E164, gps_jpeg, operator, rule
from tests.work_helpers import client_for, closed, token_from


def _case_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Case))


def _patrol(client, **fields):
    page = client.get("/patrol/")
    data = {"csrf_token": token_from(page.get_data(as_text=True)), "category": "LD09",
            "urgency": "normal", "note": "小广告", "action": "send"}
    data.update(fields)
    return client.post("/patrol/", data=data, content_type="multipart/form-data")


def test_only_inspectors_open_the_patrol_page_and_only_operators_the_console(city, app):
    op = operator(city)
    assert client_for(app, city.inspector).get("/patrol/").status_code == 200
    assert client_for(app, city.chief).get("/patrol/").status_code == 403
    assert client_for(app, op).get("/patrol/").status_code == 403
    assert client_for(app, op).get("/hotline/").status_code == 200
    assert client_for(app, city.dispatcher).get("/hotline/").status_code == 403
    assert client_for(app, city.inspector).get("/hotline/suggest.json?text=x").status_code == 403
    assert client_for(app).get("/hotline/").status_code == 302  # to the sign-in page


def test_the_patrol_page_opens_the_camera_and_lists_the_usual_categories_first(city, app, t0):
    client = client_for(app, city.inspector)
    html = client.get("/patrol/").get_data(as_text=True)
    assert 'accept="image/*" capture="environment"' in html
    assert html.index('value="LD01"') < html.index('value="HF02"')
    with clock.travel(t0):
        from app.services import patrol

        lng, lat = city.POINT
        patrol.submit(city.inspector, patrol.PatrolReport(
            category="HF02", lat=lat, lng=lng, photos=[photo()]))
    html = client.get("/patrol/").get_data(as_text=True)
    assert html.index('value="HF02"') < html.index('value="LD01"')


def test_a_photo_with_gps_and_no_position_is_shown_to_confirm_then_sent(city, app):
    client = client_for(app, city.inspector)
    lng, lat = city.POINT2
    first = _patrol(client, photos=[(io.BytesIO(gps_jpeg(lat, lng)), "IMG_1.jpg")])
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and _case_count() == 0
    assert f'value="{lat:.6f}"' in html and f'value="{lng:.6f}"' in html
    held = re.findall(r'name="held" value="([0-9a-f]{32})"', html)
    assert len(held) == 1  # the photo is kept: the inspector does not take it again
    sent = _patrol(client, held=held, lat=f"{lat:.6f}", lng=f"{lng:.6f}")
    assert sent.status_code == 303 and "/patrol/?done=" in sent.location
    case = db.session.scalar(select(Case))
    assert case.channel == "patrol" and case.area_id == city.area2.id
    page = client.get(sent.location).get_data(as_text=True)
    assert case.code in page and "My reports today" in page


def test_a_photo_without_gps_and_no_position_is_refused_with_the_form_kept(city, app):
    client = client_for(app, city.inspector)
    response = _patrol(client, note="井盖缺失", category="HF06",
                       photos=[(io.BytesIO(gps_jpeg(None, None)), "IMG_2.jpg")])
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and _case_count() == 0
    assert "The photo carries no location" in html
    assert "井盖缺失" in html and 'value="HF06" checked' in html
    assert re.search(r'name="held" value="[0-9a-f]{32}"', html)


def test_a_point_outside_every_area_and_a_barred_category_are_refused(city, app):
    rule("patrol", "HF05", allowed=False)
    client = client_for(app, city.inspector)
    outside = _patrol(client, lat="30.6040", lng="114.3135", photos=[(io.BytesIO(
        gps_jpeg(None, None)), "a.jpg")])
    assert outside.status_code == 422
    assert "outside every responsibility area" in outside.get_data(as_text=True)
    lng, lat = city.POINT
    barred = _patrol(client, category="HF05", lat=str(lat), lng=str(lng),
                     photos=[(io.BytesIO(gps_jpeg(None, None)), "b.jpg")])
    assert barred.status_code == 403
    assert "may not be reported this way" in barred.get_data(as_text=True)
    assert _case_count() == 0


def test_a_file_that_is_not_a_photo_is_refused(city, app):
    client = client_for(app, city.inspector)
    response = _patrol(client, photos=[(io.BytesIO(b"%PDF-1.4 not a photo"), "x.jpg")])
    assert response.status_code == 422 and _case_count() == 0
    assert "not a photo we can read" in response.get_data(as_text=True)


def test_the_photo_endpoint_keeps_the_photo_and_reads_its_place(city, app):
    client = client_for(app, city.inspector)
    token = token_from(client.get("/patrol/").get_data(as_text=True))
    lng, lat = city.POINT
    response = client.post("/patrol/photo-place.json", data={
        "csrf_token": token, "photo": (io.BytesIO(gps_jpeg(lat, lng)), "IMG.jpg")},
        content_type="multipart/form-data", headers={"Accept": "application/json"})
    data = response.get_json()
    assert response.status_code == 200 and re.fullmatch(r"[0-9a-f]{32}", data["token"])
    assert (data["lat"], data["lng"]) == (lat, lng) and "解放大道" in data["place"]
    bad = client.post("/patrol/photo-place.json", data={
        "csrf_token": token, "photo": (io.BytesIO(b"\x00\x01"), "x.jpg")},
        content_type="multipart/form-data")
    assert bad.status_code == 422 and bad.get_json()["error"]
    place = client.get("/patrol/place.json?lat=30.40&lng=114.20").get_json()
    assert place["place"] is None and place["error"]
    assert client.get("/patrol/place.json?lat=nan&lng=1").status_code == 400


def test_fixed_on_the_spot_from_the_form(city, app):
    client = client_for(app, city.inspector)
    lng, lat = city.POINT
    response = _patrol(client, lat=str(lat), lng=str(lng), fixed="y",
                       photos=[(io.BytesIO(gps_jpeg(None, None)), "before.jpg")],
                       after_photos=[(io.BytesIO(photo().data), "after.jpg")])
    assert response.status_code == 303
    case = db.session.scalar(select(Case))
    assert case.state == "closed"
    page = client.get("/patrol/").get_data(as_text=True)
    assert "Fixed on the spot" in page


def _console_post(client, **fields):
    token = token_from(client.get("/hotline/").get_data(as_text=True))
    data = {"csrf_token": token, "phone": CALLER, "description": "解放大道人行道上乱停车",
            "category": "LD03", "area_id": "", "urgency": "normal"}
    data.update(fields)
    return client.post("/hotline/", data=data)


def test_the_console_makes_a_case_for_the_caller_and_shows_their_cases(city, app):
    op = operator(city)
    client = client_for(app, op)
    response = _console_post(client, area_id=str(city.area.id))
    assert response.status_code == 303
    case = db.session.scalar(select(Case))
    assert case.channel == "hotline" and case.reporter.phone == CALLER_E164
    page = client.get(f"/hotline/?phone={CALLER}").get_data(as_text=True)
    assert case.code in page and CALLER in page  # in full to the operator
    staff = client_for(app, city.dispatcher).get(f"/work/cases/{case.id}").get_data(
        as_text=True)
    assert CALLER not in staff and "139****2222" in staff  # masked to everyone else


def test_the_console_refuses_a_number_that_is_not_a_phone_and_keeps_what_was_typed(city, app):
    client = client_for(app, operator(city))
    response = _console_post(client, phone="hello", area_id=str(city.area.id),
                             description="门口有人摆摊")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and _case_count() == 0
    assert "not a mobile phone number" in html and "摆摊" in html
    nowhere = _console_post(client)
    assert nowhere.status_code == 422 and "Confirm the place" in nowhere.get_data(as_text=True)
    assert _case_count() == 0


def test_suggestions_arrive_as_json_while_typing(city, app):
    client = client_for(app, operator(city))
    data = client.get("/hotline/suggest.json?text=黄浦路上有人乱停车").get_json()
    assert data["category"] == "LD03" and data["area_id"] == city.area2.id
    assert data["category_name"] and data["place"]
    empty = client.get("/hotline/suggest.json?text=").get_json()
    assert empty["category"] is None and empty["area_id"] is None


def test_control_characters_are_refused_with_a_message_and_write_nothing(city, app):
    client = client_for(app, operator(city))
    typed = _console_post(client, area_id=str(city.area.id), description="门口有人\x00摆摊")
    # A NUL byte is refused by the app-wide guard before the console reads the form.
    assert typed.status_code == 400 and "NUL" in typed.get_data(as_text=True)
    asked = client.get("/hotline/suggest.json?text=%00%01")
    assert asked.status_code == 400
    patrol = client_for(app, city.inspector)
    lng, lat = city.POINT
    sent = _patrol(patrol, note="小\x07广告", lat=str(lat), lng=str(lng),
                   photos=[(io.BytesIO(gps_jpeg(None, None)), "a.jpg")])
    assert sent.status_code == 400 and _case_count() == 0


def test_status_question_and_call_note(city, app, t0):
    op = operator(city)
    client = client_for(app, op)
    _console_post(client, area_id=str(city.area.id))
    case = db.session.scalar(select(Case))
    by_number = client.get(f"/hotline/status?q={CALLER}").get_data(as_text=True)
    assert case.code in by_number
    by_code = client.get(f"/hotline/status?q={case.code.lower()}").get_data(as_text=True)
    assert case.code in by_code
    assert client.get("/hotline/status?q=what").status_code == 422
    token = token_from(by_code)
    noted = client.post(f"/hotline/cases/{case.code}/note",
                        data={"csrf_token": token, "note": "来电催办", "version": case.version})
    assert noted.status_code == 303
    page = client.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "来电催办" in page
    assert client.post("/hotline/cases/NOSUCH99/note",
                       data={"csrf_token": token, "note": "x"}).status_code == 404


def test_follow_up_calls_from_the_list_to_the_supervisor(city, app, t0):
    op = operator(city)
    case = closed(city, clock.now() - timedelta(days=5))
    client = client_for(app, op)
    page = client.get("/hotline/follow-ups").get_data(as_text=True)
    assert case.code in page
    token = token_from(page)
    refused = client.post(f"/hotline/follow-ups/{case.id}", data={"csrf_token": token})
    assert refused.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(FollowUpCall)) == 0
    done = client.post(f"/hotline/follow-ups/{case.id}", data={
        "csrf_token": token, "outcome": "3", "words": "路面又被占了", "hand_over": "y"})
    assert done.status_code == 303
    assert case.code not in client.get("/hotline/follow-ups").get_data(as_text=True)
    supervisor = client_for(app, city.street_supervisor)
    handed = supervisor.get("/hotline/handed").get_data(as_text=True)
    assert case.code in handed and "路面又被占了" in handed
    version = cases.get_case(case.id).version
    reopened = supervisor.post(f"/work/cases/{case.id}/reopen", data={
        "csrf_token": token_from(handed), "version": version, "reason": "回访不满意",
        "next": "/hotline/handed"})
    assert reopened.status_code == 303 and reopened.location.endswith("/hotline/handed")
    db.session.expire_all()
    assert cases.get_case(case.id).state == "in_progress"
    assert client_for(app, op).get("/hotline/handed").status_code == 403


def test_the_administrator_sets_the_intake_rules(city, app):
    client = client_for(app, city.admin)
    page = client.get("/admin/intake-rules").get_data(as_text=True)
    from app.models import Category

    cat = db.session.scalar(select(Category).where(Category.code == "LD09"))
    data = {"csrf_token": token_from(page)}
    for c in db.session.scalars(select(Category)):
        for ch in ("patrol", "hotline"):
            data[f"{ch}-{c.id}-allowed"] = "y"
    data[f"patrol-{cat.id}-at-once"] = "y"
    del data[f"hotline-{cat.id}-allowed"]
    assert client.post("/admin/intake-rules", data=data).status_code == 303
    db.session.expire_all()
    assert db.session.get(IntakeRule, ("patrol", cat.id)).dispatch_at_once
    assert not db.session.get(IntakeRule, ("hotline", cat.id)).allowed
    assert client_for(app, city.dispatcher).get("/admin/intake-rules").status_code == 403


def test_supervisors_see_the_months_intake_figures_recounted_from_the_records(city, app):
    from app.services import patrol

    op = operator(city)
    rule("patrol", "LD09", at_once=True)
    lng, lat = city.POINT
    patrol.submit(city.inspector, patrol.PatrolReport(
        category="LD09", lat=lat, lng=lng, photos=[photo()]))
    patrol.submit(city.inspector, patrol.PatrolReport(
        category="LD04", lat=lat, lng=lng, photos=[photo()], fixed=True,
        after_photos=[photo()]))
    from app.services import hotline

    hotline.take(op, phone=CALLER, description="乱停车", category="LD03", area_id=city.area.id)
    page = client_for(app, city.district_supervisor).get("/patrol/figures")
    html = page.get_data(as_text=True)
    figures = dict(re.findall(r'data-figure="([a-z_]+)"><th>[^<]*</th><td>(\d+)</td>', html))
    assert figures["patrol"] == "2" and figures["self_handled"] == "1"
    assert figures["hotline"] == "1" and figures["dispatched_at_once"] == "1"
    far = client_for(app, city.far_dispatcher).get("/patrol/figures")
    assert far.status_code == 403
    other = client_for(app, city.street2_supervisor).get("/patrol/figures?month=bad")
    assert re.search(r'data-figure="patrol"><th>[^<]*</th><td>0</td>',
                     other.get_data(as_text=True))


def test_a_case_fixed_on_the_spot_reads_as_closed_on_its_pages_without_a_button(city, app):
    from app.services import patrol

    lng, lat = city.POINT
    fixed = patrol.submit(city.inspector, patrol.PatrolReport(
        category="LD04", lat=lat, lng=lng, photos=[photo()], fixed=True,
        after_photos=[photo()]))
    public = client_for(app).get(f"/track/{fixed.code}?lang=en").get_data(as_text=True)
    assert "Fixed on the spot by the inspector who found it" in public
    waiting = patrol.submit(city.inspector, patrol.PatrolReport(
        category="LD02", lat=lat, lng=lng, photos=[photo()]))
    page = client_for(app, city.inspector).get(f"/work/cases/{waiting.id}").get_data(
        as_text=True)
    assert 'data-action="self_handle"' not in page


def test_the_pages_speak_chinese_first(city, app):
    patrol_page = client_for(app, city.inspector, lang="zh_Hans_CN").get("/patrol/")
    html = patrol_page.get_data(as_text=True)
    assert "巡查上报" in html and "我已现场自行处置" in html and "我今天的上报" in html
    console = client_for(app, operator(city), lang="zh_Hans_CN").get("/hotline/")
    html = console.get_data(as_text=True)
    assert "热线来电" in html and "来电号码" in html and "回访" in html
