"""In a real headless Chromium: the report form keeps what the resident typed when sending
fails (the server was down) and offers it again; the pages run under their
Content-Security-Policy without a single violation; a place whose name is markup shows on
the map as text."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.browser.conftest import shot

pytestmark = pytest.mark.browser


def _csp_violations(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text)
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    return found


def test_a_report_typed_while_the_server_is_down_is_offered_again(live_server, new_page, city):
    page = new_page("zh-CN", csp=True)
    violations = _csp_violations(page)
    page.goto(live_server + "/report")
    page.click("label:has(input[value=LD09])")
    page.select_option("#area_id", str(city.area.id))
    page.fill("#description", "解放大道路灯杆上贴满了小广告")
    page.fill("#phone", "13900001111")
    page.wait_for_timeout(400)  # the draft is saved a moment after typing stops
    # The database is down: the send answers 503 (what the app answers then).
    page.route("**/report", lambda route: route.fulfill(
        status=503, content_type="text/html; charset=utf-8",
        body="<h1>服务暂时不可用</h1>") if route.request.method == "POST" else route.continue_())
    page.click("#send")
    page.wait_for_load_state()
    assert "服务暂时不可用" in page.content()
    page.unroute("**/report")

    page.goto(live_server + "/report")  # later: the form opens empty ...
    offer = page.locator("#draft-offer")
    offer.wait_for(state="visible")
    assert page.input_value("#description") == ""
    shot(page, "report-draft-offered-zh")
    offer.locator("[data-draft-restore]").click()  # ... and fills in again
    assert page.input_value("#description") == "解放大道路灯杆上贴满了小广告"
    assert page.input_value("#phone") == "13900001111"
    assert page.is_checked("input[name=category][value=LD09]")
    assert page.input_value("#area_id") == str(city.area.id)

    page.click("#send")  # sent for real: the confirmation deletes the draft
    page.wait_for_selector("#confirmation")
    page.goto(live_server + "/report")
    page.wait_for_load_state("networkidle")
    assert page.locator("#draft-offer").is_hidden()
    assert violations == []


def test_a_place_named_as_markup_shows_as_text_on_the_map(live_server, new_page, city):
    for area in (city.area, city.area2, city.area3, city.far_area):  # whichever is hovered
        area.name_zh = area.name_en = '<img src=x onerror="window.pwned=1">'
    db.session.commit()
    page = new_page("en", csp=True)
    violations = _csp_violations(page)
    page.goto(live_server + "/report?lang=en")
    page.locator(".leaflet-interactive").first.wait_for(state="attached")
    page.locator(".leaflet-interactive").first.hover(force=True)
    page.wait_for_timeout(300)
    tips = page.locator(".leaflet-tooltip")
    if tips.count():
        assert "<img" in tips.first.inner_text()
    assert page.evaluate("window.pwned === undefined")
    assert page.locator(".leaflet-tooltip img").count() == 0
    assert violations == []


@pytest.mark.parametrize("path", ["/", "/cases", "/track"])
def test_public_pages_run_under_their_policy_without_a_violation(live_server, new_page, city,
                                                                 path):
    page = new_page("zh-CN", csp=True)
    violations = _csp_violations(page)
    page.goto(live_server + path)
    page.wait_for_load_state("networkidle")
    assert violations == []
