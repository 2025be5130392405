"""Door changes made for the staff screens: an extension must end in the future, a
dispatcher may correct the category while dispatching, and a note carries a version."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CaseEvent, CaseRequest
from app.services import cases, clock
from app.services.errors import Conflict, InvalidInput
from tests.work_helpers import in_progress, report


@pytest.fixture(autouse=True)
def _messages_in_english(ctx):
    """These tests read the messages' English wording (Chinese is the default)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield



def test_an_extension_to_a_time_already_past_is_refused(city, t0):
    case = in_progress(city, t0, code="LD04")  # 4 working hours: due the same afternoon
    asked = case.due_at - timedelta(hours=1)  # in time ...
    with clock.travel(asked), pytest.raises(InvalidInput) as refused:
        cases.request_extension(case, city.actor(city.chief), reason="来不及",
                                new_due_at=asked - timedelta(hours=1))  # ... for a past time
    assert refused.value.field == "new_deadline"
    assert "future" in str(refused.value) or "未来" in str(refused.value)
    assert db.session.scalars(select(CaseRequest)).all() == []


def test_an_extension_later_than_now_and_the_deadline_is_accepted(city, t0):
    case = in_progress(city, t0, code="LD04")
    asked = case.due_at - timedelta(minutes=30)  # asked for before the deadline
    with clock.travel(asked):
        cases.request_extension(case, city.actor(city.chief), reason="材料未到",
                                new_due_at=asked + timedelta(days=1))
    assert db.session.scalars(select(CaseRequest)).one().status == "pending"


def test_dispatch_may_correct_the_category_and_routes_by_the_new_one(city, t0):
    case = report(city, t0, code="HF99")  # "anything else": the road chief
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher), category_code="lD03")
    assert case.category.code == "LD03" and case.assignee_agency_id == city.traffic.id
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                        CaseEvent.action == "dispatch")).one()
    assert event.data["category_from"] == "HF99" and event.data["category"] == "LD03"
    assert event.data["route"] == "auto"


def test_dispatch_refuses_an_unknown_category_and_changes_nothing(city, t0):
    case = report(city, t0)
    with clock.travel(t0), pytest.raises(InvalidInput) as refused:
        cases.dispatch(case, city.actor(city.dispatcher), category_code="XX01")
    assert refused.value.field == "category"
    db.session.expire_all()
    assert case.state == "submitted" and case.category.code == "LD09"


def test_a_note_with_a_stale_version_is_refused(city, t0):
    case = in_progress(city, t0)
    version = case.version
    cases.add_note(case, city.actor(city.chief), note="一", expected_version=version)
    with pytest.raises(Conflict):
        cases.add_note(case, city.actor(city.chief), note="一", expected_version=version)
