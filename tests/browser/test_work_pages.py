"""Every staff page on a phone, filled with realistic work, saved as screenshots for a
reviewer: sign-in, the team member's and the agency's queues, the unrouted list, a
supervisor's page with escalations, overdue cases and a dissatisfied rating, the
password page."""

from datetime import timedelta

import pytest

from app.services import cases, clock
from app.services.actors import Actor
from tests.browser.conftest import shot
from tests.browser.test_work_loop import signed_in
from tests.work_helpers import closed, dispatched, in_progress, report


@pytest.mark.browser
def test_the_sign_in_page_and_its_lockout_message(live_server, new_page, city):
    page = new_page("zh-CN")
    page.goto(f"{live_server}/auth/login")
    shot(page, "work-20-sign-in")
    for _ in range(5):
        page.fill("input[name=username]", "chief")
        page.fill("input[name=password]", "not the password")
        page.click("form button[type=submit]")
    assert page.is_visible("#login-error")
    shot(page, "work-21-sign-in-locked")


@pytest.mark.browser
def test_the_team_members_and_the_agencys_queues(live_server, new_page, city):
    now = clock.now()
    mine = dispatched(city, now - timedelta(hours=1))
    cases.reassign(mine, city.actor(city.chief), assignee_user_id=city.member.id)
    member = signed_in(new_page, live_server, city.member)
    assert member.is_visible(f"li[data-code='{mine.code}']")
    shot(member, "work-22-team-member-queue")

    # Ten days back: overdue whatever the hour, weekday or holiday the suite runs on (the
    # live server reads the real clock, so a few hours back is not late after 17:30).
    parking = dispatched(city, now - timedelta(days=10), code="LD03")
    in_progress(city, now - timedelta(minutes=20), code="LD03")
    agency = signed_in(new_page, live_server, city.traffic_staff)
    card = f"li[data-code='{parking.code}']"
    assert agency.get_attribute(f"{card} [data-due]", "data-due") == "overdue"
    shot(agency, "work-23-agency-queue")


@pytest.mark.browser
def test_the_unrouted_list_and_placing_a_report(live_server, new_page, city):
    lost = report(city, clock.now(), point=city.NOWHERE, description="黄浦路江边栏杆上贴满小广告")
    dispatcher = signed_in(new_page, live_server, city.dispatcher)
    dispatcher.click("a[data-list=unrouted]")
    shot(dispatcher, "work-24-dispatcher-unrouted")
    dispatcher.click(f"li[data-code='{lost.code}'] a.title")
    assert dispatcher.is_visible("#suggestion")
    shot(dispatcher, "work-25-dispatcher-unrouted-case")
    dispatcher.click("details[data-action=dispatch] button[type=submit]")
    dispatcher.wait_for_selector("#case-state[data-state=dispatched]")


@pytest.mark.browser
def test_the_supervisors_page_with_work_to_chase(live_server, new_page, city):
    now = clock.now()
    late = in_progress(city, now - timedelta(days=3), code="LD04")
    cases.escalate(late, level=1, reason="超期未整改")
    unhappy = closed(city, now - timedelta(hours=3))
    cases.rate(unhappy, Actor.resident(unhappy.reporter), score=3, comment="还有残留")
    supervisor = signed_in(new_page, live_server, city.street_supervisor)
    assert supervisor.is_visible(f"#overdue li[data-code='{late.code}']")
    assert supervisor.is_visible(f"#ratings li[data-code='{unhappy.code}']")
    shot(supervisor, "work-26-supervisor-full")
    supervisor.click(f"#ratings li[data-code='{unhappy.code}'] summary")
    supervisor.fill(f"#ratings li[data-code='{unhappy.code}'] textarea[name=reason]",
                    "回访不满意，重新处置")
    supervisor.click(f"#ratings li[data-code='{unhappy.code}'] form button[type=submit]")
    supervisor.wait_for_selector(".flash-success")
    assert not supervisor.is_visible(f"#ratings li[data-code='{unhappy.code}']")


@pytest.mark.browser
def test_the_password_page(live_server, new_page, city):
    chief = signed_in(new_page, live_server, city.chief)
    chief.click("a[href='/auth/password']")
    shot(chief, "work-27-password")
    chief.fill("input[name=current]", "correct horse battery")
    chief.fill("input[name=new]", "a much longer secret")
    chief.fill("input[name=repeat]", "a much longer secret")
    chief.click("form.stack button[type=submit]")
    chief.wait_for_selector(".flash-success")
    chief.click("#sign-out")
    chief.wait_for_url("**/auth/login")
