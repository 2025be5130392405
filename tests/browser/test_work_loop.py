"""The closed loop in a real headless Chromium on phone-sized screens, each actor signed
in as themselves in their own browser context.

In the whole loop the resident reports on the public page and rates through the signed
link of the closing text message; the other scenarios start from a case made through the
one door, since their subject is the staff screens."""

import re
from datetime import timedelta

import pytest
from PIL import Image

from app.extensions import db
from app.models import OutboxMessage
from app.services import cases, clock
from app.services.actors import Actor
from tests.browser.conftest import shot
from tests.browser.test_resident_channel import _at, _fill_report
from tests.factories import photo as factory_photo
from tests.resident_helpers import the_case
from tests.work_helpers import PASSWORD, fresh, in_progress, photo


@pytest.fixture()
def jpeg(tmp_path):
    """A photo on disk, as a phone would offer it to the file picker."""
    path = tmp_path / "after.jpg"
    Image.new("RGB", (640, 480), (40, 140, 90)).save(path, format="JPEG")
    return str(path)


def signed_in(new_page, live_server, user, locale="en"):
    page = new_page(locale)
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/work/**")
    return page


def resident_reports(city, **kw):
    return cases.submit(Actor.resident(), category_code=kw.pop("code", "LD09"),
                        description=kw.pop("description", "解放大道公交站旁电线杆贴满小广告"),
                        lat=city.POINT[1], lng=city.POINT[0], address="解放大道1088号",
                        phone="13900001111", photos=[photo()], **kw)


def open_case(page, code):
    page.click(f"li[data-code='{code}'] a.title")
    page.wait_for_selector("#case-state")


def state_of(page) -> str:
    return page.get_attribute("#case-state", "data-state")


@pytest.mark.browser
def test_the_whole_loop_on_phones(live_server, new_page, city, jpeg):
    # The resident reports on the public page, from their phone.
    resident = new_page("zh-CN")
    _at(resident, live_server, city.POINT)
    resident.goto(live_server + "/report")
    _fill_report(resident, city, "灯杆上贴满了小广告", phone="13900007777", category="LD09")
    resident.set_input_files("#photos", files=[{"name": "before.jpg", "mimeType": "image/jpeg",
                                                "buffer": factory_photo(size=(640, 480)).data}])
    resident.click("#send")
    resident.wait_for_selector("#tracking-code")
    case = the_case(resident.locator("#tracking-code").inner_text().replace("-", "").strip())
    shot(resident, "work-00-resident-reported")

    dispatcher = signed_in(new_page, live_server, city.dispatcher, "zh-CN")
    assert dispatcher.url.endswith("/work/triage")
    assert dispatcher.is_visible(f"#triage-list li[data-code='{case.code}'] img.thumb")
    shot(dispatcher, "work-01-dispatcher-triage")
    open_case(dispatcher, case.code)
    assert dispatcher.is_visible("#suggestion")
    assert dispatcher.is_visible("figure.map .coords")
    shot(dispatcher, "work-02-dispatcher-case")
    dispatcher.click("details[data-action=dispatch] button[type=submit]")
    dispatcher.wait_for_selector("#case-state[data-state=dispatched]")

    chief = signed_in(new_page, live_server, city.chief, "zh-CN")
    assert chief.url.endswith("/work/queue")
    card = f"#queue-list li[data-code='{case.code}']"
    assert chief.is_visible(f"{card} [data-due]")  # the time left, in colour and word
    shot(chief, "work-03-chief-queue")
    chief.click(f"{card} form button")  # sign for, in one tap from the queue
    chief.wait_for_selector(f"{card} .state[data-state=in_progress]")
    open_case(chief, case.code)
    chief.fill("details[data-action=rectify] textarea[name=note]", "已全部清除并冲洗")
    chief.set_input_files("details[data-action=rectify] input[name=photos]", jpeg)
    shot(chief, "work-04-chief-rectify")
    chief.click("details[data-action=rectify] button[type=submit]")
    chief.wait_for_selector("#case-state[data-state=rectified]")
    assert chief.is_visible("#history li[data-action=rectify] .photos img")

    inspector = signed_in(new_page, live_server, city.inspector, "zh-CN")
    assert inspector.url.endswith("/work/verify")
    shot(inspector, "work-05-inspector-list")
    open_case(inspector, case.code)
    shot(inspector, "work-06-inspector-case")
    inspector.click("form[data-action=verify_pass] button[type=submit]")
    inspector.wait_for_selector("#case-state[data-state=closed]")

    # The resident rates through the signed link that the closing text message carries.
    sms = db.session.query(OutboxMessage).filter_by(
        case_id=case.id, to_phone="+8613900007777").order_by(OutboxMessage.id.desc()).first()
    resident.goto(live_server + re.search(r"/rate/\S+", sms.body).group(0))
    resident.check("input[name=score][value='1']")
    resident.fill("#comment", "很及时")
    resident.click("#rating-form button[type=submit]")
    resident.wait_for_selector("#rated")
    inspector.reload()
    assert inspector.is_visible("#history li[data-action=rate]")
    shot(inspector, "work-07-closed-and-rated")
    assert [e.action for e in fresh(case).events] == [
        "submit", "dispatch", "sign_for", "rectify", "verify_pass", "rate"]


@pytest.mark.browser
def test_a_return_and_a_re_route(live_server, new_page, city):
    case = resident_reports(city)
    cases.dispatch(case, city.actor(city.dispatcher))
    chief = signed_in(new_page, live_server, city.chief)
    chief.goto(f"{live_server}/work/cases/{case.id}")
    chief.click("details[data-action=return] summary")
    chief.fill("details[data-action=return] textarea[name=reason]", "此处属黄浦路责任区")
    chief.click("details[data-action=return] button[type=submit]")
    chief.wait_for_selector("#case-state[data-state=returned]")

    dispatcher = signed_in(new_page, live_server, city.dispatcher)
    dispatcher.click("a[data-list=returned]")
    assert dispatcher.is_visible(f"li[data-code='{case.code}']")
    shot(dispatcher, "work-08-dispatcher-returned")
    open_case(dispatcher, case.code)
    dispatcher.select_option("select[name=area_id]", str(city.area2.id))
    dispatcher.click("details[data-action=dispatch] button[type=submit]")
    dispatcher.wait_for_selector("#case-state[data-state=dispatched]")
    assert fresh(case).assignee_user_id == city.chief2.id

    chief2 = signed_in(new_page, live_server, city.chief2)
    assert chief2.is_visible(f"#queue-list li[data-code='{case.code}']")


@pytest.mark.browser
def test_a_failed_verification_and_rework(live_server, new_page, city, jpeg):
    case = in_progress(city, clock.now() - timedelta(minutes=30))
    cases.rectify(case, city.actor(city.chief), note="已清理", photos=[photo()])
    inspector = signed_in(new_page, live_server, city.inspector)
    inspector.goto(f"{live_server}/work/cases/{case.id}")
    inspector.click("details[data-action=verify_fail] summary")
    inspector.fill("details[data-action=verify_fail] textarea[name=note]", "灯杆背面仍有残留")
    inspector.set_input_files("details[data-action=verify_fail] input[name=photos]", jpeg)
    inspector.click("details[data-action=verify_fail] button[type=submit]")
    inspector.wait_for_selector("#case-state[data-state=in_progress]")
    assert fresh(case).rework_count == 1

    chief = signed_in(new_page, live_server, city.chief)
    open_case(chief, case.code)
    assert chief.inner_text("#rework-count") == "1"
    shot(chief, "work-09-chief-rework")
    chief.fill("details[data-action=rectify] textarea[name=note]", "已返工清除")
    chief.set_input_files("details[data-action=rectify] input[name=photos]", jpeg)
    chief.click("details[data-action=rectify] button[type=submit]")
    chief.wait_for_selector("#case-state[data-state=rectified]")

    inspector.goto(f"{live_server}/work/cases/{case.id}")
    inspector.click("form[data-action=verify_pass] button[type=submit]")
    inspector.wait_for_selector("#case-state[data-state=closed]")
    assert [e.action for e in fresh(case).events][-4:] == [
        "rectify", "verify_fail", "rectify", "verify_pass"]
    assert fresh(case).rework_count == 1


@pytest.mark.browser
def test_an_extension_requested_and_approved(live_server, new_page, city):
    case = in_progress(city, clock.now() - timedelta(minutes=30))
    new_due = clock.to_local(case.due_at + timedelta(days=2)).replace(second=0, microsecond=0)
    chief = signed_in(new_page, live_server, city.chief)
    chief.goto(f"{live_server}/work/cases/{case.id}")
    chief.click("details[data-action=request_extension] summary")
    chief.fill("input[name=new_due_at]", new_due.strftime("%Y-%m-%dT%H:%M"))
    chief.fill("details[data-action=request_extension] textarea[name=reason]", "需协调产权单位")
    shot(chief, "work-10-chief-extension")
    chief.click("details[data-action=request_extension] button[type=submit]")
    chief.wait_for_selector("#history li[data-action=request_extension]")

    supervisor = signed_in(new_page, live_server, city.street_supervisor)
    assert supervisor.url.endswith("/work/supervise")
    assert supervisor.is_visible("[data-request=extension]")
    shot(supervisor, "work-11-supervisor")
    supervisor.click(f"li[data-code='{case.code}'] form button.primary")
    supervisor.wait_for_selector(".flash-success")
    assert clock.to_local(fresh(case).due_at) == new_due
    assert fresh(case).extension_count == 1


@pytest.mark.browser
def test_a_road_chief_is_denied_another_streets_case(live_server, new_page, city):
    other = cases.submit(Actor.resident(), category_code="LD09", description="中山大道小广告",
                         lat=city.POINT3[1], lng=city.POINT3[0], phone="13900002222")
    cases.dispatch(other, city.actor(city.dispatcher))
    chief = signed_in(new_page, live_server, city.chief)
    assert not chief.is_visible(f"li[data-code='{other.code}']")
    response = chief.goto(f"{live_server}/work/cases/{other.id}")
    assert response.status == 404
    assert "does not exist" in chief.inner_text("main")
    shot(chief, "work-12-chief-denied")
