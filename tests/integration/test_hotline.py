"""The hotline operator: a case for the caller (channel hotline, the caller as reporter, who
then hears about it by SMS like any resident), suggestions from the SMS understanding
engine, the caller's earlier cases, status answers and call notes — and bad input that
writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, CaseEvent, CaseFollower, Contact, OutboxMessage
from app.services import cases, clock, hotline
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.notifications import display_code
from tests.intake_helpers import CALLER, CALLER_E164, operator, rule


def _take(city, user, **kw):
    values = dict(phone=CALLER, description="解放大道上有人乱停车，堵住了人行道",
                  category="LD03", area_id=city.area.id)
    values.update(kw)
    return hotline.take(user, **values)


def test_a_call_makes_a_hotline_case_with_the_caller_as_reporter_who_gets_the_receipt(city,
                                                                                      t0):
    op = operator(city)
    with clock.travel(t0):
        case = _take(city, op)
    case = cases.get_case(case.id)
    assert case.channel == "hotline" and case.area_id == city.area.id
    assert case.reporter.phone == CALLER_E164
    follower = db.session.scalar(select(CaseFollower).where(CaseFollower.case_id == case.id))
    assert follower.kind == "reporter"
    submit = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id))
    assert submit.actor_role == "operator" and submit.actor_user_id == op.id
    receipt = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.case_id == case.id, OutboxMessage.to_phone == CALLER_E164))
    assert receipt is not None and display_code(case.code) in receipt.body


def test_a_hotline_case_goes_round_the_whole_loop_and_the_caller_is_asked_to_rate(city, t0):
    from datetime import timedelta

    from tests.factories import photo
    from tests.work_helpers import assignee_of

    op = operator(city)
    rule("hotline", "LD09", at_once=True)
    with clock.travel(t0):
        case = _take(city, op, category="LD09", description="电线杆上贴满了小广告")
    assert case.state == "dispatched"
    who = assignee_of(city, case)
    with clock.travel(t0 + timedelta(minutes=10)):
        cases.sign_for(case.id, who)
    with clock.travel(t0 + timedelta(minutes=40)):
        cases.rectify(case.id, who, note="已清除", photos=[photo()])
    with clock.travel(t0 + timedelta(hours=1)):
        cases.verify(case.id, city.actor(city.inspector), passed=True)
    texts = db.session.scalars(select(OutboxMessage.body).where(
        OutboxMessage.case_id == case.id, OutboxMessage.to_phone == CALLER_E164)
        .order_by(OutboxMessage.id)).all()
    assert len(texts) >= 2  # the receipt, ..., the closing message with its rating request


def test_the_engine_suggests_category_and_place_as_the_operator_types(city):
    found = hotline.suggest("黄浦路上电线杆贴满小广告")
    assert found.category == "LD09" and found.area_id == city.area2.id
    assert "黄浦路" in found.roads
    assert hotline.suggest("").category is None


def test_a_barred_category_is_not_suggested_nor_accepted(city, t0):
    op = operator(city)
    rule("hotline", "LD09", allowed=False)
    assert hotline.suggest("电线杆贴满小广告").category is None
    with clock.travel(t0), pytest.raises(Forbidden) as refused:
        _take(city, op, category="LD09")
    assert refused.value.field == "category"
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_the_callers_earlier_cases_are_listed_newest_first(city, t0):
    from datetime import timedelta

    op = operator(city)
    with clock.travel(t0 - timedelta(days=3)):
        older = _take(city, op)
    with clock.travel(t0):
        newer = _take(city, op, category="LD04", description="门口堆满杂物")
    assert [c.id for c in hotline.caller_cases(op, CALLER_E164)] == [newer.id, older.id]
    assert hotline.caller_cases(op, "+8613911119999") == []


def test_a_district_operator_sees_only_their_districts_cases(city, t0):
    op = operator(city)
    local = operator(city, "far_op", district_id=city.other_district.id)
    with clock.travel(t0):
        case = _take(city, op)
    assert hotline.caller_cases(local, CALLER_E164) == []
    with pytest.raises(NotFound):
        hotline.find_case(local, case.code)


def test_status_by_code_or_by_number(city, t0):
    op = operator(city)
    with clock.travel(t0):
        case = _take(city, op)
    assert hotline.status(op, case.code) == ("code", [case])
    assert hotline.status(op, f"{case.code[:4]}-{case.code[4:]}".lower())[1][0].id == case.id
    assert [c.id for c in hotline.status(op, "139 0000 2222")[1]] == [case.id]
    assert hotline.status(op, "ZZZZZZZZ") == ("code", [])
    with pytest.raises(InvalidInput):
        hotline.status(op, "hello")


def test_a_call_note_is_added_to_the_case_record(city, t0):
    op = operator(city)
    with clock.travel(t0):
        case = _take(city, op)
        hotline.call_note(op, case.code, "来电人询问进度，已告知正在处理")
    note = db.session.scalar(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "add_note"))
    assert note.actor_role == "operator" and "询问进度" in note.note
    with pytest.raises(InvalidInput):
        hotline.call_note(op, case.code, "   ")


@pytest.mark.parametrize("change, field", [
    (dict(phone="12345"), "phone"),
    (dict(phone="027-82801234"), "phone"),  # a landline: no SMS receipts possible
    (dict(phone="139\x00001111"), "phone"),
    (dict(phone=""), "phone"),
    (dict(category="XX99"), "category"),
    (dict(area_id=None), "location"),
    (dict(area_id=None, lat=30.40, lng=114.20), "location"),
    (dict(description=""), "description"),
])
def test_bad_input_gets_a_clear_message_and_writes_nothing(city, t0, change, field):
    op = operator(city)
    with clock.travel(t0), pytest.raises(InvalidInput) as refused:
        _take(city, op, **change)
    assert refused.value.field == field and str(refused.value.message)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0
