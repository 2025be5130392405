"""Catalogue and time limits as data: a changed limit applies to cases dispatched after it,
while an open case keeps the limit it was given, and the record says which rule applied."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, CaseEvent, Category, TimeLimitRule
from app.services import cases, clock
from app.services import routing as routing_service
from app.services.actors import Actor
from app.services.admin import Invalid, commit
from app.services.admin import catalogue as catalogue_admin
from workflows.deadlines import TimeLimit, Unit
from workflows.routing import LimitKind, Urgency

RECTIFY_NORMAL = (LimitKind.RECTIFY, Urgency.NORMAL)


def _dispatched(city, at, code="LD09"):
    with clock.travel(at):
        case = cases.submit(Actor.resident(), category_code=code, description="小广告",
                            lat=city.POINT[1], lng=city.POINT[0])
        return cases.dispatch(case, city.actor(city.dispatcher))


def _category(code="LD09") -> Category:
    return db.session.scalar(select(Category).where(Category.code == code))


def test_a_changed_limit_applies_to_new_cases_and_open_cases_keep_theirs(city, t0):
    old_case = _dispatched(city, t0)
    old_rule, old_due = old_case.limit_rule_id, old_case.due_at
    assert clock.to_local(old_due).isoformat() == "2026-11-26T17:30:00"  # 1 working day

    with clock.travel(t0 + timedelta(minutes=5)):
        catalogue_admin.set_limits(city.admin, _category(),
                                   {RECTIFY_NORMAL: TimeLimit(3, Unit.WORKING_DAYS)})
        commit()
    new_case = _dispatched(city, t0 + timedelta(minutes=10))

    assert new_case.limit_rule_id != old_rule
    assert clock.to_local(new_case.due_at).isoformat() == "2026-11-30T17:30:00"  # Wed + 3
    db.session.refresh(old_case)
    assert old_case.limit_rule_id == old_rule and old_case.due_at == old_due
    dispatch_event = db.session.scalar(select(CaseEvent).where(
        CaseEvent.case_id == new_case.id, CaseEvent.action == "dispatch"))
    assert dispatch_event.data["limit_rule_id"] == new_case.limit_rule_id
    assert dispatch_event.data["limit"] == "3 working_days"


def test_changing_a_limit_closes_the_old_rule_and_keeps_it(city, t0):
    category = _category()
    before = routing_service.current_rules(category)[RECTIFY_NORMAL]
    with clock.travel(t0):
        opened = catalogue_admin.set_limits(city.admin, category,
                                            {RECTIFY_NORMAL: TimeLimit(2, Unit.WORKING_DAYS)})
        commit()
    db.session.refresh(before)
    assert before.valid_to == t0 and opened[0].valid_from == t0
    assert routing_service.current_rules(category)[RECTIFY_NORMAL].id == opened[0].id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "time_limit_rule"))
    assert entry.before == {"rule_id": before.id, "limit": "1 working_days"}
    assert entry.after == {"rule_id": opened[0].id, "limit": "2 working_days"}
    assert entry.username == "admin"


def test_an_unchanged_limit_opens_no_new_rule(city):
    category = _category()
    count = len(db.session.scalars(select(TimeLimitRule)).all())
    catalogue_admin.set_limits(city.admin, category,
                               {RECTIFY_NORMAL: TimeLimit(1, Unit.WORKING_DAYS)})
    commit()
    assert len(db.session.scalars(select(TimeLimitRule)).all()) == count


def test_the_limits_grid_refuses_a_zero_or_a_huge_amount(city):
    form = {"rectify_normal_amount": "0", "rectify_normal_unit": "working_days",
            "verify_urgent_amount": "99999", "verify_urgent_unit": "working_hours"}
    with pytest.raises(Invalid) as refused:
        catalogue_admin.limits_form(form)
    assert set(refused.value.problems) == {"rectify_normal", "verify_urgent"}


def _form(**overrides):
    data = {"code": "HF11", "grp": "high_frequency", "name_zh": "积水", "name_en": "Flooding",
            "handler": "municipal_roads", "keywords": "积水, 内涝；水浸", "active": "yes",
            "sort": "30", "reminder_thresholds": "50, 75, 90",
            "escalate_district_hours": "12", "escalate_city_hours": "48",
            "rectify_normal": "4 working_hours"}
    data.update(overrides)
    return data


def test_a_new_category_gets_every_limit_and_its_keywords(city):
    category = catalogue_admin.save_category(city.admin, _form())
    commit()
    rules = routing_service.current_rules(category)
    assert len(rules) == 9
    assert rules[RECTIFY_NORMAL].limit == TimeLimit(4, Unit.WORKING_HOURS)
    assert rules[(LimitKind.RECTIFY, Urgency.URGENT)].limit == TimeLimit(2, Unit.WORKING_HOURS)
    assert category.keywords == ["积水", "内涝", "水浸"]
    assert category.reminder_thresholds == [0.5, 0.75, 0.9]
    assert category.escalation_delays == {"district": 12, "city": 48}


@pytest.mark.parametrize(("overrides", "field"), [
    ({"code": "LD09"}, "code"),  # duplicate code
    ({"code": "flood"}, "code"),
    ({"handler": "fire_brigade"}, "handler"),  # no agency handles it: unroutable
    ({"name_en": ""}, "name_en"),
    ({"reminder_thresholds": "80, 50"}, "reminder_thresholds"),
    ({"reminder_thresholds": "150"}, "reminder_thresholds"),
    ({"escalate_city_hours": "6"}, "escalate_city_hours"),  # before the district
    ({"rectify_normal": "3 fortnights"}, "rectify_normal"),
])
def test_a_bad_category_is_refused_field_by_field_and_nothing_is_written(city, overrides,
                                                                          field):
    count = len(catalogue_admin.categories())
    with pytest.raises(Invalid) as refused:
        catalogue_admin.save_category(city.admin, _form(**overrides))
    db.session.rollback()
    assert field in refused.value.problems
    assert len(catalogue_admin.categories()) == count


def test_an_edit_is_recorded_with_before_and_after(city):
    category = _category("LD03")
    data = catalogue_admin.category_row(category)
    data["name_en"] = "Cars parked where they must not be"
    catalogue_admin.save_category(city.admin, data, category)
    commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "category"))
    assert entry.entity_key == "LD03" and entry.action == "update"
    assert entry.before == {"name_en": "Illegal motor-vehicle parking"}
    assert entry.after == {"name_en": "Cars parked where they must not be"}
