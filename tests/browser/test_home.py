"""The start page in a real headless Chromium (Debian's binary, driven by Playwright)."""

import pytest

from tests.browser.conftest import shot


@pytest.mark.browser
def test_a_phone_browser_sees_the_start_page_in_chinese_and_can_switch(live_server, page):
    page.goto(live_server + "/")
    assert page.locator("a.brand").inner_text() == "路长制"
    assert page.locator("li[data-state=submitted] span").inner_text() == "待受理"
    shot(page, "home-zh")
    page.click("text=English")
    assert page.locator("a.brand").inner_text() == "Road Chief"
    assert page.locator("li[data-state=submitted] span").inner_text() == "Waiting for triage"
