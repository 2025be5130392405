"""Both staff intake roles walked in headless Chromium: a patrolling inspector on a phone
with a real JPEG carrying GPS tags (the pin comes from the photo, a failed send keeps the
form), and a hotline operator on a desktop (suggestions while typing, the caller's cases,
a status answer and a call note). The resulting cases are then followed round the loop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseEvent, OutboxMessage
from app.services import cases, clock
from tests.browser.conftest import shot
from tests.factories import photo
from tests.intake_helpers import CALLER, CALLER_E164, gps_jpeg, operator, rule
from tests.work_helpers import PASSWORD, assignee_of


def _sign_in(page, live_server, user):
    page.goto(f"{live_server}/auth/login?lang=en")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def _round_the_loop(city, case: Case) -> Case:
    who = assignee_of(city, case)
    now = clock.now()
    with clock.travel(now + timedelta(minutes=10)):
        cases.sign_for(case.id, who)
    with clock.travel(now + timedelta(minutes=40)):
        cases.rectify(case.id, who, note="已清除", photos=[photo()])
    with clock.travel(now + timedelta(hours=1)):
        cases.verify(case.id, city.actor(city.inspector), passed=True)
    db.session.expire_all()
    return cases.get_case(case.id)


@pytest.mark.browser
def test_a_patrol_report_on_a_phone_from_a_geotagged_photo(live_server, browser, city):
    rule("patrol", "LD09", at_once=True)
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    _sign_in(page, live_server, city.inspector)
    page.goto(f"{live_server}/patrol/?lang=en")
    assert page.get_attribute("#photos", "capture") == "environment"

    lng, lat = city.POINT2
    page.set_input_files("#photos", files=[{
        "name": "IMG_20261207_101500.jpg", "mimeType": "image/jpeg",
        "buffer": gps_jpeg(lat, lng)}])
    page.wait_for_selector("#held-photos li input[name=held]", state="attached")
    page.wait_for_function("document.getElementById('lat').value !== ''")
    assert abs(float(page.input_value("#lat")) - lat) < 1e-5
    assert abs(float(page.input_value("#lng")) - lng) < 1e-5
    page.wait_for_function(
        "document.getElementById('place-words').textContent.includes('黄浦路')")
    page.check("input[name=category][value=LD09]")
    page.fill("#note", "公交站旁电线杆贴满小广告")
    shot(page, "patrol-phone-form")

    # The first send fails on the way: nothing is lost, and Send works again.
    failed_once = {"done": False}

    def flaky(route):
        if route.request.method == "POST" and not failed_once["done"]:
            failed_once["done"] = True
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/patrol/", flaky)
    page.click("#send")
    page.wait_for_selector("#send-failed", state="visible")
    shot(page, "patrol-phone-send-failed")
    assert page.input_value("#note") == "公交站旁电线杆贴满小广告"
    assert page.is_checked("input[name=category][value=LD09]")
    assert db.session.scalar(select(Case.id)) is None
    page.click("#send")
    page.wait_for_url("**/patrol/?done=*")
    page.wait_for_selector("#today li.today-case")
    assert "Reported:" in page.text_content(".flash-success")
    shot(page, "patrol-phone-today")

    db.session.expire_all()
    case = db.session.scalar(select(Case))
    assert case.channel == "patrol" and case.area_id == city.area2.id
    assert case.state == "dispatched"  # the category's rule: dispatched at once
    assert page.get_attribute("#today li.today-case", "data-code") == case.code
    submit = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id))
    assert submit.actor_user_id == city.inspector.id and submit.data["place_from"] == "given"
    assert _round_the_loop(city, case).state == "closed"
    context.close()


@pytest.mark.browser
def test_the_hotline_console_on_a_desktop(live_server, browser, city):
    op = operator(city)
    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900},
                                  bypass_csp=True)  # Playwright's polling waits evaluate strings
    page = context.new_page()
    _sign_in(page, live_server, op)
    assert "/hotline/" in page.url  # the operator's home
    page.goto(f"{live_server}/hotline/?phone={CALLER}&lang=en")  # as a telephony system does
    assert page.input_value("#phone") == CALLER
    page.wait_for_selector("#no-history")

    page.click("#description")
    page.keyboard.type("黄浦路上有辆车停在人行道上")
    page.wait_for_function("document.getElementById('category').value === 'LD03'")
    page.wait_for_function(
        f"document.getElementById('area_id').value === '{city.area2.id}'")
    assert "LD03" in page.text_content("#suggestion")
    shot(page, "hotline-desktop-suggested")
    page.fill("#address", "黄浦路12号门口")
    page.click("#make-case")
    page.wait_for_url("**/hotline/?phone=*")
    page.wait_for_selector("#history li")
    shot(page, "hotline-desktop-caller-cases")

    db.session.expire_all()
    case = db.session.scalar(select(Case))
    assert case.channel == "hotline" and case.reporter.phone == CALLER_E164
    assert case.area_id == city.area2.id and case.category.code == "LD03"
    receipt = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.to_phone == CALLER_E164, OutboxMessage.case_id == case.id))
    assert receipt is not None

    page.fill("#q", case.code)
    page.click("#caller form button[type=submit]")
    page.wait_for_selector("#found li")
    page.fill("textarea[name=note]", "来电人询问进度，已告知")
    page.click("form.call-note button[type=submit]")
    page.wait_for_selector(".flash-success")
    shot(page, "hotline-desktop-status-note")
    db.session.expire_all()
    note = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                     CaseEvent.action == "add_note"))
    assert note.actor_role == "operator" and "询问进度" in note.note

    with clock.travel(clock.now()):
        cases.dispatch(case.id, city.actor(city.dispatcher))
    closed = _round_the_loop(city, case)
    assert closed.state == "closed"
    closing = db.session.scalars(select(OutboxMessage.body).where(
        OutboxMessage.to_phone == CALLER_E164).order_by(OutboxMessage.id)).all()
    assert len(closing) >= 2  # the receipt ... the closing text that asks for a rating
    context.close()
