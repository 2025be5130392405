"""A supervisor's walk in headless Chromium: from a hotspot to a watched problem point,
then the month's assessment published and its red and black lists in the bulletin.
Screenshots go to test-results/screenshots/points-*.png for a reviewer."""

import pytest

from tests.browser.conftest import shot
from tests.browser.test_supervise_pages import lived_city, signed_in  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_supervisor_watches_a_hotspot_as_a_point_and_publishes_the_assessment(
        browser, live_server, app, lived_city):  # noqa: F811
    page = signed_in(browser, live_server, app, lived_city.city_supervisor)
    page.goto(f"{live_server}/supervise/hotspots?month=2026-10")
    page.get_by_role("link", name="纳入问题集中点位整治").first.click()
    assert page.locator("input[name=lat]").input_value() != ""
    assert page.locator("input[name=categories][value=LD09]").is_checked()
    page.fill("input[name=name]", "解放大道小广告集中点")
    page.get_by_role("button", name="纳入整治").click()
    assert page.locator("#point-status").inner_text() == "整改中"
    assert page.locator("#point-history li").count() == 1
    shot(page, "points-detail-zh")
    page.get_by_role("link", name="全部问题集中点位").click()
    assert "解放大道小广告集中点" in page.locator("#points").inner_text()
    shot(page, "points-list-zh")

    page.goto(f"{live_server}/supervise/assessment?month=2026-11")
    assert page.locator("#assessment-state [data-published=no]").count() == 1
    page.get_by_role("button", name="发布并冻结本月考核结果").click()
    assert page.locator("#assessment-state [data-published=yes]").count() == 1
    assert page.locator("table.assessment tbody tr").count() >= 4
    shot(page, "points-assessment-zh")
    page.goto(f"{live_server}/supervise/bulletin?month=2026-11")
    lists = page.locator("#assessment-lists")
    assert "红榜" in lists.inner_text() and "黑榜" in lists.inner_text()
    assert page.locator("#coverage").is_visible()
