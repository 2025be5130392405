"""The resident channel in a real headless Chromium on a phone-sized screen (Debian's
binary, driven by Playwright): report with a photo in Chinese, track, join a nearby case
instead of duplicating it, rate a case that staff closed, switch to English. Each page is
saved as a screenshot under test-results/screenshots/ for a reviewer."""

import re

import pytest

from app.extensions import db
from app.models import Case, OutboxMessage, Rating
from app.services import cases
from app.services.actors import Actor
from tests.browser.conftest import shot
from tests.factories import photo
from tests.resident_helpers import close_by_staff, the_case


def _at(page, live_server, point):
    """Let the page know where the phone is, as if GPS answered."""
    lng, lat = point
    page.context.grant_permissions(["geolocation"], origin=live_server)
    page.context.set_geolocation({"latitude": lat, "longitude": lng})


def _fill_report(page, city, description, phone=None, category="LD03"):
    page.click(f"label:has(input[value={category}])")
    page.click("#locate")
    page.wait_for_function("document.getElementById('lat').value !== ''")
    page.wait_for_function(
        "document.getElementById('place-words').textContent.includes('解放大道沿线')")
    page.fill("#description", description)
    if phone:
        page.fill("#phone", phone)


def _code_on(page) -> str:
    return page.locator("#tracking-code").inner_text().replace("-", "").strip()


@pytest.mark.browser
def test_a_resident_reports_a_case_with_a_photo_in_chinese_and_gets_a_code(
        live_server, page, city):
    _at(page, live_server, city.POINT)
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    shot(page, "resident-01-start")
    page.click("#report-link")
    assert page.locator("a.brand").inner_text() == "路长制"
    assert page.locator("label:has(input[value=LD03]) b").inner_text() == "乱停"
    _fill_report(page, city, "白色小车停在人行道上，行人只能走机动车道", phone="13900001111")
    page.set_input_files("#photos", files=[{"name": "car.jpg", "mimeType": "image/jpeg",
                                            "buffer": photo(size=(640, 480)).data}])
    shot(page, "resident-02-report-form")
    page.click("#send")
    page.wait_for_selector("#tracking-code")
    code = _code_on(page)
    assert re.fullmatch(r"[0-9A-Z]{8}", code)
    shot(page, "resident-03-confirmation")
    case = the_case(code)
    assert case.area_id == city.area.id and case.reporter.phone == "+8613900001111"
    assert [a.kind for a in case.attachments] == ["before"]
    assert page.locator("#time-limit").inner_text().count("2")  # 2 working hours


@pytest.mark.browser
def test_a_resident_tracks_the_case(live_server, page, city):
    lng, lat = city.POINT
    case = cases.submit(Actor.resident(), category_code="LD04", description="人行道上堆满杂物",
                        lat=lat, lng=lng, phone="13900002222", photos=[photo()])
    cases.dispatch(case, city.actor(city.dispatcher))
    page.goto(live_server + "/track")
    page.fill("#code", f"{case.code[:4].lower()}-{case.code[4:].lower()}")
    page.click("#track-form button")
    page.wait_for_selector("#timeline")
    assert page.locator("#state").inner_text() == "已派遣"
    assert page.locator("#timeline li").count() == 2
    assert page.locator("#photos img").count() == 1
    assert "13900002222" not in page.content() and "chief" not in page.content()
    shot(page, "resident-04-tracking")
    page.goto(live_server + "/cases")
    assert page.locator(f"tr[data-code='{case.code}']").count() == 1
    shot(page, "resident-05-public-cases")


@pytest.mark.browser
def test_a_resident_joins_an_existing_nearby_case_instead_of_duplicating_it(
        live_server, page, city):
    lng, lat = city.POINT
    first = cases.submit(Actor.resident(), category_code="LD03", description="有车停在盲道上",
                         lat=lat, lng=lng, phone="13900003333")
    _at(page, live_server, (lng + 0.0004, lat + 0.0002))  # about 45 m away
    page.goto(live_server + "/report")
    _fill_report(page, city, "又有车停在盲道上", phone="13900004444")
    live = page.locator(f"#nearby-live li[data-code='{first.code}']")
    live.wait_for()
    shot(page, "resident-06-is-it-one-of-these")
    live.locator("button[name=support]").click()
    page.wait_for_selector("#joined")
    assert _code_on(page) == first.code
    shot(page, "resident-07-joined")
    db.session.expire_all()
    assert db.session.query(Case).count() == 1
    assert cases.support_count(the_case(first.code)) == 1


@pytest.mark.browser
def test_a_resident_rates_a_case_that_staff_closed(live_server, page, city):
    _at(page, live_server, city.POINT)
    page.goto(live_server + "/report")
    _fill_report(page, city, "路边堆了很多建筑材料", phone="13900005555", category="LD04")
    page.click("#send")
    page.wait_for_selector("#tracking-code")
    case = close_by_staff(city, the_case(_code_on(page)))
    sms = db.session.query(OutboxMessage).filter_by(
        case_id=case.id, to_phone="+8613900005555").order_by(OutboxMessage.id.desc()).first()
    link = re.search(r"/rate/\S+", sms.body).group(0)
    # The tracking page of the browser that reported offers a signed link for the same
    # person and closure (made now: its time stamp differs).
    page.goto(f"{live_server}/track/{case.code}")
    offered = page.locator("#rate-link").get_attribute("href")
    assert offered.split(".")[0] == link.split(".")[0] and offered.startswith("/rate/")
    shot(page, "resident-08-closed-case")
    page.goto(live_server + link)  # as opened from the text message
    shot(page, "resident-09-rating-form")
    page.check("input[name=score][value='3']")
    page.fill("#comment", "第二天又堆上了")
    page.click("#rating-form button[type=submit]")
    page.wait_for_selector("#rated")
    shot(page, "resident-10-rated")
    rating = db.session.query(Rating).one()
    assert (rating.score, rating.needs_follow_up) == (3, True)
    page.goto(live_server + link)  # the link works once
    assert page.locator("#rated").count() == 1 and page.locator("#rating-form").count() == 0


@pytest.mark.browser
def test_the_english_switch_works(live_server, page, city):
    page.goto(live_server + "/report")
    assert page.locator("label:has(input[value=LD03]) b").inner_text() == "乱停"
    page.click("text=English")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Report a problem"
    assert page.locator("label:has(input[value=LD03]) b").inner_text() == \
        "Illegal motor-vehicle parking"
    shot(page, "resident-11-report-english")
    page.goto(live_server + "/track")  # the choice is remembered
    assert page.locator("h1").inner_text() == "Track a report"
