"""Follow-up calls (回访): which closed cases are due a call, and how an outcome counts —
a reached resident's answer is their rating (in 回访率 and 满意率 as DOMAIN.md defines
them), an unreached call rates nothing, and a dissatisfied outcome may be handed to a
supervisor, who reopens the case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CaseEvent, FollowUpCall, Rating
from app.services import cases, clock, follow_up
from app.services.actors import Actor
from app.services.errors import Conflict, InvalidInput
from tests.intake_helpers import operator
from tests.work_helpers import closed


def _due_ids(user):
    return [d.case.id for d in follow_up.due(user)]


def test_unrated_cases_are_due_after_n_days_and_dissatisfied_ones_at_once(city, t0):
    op = operator(city)
    quiet = closed(city, t0 - timedelta(days=5))
    recent = closed(city, t0 - timedelta(days=1), phone="13900003333")
    unhappy = closed(city, t0 - timedelta(days=1), phone="13900004444")
    happy = closed(city, t0 - timedelta(days=6), phone="13900005555")
    anonymous = closed(city, t0 - timedelta(days=6), phone=None)
    with clock.travel(t0 - timedelta(hours=20)):
        cases.rate(unhappy, Actor.resident(unhappy.reporter), score=3, comment="没处理干净")
        cases.rate(happy, Actor.resident(happy.reporter), score=1)
    with clock.travel(t0):
        due = _due_ids(op)
    assert due == [quiet.id, unhappy.id]
    assert recent.id not in due and happy.id not in due and anonymous.id not in due


def test_a_reached_resident_gives_their_rating_which_counts_like_any_other(city, t0):
    op = operator(city)
    case = closed(city, t0 - timedelta(days=5))
    with clock.travel(t0):
        call = follow_up.record(op, case.id, reached=True, score=2, words="基本满意，希望保持")
        assert _due_ids(op) == []
    rating = db.session.get(Rating, call.rating_id)
    assert (rating.score, rating.channel, rating.comment) == (2, "hotline", "基本满意，希望保持")
    assert rating.contact_id == case.reporter_contact_id
    # 回访率 and 满意率 read the ratings of closed cases: this one is now rated, satisfied.
    from app.services.metrics_booking import record_of, with_ratings
    from workflows.metrics import facts

    f = facts(with_ratings(case.id, record_of(cases.get_case(case.id))), clock.zone())
    assert (f.with_contact, f.r1, f.r2, f.r3) == (1, 0, 1, 0)


def test_an_unreached_call_is_kept_but_rates_nothing(city, t0):
    op = operator(city)
    case = closed(city, t0 - timedelta(days=5))
    with clock.travel(t0):
        call = follow_up.record(op, case.id, reached=False, score=None, words="无人接听")
    assert call.rating_id is None and call.score is None
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0


def test_a_dissatisfied_outcome_is_handed_to_a_supervisor_who_reopens(city, t0):
    op = operator(city)
    case = closed(city, t0 - timedelta(days=5))
    with clock.travel(t0):
        follow_up.record(op, case.id, reached=True, score=3, words="问题又出现了",
                         hand_over=True)
    handed = follow_up.handed(city.street_supervisor)
    assert [c.id for _call, c in handed] == [case.id]
    note = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                     CaseEvent.action == "add_note"))
    assert "问题又出现了" in note.note and note.actor_role == "operator"
    assert follow_up.handed(city.street2_supervisor) == []  # another street's supervisor
    with clock.travel(t0 + timedelta(hours=1)):
        cases.reopen(case.id, city.actor(city.street_supervisor), reason="回访不满意")
    assert cases.get_case(case.id).state == "in_progress"
    assert follow_up.handed(city.street_supervisor) == []


def test_a_case_already_rated_dissatisfied_keeps_its_rating_and_records_the_call(city, t0):
    op = operator(city)
    case = closed(city, t0 - timedelta(days=2))
    with clock.travel(t0 - timedelta(days=1)):
        cases.rate(case, Actor.resident(case.reporter), score=3)
    with clock.travel(t0):
        call = follow_up.record(op, case.id, reached=True, score=3, words="还是不满意",
                                hand_over=True)
    assert call.rating_id is None
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 1


@pytest.mark.parametrize("kw, field", [
    (dict(reached=True, score=None), "score"),
    (dict(reached=True, score=7), "score"),
    (dict(reached=True, score=1, hand_over=True), "hand_over"),
    (dict(reached=False, score=None, hand_over=True), "hand_over"),
    (dict(reached=True, score=1, words="很" * 1001), "words"),
])
def test_bad_outcomes_are_refused_and_write_nothing(city, t0, kw, field):
    op = operator(city)
    case = closed(city, t0 - timedelta(days=5))
    kw.setdefault("words", "")
    with clock.travel(t0), pytest.raises(InvalidInput) as refused:
        follow_up.record(op, case.id, **kw)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(FollowUpCall)) == 0
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0


def test_no_call_is_recorded_on_a_case_that_is_open_again(city, t0):
    op = operator(city)
    case = closed(city, t0 - timedelta(days=5))
    with clock.travel(t0 - timedelta(days=1)):
        cases.reopen(case.id, city.actor(city.street_supervisor), reason="复查发现问题")
    with clock.travel(t0), pytest.raises(Conflict):
        follow_up.record(op, case.id, reached=False, score=None, words="")


def test_the_call_list_leaves_out_anonymous_reports_and_masks_numbers_until_shown(city, t0, app):
    from app.models import AuditEntry
    from tests.work_helpers import client_for

    op = operator(city)
    named = closed(city, t0 - timedelta(days=5), phone="13900006666")
    secret = closed(city, t0 - timedelta(days=5), phone="13900007777", anonymous=True)
    with clock.travel(t0):
        assert named.id in _due_ids(op) and secret.id not in _due_ids(op)
    db.session.commit()
    client = client_for(app, op)
    with clock.travel(t0):
        page = client.get("/hotline/follow-ups").get_data(as_text=True)
    assert "13900006666" not in page and "139****6666" in page
    assert "13900007777" not in page and "7777" not in page
    views = db.session.scalar(select(func.count()).select_from(AuditEntry))
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    shown = client.post(f"/work/cases/{named.id}/reporter-phone", data={"csrf_token": token})
    assert shown.status_code == 200 and "13900006666" in shown.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == views + 1
