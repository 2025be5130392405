"""The supervision pages in headless Chromium: charts drawn, red marks where a rate is
below target, drill-down by clicks, the bulletin in print layout. Screenshots go to
test-results/screenshots/supervise-*.png for a reviewer."""

import random
from datetime import timedelta

import pytest
from flask.sessions import SecureCookieSessionInterface

from app.services import cases, clock, staff_sessions
from app.services.actors import Actor
from tests.browser.conftest import shot
from tests.factories import photo
from tests.metrics_helpers import assignee, at, supervisor

pytestmark = pytest.mark.browser


@pytest.fixture()
def lived_city(city):
    """A year of cases through the one door: every area, most on time, some late, some
    reworked, rated; a recurring problem point; a few open and overdue."""
    rng = random.Random(7)
    points = [city.POINT, city.POINT2, city.POINT3]
    codes = ["LD09", "LD04", "LD06", "LD10", "HF02", "LD03"]
    start = at("2025-12-01 09:00")
    for k in range(90):
        when = start + timedelta(days=k * 355 / 90, hours=rng.randint(0, 6))
        point = rng.choice(points)
        hot = rng.random() < 0.35
        if hot:
            point = (city.POINT[0] + rng.uniform(-0.0001, 0.0001),
                     city.POINT[1] + rng.uniform(-0.0001, 0.0001))
        code = "LD09" if hot else rng.choice(codes)
        with clock.travel(when):
            case = cases.submit(Actor.resident(), category_code=code, lat=point[1],
                                lng=point[0], description="路面问题",
                                phone=None if rng.random() < 0.2 else f"1390100{k:04d}")
            cases.dispatch(case, Actor.staff(city.dispatcher))
        who = assignee(city, case)
        t = when + timedelta(minutes=rng.randint(5, 40))
        with clock.travel(t):
            cases.sign_for(case, who)
        if k > 86:
            continue  # the newest stay open (and soon overdue)
        late = rng.random() < (0.12 if point == city.POINT3 else 0.04)
        fix = case.due_at + timedelta(hours=3) if late else t + (case.due_at - t) * 0.5
        with clock.travel(fix):
            cases.rectify(case, who, note="已整改", photos=[photo()])
        with clock.travel(fix + timedelta(hours=1)):
            cases.verify(case, supervisor(city, case), passed=True, note="通过")
        if case.reporter is not None and rng.random() < 0.8:
            score = rng.choices([1, 2, 3], weights=[70, 18, 12])[0]
            with clock.travel(fix + timedelta(hours=2)):
                cases.rate(case, Actor.resident(case.reporter), score=score)
    return city


def signed_in(browser, live_server, app, user, locale="zh-CN", width=1280, height=900):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": height},
                                  bypass_csp=True,
                                  extra_http_headers={"Accept-Language": locale})
    cookie = SecureCookieSessionInterface().get_signing_serializer(app).dumps(
        {"_user_id": staff_sessions.start(user), "_fresh": True})
    context.add_cookies([{"name": "session", "value": cookie, "url": live_server}])
    return context.new_page()


def test_the_dashboard_draws_the_trend_marks_low_rates_and_drills_down_by_clicks(
        browser, live_server, app, lived_city):
    page = signed_in(browser, live_server, app, lived_city.city_supervisor)
    page.goto(f"{live_server}/supervise/?month=2026-10")
    chart = page.locator("svg.trend")
    box = chart.bounding_box()
    assert chart.is_visible() and box["width"] > 600 and box["height"] > 200
    assert page.locator("svg.trend polyline").count() >= 2
    assert page.locator("svg.trend circle").count() >= 20
    assert page.locator(".headline .big .value").first.inner_text().endswith("%")
    shot(page, "supervise-dashboard-city-zh")

    page = signed_in(browser, live_server, app, lived_city.city_supervisor, locale="en")
    page.goto(f"{live_server}/supervise/?from=2025-12-01&to=2026-11-20")
    page.get_by_role("link", name="Jiang'an District").first.click()
    page.get_by_role("link", name="Yiyuan").first.click()
    assert "Yiyuan" in page.locator(".crumbs").inner_text()
    page.locator("table.figures tbody tr td:nth-child(2) a").first.click()  # the area
    page.locator("table.figures tbody tr td:nth-child(2) a").first.click()  # its road chief
    assert "Person" in page.locator(".crumbs").inner_text()
    assert page.locator(".headline .big.below").count() >= 1  # Yiyuan's chief is often late
    shot(page, "supervise-dashboard-person-en")


def test_rankings_and_the_hotspot_map(browser, live_server, app, lived_city):
    page = signed_in(browser, live_server, app, lived_city.district_supervisor, locale="en")
    page.goto(f"{live_server}/supervise/rankings?from=2025-12-01&to=2026-11-20")
    assert page.locator("svg.bars rect").count() >= 2
    assert page.locator("svg.bars rect[fill='#c0392b']").count() >= 1  # below target: red
    shot(page, "supervise-rankings-en")

    page = signed_in(browser, live_server, app, lived_city.city_supervisor)
    page.goto(f"{live_server}/supervise/hotspots?from=2025-12-01&to=2026-11-24&radius=60")
    assert page.locator("svg.map polygon").count() == 4
    assert page.locator("svg.map circle").count() >= 1
    assert "LD09" in page.locator("table.figures tbody tr").first.inner_text()
    shot(page, "supervise-hotspots-zh")


def test_the_bulletin_prints_on_a4_and_the_dashboard_fits_a_phone(browser, live_server, app,
                                                                 lived_city):
    page = signed_in(browser, live_server, app, lived_city.city_supervisor, locale="en")
    page.goto(f"{live_server}/supervise/bulletin?month=2026-10&radius=60")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator("form.period").is_visible()
    assert page.locator("svg.trend").is_visible() and page.locator("svg.map").is_visible()
    shot(page, "supervise-bulletin-print-en")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000

    page = signed_in(browser, live_server, app, lived_city.street_supervisor, width=390,
                     height=844)
    page.goto(f"{live_server}/supervise/?month=2026-10")
    assert page.locator(".chart-frame").first.bounding_box()["width"] <= 390
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390  # no sideways page
    shot(page, "supervise-dashboard-phone-zh")
