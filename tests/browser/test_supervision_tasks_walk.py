"""A supervisor's walk in headless Chromium from a hotspot to a published task list and a
special campaign (publishing refused while a task has no assignee), and the road chief
closing the task on a phone with a photo. Screenshots go to
test-results/screenshots/tasks-*.png for a reviewer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.supervision_tasks import Campaign, Task, TaskList
from tests.browser.conftest import shot
from tests.browser.test_supervise_pages import signed_in
from tests.factories import photo
from tests.metrics_helpers import report

pytestmark = pytest.mark.browser


@pytest.fixture()
def hot_city(city):
    """Six reports of flyers (LD09) at one spot of area JA01-01 in November 2026."""
    for day in range(10, 16):
        report(city, f"2026-11-{day} 09:00", "LD09", point=city.POINT, phone=None)
    return city


def test_a_supervisor_goes_from_a_hotspot_to_a_published_task_list_and_a_campaign(
        browser, live_server, app, hot_city, tmp_path):
    city = hot_city
    page = signed_in(browser, live_server, app, city.district_supervisor)
    page.goto(f"{live_server}/supervise/hotspots?month=2026-11")
    form = page.locator("#draw-tasks")
    assert form.is_visible()
    assert page.locator("#draw-tasks input[name=spot]").first.is_checked()
    page.fill("#draw-tasks input[name=title]", "十一月小广告任务清单")
    shot(page, "tasks-hotspots-draw")
    page.click("#draw-task-list")
    page.wait_for_url("**/supervise/tasks/*")
    assert page.locator("fieldset.task-edit").count() == 1
    assert "草稿" in page.locator("#list-status").inner_text()

    # Publishing with a task that has no assignee is refused, and nothing is published.
    select_ = page.locator("fieldset.task-edit select").first
    select_.select_option("")
    page.click("#publish")
    page.wait_for_load_state()
    assert "没有发布" in page.locator("#error").inner_text()
    assert "没有责任单位" in page.locator("#error").inner_text()
    db.session.expire_all()
    assert db.session.scalar(select(TaskList)).status == "draft"
    shot(page, "tasks-publish-refused")

    # Assign it to the area's road chief, then publish.
    page.locator("fieldset.task-edit select").first.select_option(f"chief:{city.chief.id}")
    page.click("#publish")
    page.wait_for_url("**/supervise/tasks/*")
    assert "已发布" in page.locator("#list-status").inner_text()
    assert page.locator("#tasks tr[data-task]").count() == 1
    shot(page, "tasks-published")

    # A campaign over the same category and street, for November to year's end.
    page.goto(f"{live_server}/supervise/campaigns")
    page.fill("input[name=name]", "小广告专项整治")
    page.select_option("select[name=places]", [f"street:{city.street.id}"])
    ld09 = page.locator("select[name=categories] option", has_text="LD09").get_attribute("value")
    page.select_option("select[name=categories]", [ld09])
    page.fill("input[name=first]", "2026-11-01")
    page.fill("input[name=last]", "2026-12-31")
    page.fill("input[name=target]", "98")
    page.click("#start-campaign")
    page.wait_for_url("**/supervise/campaigns/*")
    assert "小广告专项整治" in page.locator("h1").inner_text()
    assert page.locator("#campaign-headline [data-figure=on_time_rate]").is_visible()
    assert page.locator("#before-after").is_visible()
    shot(page, "tasks-campaign")
    # A second, overlapping campaign is refused with a message.
    page.goto(f"{live_server}/supervise/campaigns")
    page.fill("input[name=name]", "重复的整治")
    page.select_option("select[name=categories]", [ld09])
    page.fill("input[name=first]", "2026-12-01")
    page.fill("input[name=last]", "2026-12-15")
    page.fill("input[name=target]", "95")
    page.click("#start-campaign")
    page.wait_for_load_state()
    assert "重叠" in page.locator("#error").inner_text()
    db.session.expire_all()
    assert len(db.session.scalars(select(Campaign)).all()) == 1

    # The road chief, on a phone, finds the task in their queue and closes it with a photo.
    phone = signed_in(browser, live_server, app, city.chief, width=390, height=844)
    phone.goto(f"{live_server}/work/queue")
    assert phone.locator("#my-tasks").is_visible()
    phone.locator("#my-tasks a.title").first.click()
    phone.wait_for_url("**/work/tasks/*")
    assert phone.locator("#evidence li").count() == 6
    picture = tmp_path / "after.jpg"
    picture.write_bytes(photo((20, 160, 80), size=(800, 600)).data)
    phone.fill("textarea[name=note]", "已清理全部小广告，并张贴文明提示")
    phone.set_input_files("input[name=photos]", str(picture))
    shot(phone, "tasks-phone-close")
    phone.click("#close-task button[type=submit]")
    phone.wait_for_selector("[data-task-status=closed]")
    assert phone.locator("#task-result img").count() == 1
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the task page fits a phone's width"
    shot(phone, "tasks-phone-closed")
    db.session.expire_all()
    task = db.session.scalar(select(Task))
    assert task.status == "closed" and len(task.photos) == 1

    # The supervisor's list shows the progress.
    page.goto(f"{live_server}/supervise/tasks/{task.task_list_id}")
    assert page.locator("#progress").get_attribute("data-closed") == "1"


def test_the_campaign_report_prints_on_a4_with_its_masthead(browser, live_server, app,
                                                           hot_city):
    from datetime import date

    from app.services import clock

    city = hot_city
    campaign = Campaign(name="小广告专项整治", district_id=city.district.id, district_ids=[],
                        street_ids=[city.street.id], area_ids=[], category_ids=[],
                        first=date(2026, 11, 1), last=date(2026, 11, 30), target_on_time=0.98,
                        owner_id=city.district_supervisor.id,
                        created_by_id=city.district_supervisor.id, created_at=clock.now())
    db.session.add(campaign)
    db.session.commit()
    page = signed_in(browser, live_server, app, city.district_supervisor)
    page.goto(f"{live_server}/supervise/campaigns/{campaign.id}/report"
              "?issuer=江岸区城市运行管理中心")
    assert page.locator("#masthead-form").is_visible()
    page.emulate_media(media="print")
    assert page.locator("#masthead").is_visible()
    assert "江岸区城市运行管理中心" in page.locator("#masthead .issuer").inner_text()
    assert not page.locator("#masthead-form").is_visible()
    assert not page.locator(".staffbar").first.is_visible()
    shot(page, "tasks-campaign-report-print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
