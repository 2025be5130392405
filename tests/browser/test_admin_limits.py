"""An administrator changes a time limit in a real browser; a case dispatched afterwards gets
the new limit while a case already open keeps the old one, and the page shows which rule
each was given."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Category
from app.services import cases, clock
from app.services import routing as routing_service
from app.services.actors import Actor
from tests.browser.admin_browser import admin_page
from tests.browser.conftest import shot
from workflows.routing import LimitKind, Urgency


def _dispatch(city):
    case = cases.submit(Actor.resident(), category_code="LD09", description="电线杆上小广告",
                        lat=city.POINT[1], lng=city.POINT[0])
    return cases.dispatch(case, city.actor(city.dispatcher))


@pytest.mark.browser
def test_a_new_limit_applies_to_the_next_case_and_the_open_case_keeps_its_own(
        live_server, new_page, app, city):
    category = db.session.scalar(select(Category).where(Category.code == "LD09"))
    old_rule = routing_service.current_rules(category)[(LimitKind.RECTIFY, Urgency.NORMAL)]
    open_case = _dispatch(city)
    old_due = open_case.due_at

    page = admin_page(new_page, app, live_server, city.admin)
    page.goto(live_server + f"/admin/catalogue/{category.id}#limits")
    page.fill("input[data-limit=rectify_normal]", "3")
    page.select_option("select[name=rectify_normal_unit]", "working_days")
    shot(page, "admin-limit-edit")
    page.click("text=Save the time limits")
    assert "1 time limits changed" in page.locator(".flash").first.inner_text()

    db.session.expire_all()
    new_rule = routing_service.current_rules(category)[(LimitKind.RECTIFY, Urgency.NORMAL)]
    assert new_rule.id != old_rule.id and new_rule.amount == 3
    new_case = _dispatch(city)
    db.session.refresh(open_case)
    assert open_case.limit_rule_id == old_rule.id and open_case.due_at == old_due
    assert new_case.limit_rule_id == new_rule.id and new_case.due_at > old_due

    page.reload()
    old_row = page.locator(f"tr[data-case='{open_case.code}']")
    new_row = page.locator(f"tr[data-case='{new_case.code}']")
    assert old_row.locator("td[data-rule]").get_attribute("data-rule") == str(old_rule.id)
    assert "1 working days" in old_row.inner_text()
    assert new_row.locator("td[data-rule]").get_attribute("data-rule") == str(new_rule.id)
    assert "3 working days" in new_row.inner_text()
    assert page.locator(f"tr[data-rule-row='{old_rule.id}']").get_attribute("class") == \
        "inactive"
    shot(page, "admin-limit-cases")
    assert clock.to_local(new_case.due_at).date() > clock.to_local(old_due).date()
