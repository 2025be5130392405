"""The sweep: reminders and three-level escalation, exactly once, on the working clock."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, CaseEvent, CaseStep, OutboxMessage
from app.services import cases, clock, sweep
from app.services.actors import Actor
from tests.conftest import IS_POSTGRES, need
from tests.factories import photo

H = timedelta(hours=1)


def parking_case(city, at):
    """Flyers, urgent (1 working day), signed for by the road chief at ``at``."""
    with clock.travel(at):
        case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                            lat=city.POINT[1], lng=city.POINT[0], phone="13900001111")
        cases.dispatch(case, city.actor(city.dispatcher), urgency="urgent")  # 1 working day/2
        cases.sign_for(case, city.actor(city.chief))
    return case


def messages_to(phone):
    return db.session.scalars(select(OutboxMessage.body).where(
        OutboxMessage.to_phone == phone).order_by(OutboxMessage.id)).all()


def run(at):
    with clock.travel(at):
        return sweep.sweep()


def test_nothing_due_reads_nothing(city, t0):
    parking_case(city, t0)
    assert run(t0 + timedelta(minutes=5))["cases"] == 0


def test_reminders_at_half_and_80_percent_then_escalation_street_district_city(city, t0):
    case = parking_case(city, t0)  # Wed 09:00 local; LD09 urgent = 1 working day -> Thu 17:30
    chief_phone = city.chief.phone
    assert clock.to_local(case.due_at).isoformat() == "2026-11-26T17:30:00"
    before = len(messages_to(chief_phone))
    run(t0 + timedelta(hours=24))  # Thu 09:00: 7 of 13.5 working hours
    reminders = messages_to(chief_phone)[before:]
    assert len(reminders) == 1 and "50%" in reminders[0]
    run(t0 + timedelta(hours=24, minutes=5))
    assert len(messages_to(chief_phone)[before:]) == 1  # not twice
    run(t0 + timedelta(hours=30))  # Thu 15:00: 11 of 13.5
    assert len(messages_to(chief_phone)[before:]) == 2
    run(t0 + timedelta(hours=32, minutes=31))  # Thu 17:31: breach
    db.session.refresh(case)
    assert case.overdue and case.escalation_level == 1
    assert len(messages_to(city.street_supervisor.phone)) == 1
    assert messages_to(city.district_supervisor.phone) == []
    run(t0 + timedelta(hours=54))  # Fri 15:00: 4 working hours after the breach -> district
    db.session.refresh(case)
    assert case.escalation_level == 2 and len(messages_to(city.district_supervisor.phone)) == 1
    run(t0 + timedelta(days=6, hours=3))  # next Tuesday noon: 16 working hours on, the city
    db.session.refresh(case)
    assert case.escalation_level == 3 and len(messages_to(city.city_supervisor.phone)) == 1
    events = db.session.scalars(select(CaseEvent.data).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "escalate")).all()
    assert [e["level"] for e in events] == [1, 2, 3]
    assert run(t0 + timedelta(days=9))["escalations"] == 0  # nothing is taken twice


def test_a_late_first_sweep_takes_every_level_once_in_order(city, t0):
    case = parking_case(city, t0)
    run(t0 + timedelta(days=10))
    db.session.refresh(case)
    assert case.escalation_level == 3
    assert db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "escalate")) == 3


def test_a_hold_stops_the_clock_and_rectification_stops_escalation(city, t0):
    case = parking_case(city, t0)
    with clock.travel(t0 + H):
        cases.request_hold(case, city.actor(city.chief), reason="需走法定程序")
        cases.approve_hold(case, city.actor(city.street_supervisor))
    assert case.next_check_at is None
    assert run(t0 + timedelta(days=30))["cases"] == 0
    with clock.travel(t0 + timedelta(days=30)):
        cases.resume(case, city.actor(city.street_supervisor))
        cases.rectify(case, city.actor(city.chief), note="已清理", photos=[photo()])
    run(t0 + timedelta(days=30, hours=2, minutes=40))  # 11:40: half the 4 h to verify
    assert len(messages_to(city.inspector.phone)) == 1  # the inspector is reminded
    run(t0 + timedelta(days=60))
    db.session.refresh(case)
    assert case.escalation_level == 0  # fixed in time: no escalation


def test_an_approved_extension_moves_the_breach(city, t0):
    case = parking_case(city, t0)
    with clock.travel(t0 + H):
        cases.request_extension(case, city.actor(city.chief), reason="需协调",
                                new_due_at=case.due_at + timedelta(days=7))
        cases.approve_extension(case, city.actor(city.street_supervisor))
    run(t0 + timedelta(days=2))
    db.session.refresh(case)
    assert case.escalation_level == 0 and not case.overdue


def test_across_national_day_the_district_waits_for_working_time(city):
    from datetime import UTC, datetime

    start = datetime(2026, 9, 30, 1, 0, tzinfo=UTC)  # 09:00 local, the eve of the holiday
    case = parking_case(city, start)  # due 2026-10-08 12:00 local? 1 working day: 10-08 17:30
    assert clock.to_local(case.due_at).isoformat() == "2026-10-08T17:30:00"
    run(datetime(2026, 10, 6, 4, 0, tzinfo=UTC))  # in the holiday: not late yet
    db.session.refresh(case)
    assert case.escalation_level == 0
    run(datetime(2026, 10, 8, 10, 0, tzinfo=UTC))  # 18:00 local: breached
    db.session.refresh(case)
    assert case.escalation_level == 1
    run(datetime(2026, 10, 9, 1, 0, tzinfo=UTC))  # 09:00 the next morning: 0.5 working hours
    db.session.refresh(case)
    assert case.escalation_level == 1
    run(datetime(2026, 10, 10, 2, 0, tzinfo=UTC))  # Saturday 10:00, a make-up working day
    db.session.refresh(case)
    assert case.escalation_level == 2


def test_two_sweeps_at_once_take_each_step_once(city, t0, app):
    need("PostgreSQL", IS_POSTGRES)
    ids = [parking_case(city, t0).id for _ in range(30)]
    db.session.remove()
    at = t0 + timedelta(days=10)
    results = []

    def one():
        with app.app_context(), clock.travel(at):
            results.append(sweep.sweep(batch=7))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with app.app_context():
        levels = db.session.scalars(select(Case.escalation_level).where(Case.id.in_(ids))).all()
        assert levels == [3] * 30
        n = db.session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.action == "escalate"))
        assert n == 90
        steps = db.session.scalar(select(func.count()).select_from(CaseStep))
        assert steps == db.session.scalar(
            select(func.count(func.distinct(CaseStep.case_id.concat(CaseStep.key)))))
        dupes = db.session.execute(select(OutboxMessage.dedupe_key, func.count()).group_by(
            OutboxMessage.dedupe_key).having(func.count() > 1)).all()
        assert dupes == []
    assert len(results) == 2  # neither sweep failed (not even on the first heartbeat)
    assert sum(r["escalations"] for r in results) == 90


@pytest.mark.parametrize("minutes", [0, 30])
def test_the_sweep_records_its_heartbeat(city, t0, minutes):
    from app.models import JobHeartbeat

    run(t0 + timedelta(minutes=minutes))
    beat = db.session.get(JobHeartbeat, "sweep")
    assert beat.finished_at is not None and beat.result["cases"] == 0


def test_the_sweep_resolves_a_message_a_dead_worker_left_sending(city, t0):
    """A worker that died after claiming a message leaves it 'sending': the sweep asks the
    provider (here the console, which has no record of it) and sends it again rather than
    leaving it (with Twilio, see test_sms_interrupted.py)."""
    from sqlalchemy import update

    parking_case(city, t0)
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(
        status="sending", claim_token="dead-worker", claimed_at=t0))
    db.session.commit()
    run(t0 + timedelta(hours=1))
    db.session.expire_all()
    resolved = db.session.get(OutboxMessage, message.id)
    assert resolved.status == "sent" and resolved.claim_token is None
