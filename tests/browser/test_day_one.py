"""What a city's staff and residents hit on day one, in a real headless Chromium, on a
phone and on a desktop, saved as screenshots (test-results/screenshots/day1-*): the staff
navigation and search box, the case page for the person acting, the rating page with
the photos, the supervision page's default month, the printable bulletin, photos resized
in the browser and moderated, and a report map at street level."""

import io
from datetime import timedelta

import pytest
from PIL import Image

from app.extensions import db
from app.models import Attachment
from app.services import cases, clock, rating_links
from app.services.actors import Actor
from tests.browser.conftest import shot
from tests.browser.test_work_loop import signed_in
from tests.factories import photo
from tests.resident_helpers import close_by_staff, the_case
from tests.work_helpers import dispatched, rectified

DESKTOP = {"width": 1280, "height": 900}


def desktop(page):
    page.set_viewport_size(DESKTOP)
    return page


@pytest.mark.browser
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_one_staff_navigation_and_a_search_box_that_opens_a_case(live_server, new_page, city,
                                                                  size):
    case = dispatched(city, clock.now() - timedelta(hours=1))
    page = signed_in(new_page, live_server, city.city_supervisor, locale="zh-CN")
    if size == "desktop":
        desktop(page)
    for path in ("/work/", "/supervise/", "/ops", "/sms/outbox", "/auth/password"):
        page.goto(live_server + path)
        bar = page.locator("#staff-nav")
        assert bar.is_visible(), path
        assert bar.locator("a", has_text="督办").count() or bar.locator("a").count() >= 4
    page.goto(live_server + "/work/")
    shot(page, f"day1-01-staff-nav-{size}")
    page.fill("#staff-nav input[name=q]", f"{case.code[:4].lower()}-{case.code[4:]}")
    page.press("#staff-nav input[name=q]", "Enter")
    page.wait_for_url(f"**/work/cases/{case.id}")
    shot(page, f"day1-02-search-opens-case-{size}")
    page.fill("#staff-nav input[name=q]", "不是查询码")
    page.press("#staff-nav input[name=q]", "Enter")
    assert page.locator("#search-error").is_visible()
    shot(page, f"day1-03-search-refused-{size}")


@pytest.mark.browser
def test_a_dispatcher_lists_a_callers_cases_by_phone(live_server, new_page, city):
    for code in ("LD09", "LD03"):
        cases.submit(Actor.resident(), category_code=code, description="解放大道上又有问题",
                     lat=city.POINT[1], lng=city.POINT[0], phone="13900007777")
    page = signed_in(new_page, live_server, city.dispatcher, locale="zh-CN")
    page.fill("#staff-nav input[name=q]", "139 0000 7777")
    page.press("#staff-nav input[name=q]", "Enter")
    page.wait_for_selector("#search-results .case-card")
    assert page.locator("#search-results .case-card").count() == 2
    assert "139****7777" in page.inner_text("#search-results")
    shot(page, "day1-04-search-by-phone")


@pytest.mark.browser
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_inspector_sees_before_and_after_beside_pass_and_fail(live_server, new_page, city,
                                                                  size):
    case = rectified(city, clock.now() - timedelta(hours=2))
    page = signed_in(new_page, live_server, city.inspector, locale="zh-CN")
    if size == "desktop":
        desktop(page)
    page.goto(f"{live_server}/work/cases/{case.id}")
    before = page.locator("#photos [data-kind=before] img").first.bounding_box()
    after = page.locator("#photos [data-kind=after] img").first.bounding_box()
    assert abs(before["y"] - after["y"]) < 2 and before["x"] < after["x"]  # side by side
    report = page.locator("#report").bounding_box()
    actions = page.locator("#what-to-do").bounding_box()
    if size == "phone":
        assert report["y"] < actions["y"]  # what and where first, then the buttons
    else:
        assert actions["x"] > report["x"] + report["width"] - 1  # the buttons beside them
    assert page.locator("#case-state").count() == 1
    shot(page, f"day1-05-inspector-case-{size}")


@pytest.mark.browser
def test_the_working_clock_says_when_it_is_stopped(live_server, new_page, city):
    case = dispatched(city, clock.now() - timedelta(minutes=10))
    page = signed_in(new_page, live_server, city.chief, locale="zh-CN")
    page.goto(f"{live_server}/work/cases/{case.id}")
    shot(page, "day1-06-chief-case-time-left")
    text = page.inner_text(".case-head") + page.inner_text("#report")
    assert "剩余" in text or "超时" in text or "逾期" in text


@pytest.mark.browser
def test_the_rating_page_shows_what_was_done(live_server, page, city):
    case = cases.submit(Actor.resident(), category_code="LD04", description="路边堆了很多建筑材料",
                        lat=city.POINT[1], lng=city.POINT[0], phone="13900005555",
                        photos=[photo((180, 60, 40), size=(640, 480))])
    case = close_by_staff(city, case)
    contact = case.reporter
    page.goto(live_server + rating_links.path_for(case, contact))
    assert page.inner_text("#rectification-note") == "已拖离"
    assert page.locator("#after-photos img").count() == 1
    assert page.locator("#result img").count() == 2
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")
    shot(page, "day1-07-rating-with-photos")


@pytest.mark.browser
def test_supervision_opens_on_the_last_complete_month(live_server, new_page, city):
    page = signed_in(new_page, live_server, city.district_supervisor, locale="zh-CN")
    desktop(page)
    page.goto(live_server + "/supervise/")
    today = clock.to_local(clock.now()).date()
    last = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert page.input_value("input[name=month]") == last
    shot(page, "day1-08-supervision-last-month")
    page.click("#month-to-date")
    assert page.input_value("input[name=month]") == today.strftime("%Y-%m")
    page.goto(live_server + "/supervise/rankings")
    shot(page, "day1-09-rankings-every-unit")


@pytest.mark.browser
def test_the_bulletin_on_a4_paper(live_server, new_page, city):
    page = signed_in(new_page, live_server, city.city_supervisor, locale="zh-CN")
    desktop(page)
    page.goto(live_server + "/supervise/bulletin?issuer=武汉市路长制办公室&issue=第11期")
    shot(page, "day1-10-bulletin-screen")
    page.emulate_media(media="print")
    assert page.locator("#masthead").is_visible()
    assert not page.locator("#staff-nav").is_visible()
    assert not page.locator("#masthead-form").is_visible()
    assert "flask" not in page.inner_text("main")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    shot(page, "day1-11-bulletin-print")


def big_photo(width=3000, height=2000) -> bytes:
    image = Image.new("RGB", (width, height), (40, 120, 200))
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=70)
    return buf.getvalue()


@pytest.mark.browser
def test_a_big_photo_is_made_smaller_in_the_browser_before_upload(live_server, page, city):
    page.context.grant_permissions(["geolocation"], origin=live_server)
    page.context.set_geolocation({"latitude": city.POINT[1], "longitude": city.POINT[0]})
    page.goto(live_server + "/report")
    page.click("label:has(input[value=LD04])")
    page.click("#locate")
    page.wait_for_function("document.getElementById('lat').value !== ''")
    page.fill("#description", "人行道上堆了很多纸箱")
    page.set_input_files("#photos", files=[{"name": "big.jpg", "mimeType": "image/jpeg",
                                            "buffer": big_photo()}])
    page.wait_for_function("document.getElementById('photos').dataset.resized === '1'")
    shot(page, "day1-12-report-big-photo")
    page.click("#send")
    page.wait_for_selector("#tracking-code")
    case = the_case(page.locator("#tracking-code").inner_text().replace("-", "").strip())
    [attachment] = case.attachments
    assert max(attachment.width, attachment.height) == 2048
    assert (attachment.width, attachment.height) == (2048, 1365)


@pytest.mark.browser
def test_staff_hide_a_photo_and_the_public_no_longer_sees_it(live_server, new_page, city):
    case = dispatched(city, clock.now() - timedelta(hours=1))
    key = case.attachments[0].storage_key
    resident = new_page("zh-CN")
    resident.goto(f"{live_server}/track/{case.code}")
    assert resident.locator(f"img[src*='{key}']").count() == 1
    page = signed_in(new_page, live_server, city.dispatcher, locale="zh-CN")
    page.goto(f"{live_server}/work/cases/{case.id}")
    page.click("#photos details.hide-photo summary")
    page.fill("#photos details.hide-photo input[name=reason]", "照片中车牌号清晰可见")
    shot(page, "day1-13-hide-photo-form")
    page.click("#photos details.hide-photo button[type=submit]")
    page.wait_for_selector(".hidden-mark")
    assert "照片已对公众隐藏：照片中车牌号清晰可见" in page.inner_text("#history")
    shot(page, "day1-14-photo-hidden")
    db.session.expire_all()
    assert db.session.query(Attachment).filter_by(storage_key=key).one().hidden_at
    resident.goto(f"{live_server}/track/{case.code}")
    assert resident.locator(f"img[src*='{key}']").count() == 0


@pytest.mark.browser
@pytest.mark.parametrize("allowed", [True, False])
def test_the_report_map_opens_at_street_level(live_server, new_page, city, allowed):
    page = new_page("zh-CN")
    if allowed:
        page.context.grant_permissions(["geolocation"], origin=live_server)
        page.context.set_geolocation({"latitude": city.POINT[1], "longitude": city.POINT[0]})
    page.goto(live_server + "/report")
    page.wait_for_function("document.getElementById('map').dataset.view")
    if allowed:
        page.wait_for_function("document.getElementById('map').dataset.view === 'position'")
    page.wait_for_timeout(300)  # the view's animation
    assert int(page.get_attribute("#map", "data-zoom-level")) >= 16  # street level
    shot(page, f"day1-15-report-map-{'position' if allowed else 'city-centre'}")
