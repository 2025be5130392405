"""At the same moment on two real database connections (PostgreSQL under CI): Twilio's
retry of a message while the first delivery is still being handled makes one case; two
workers sending the same outbox row send it once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, InboundMessage, OutboxMessage
from app.services import cases, delivery, sms
from app.services.actors import Actor
from tests.sms_helpers import fake_twilio, new_sid


@pytest.fixture()
def twilio(ctx):
    yield from fake_twilio(ctx)


def together(app, work, n: int = 2) -> list:
    """Run ``work()`` in n threads, each with its own app context (session, connection),
    released at the same instant."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        with app.app_context():
            barrier.wait(10)
            try:
                results[i] = work()
            except Exception as exc:  # noqa: BLE001 - reported to the test
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_the_same_message_sid_at_the_same_moment_makes_one_case(city, app, twilio):
    sms.invalidate()
    sid = new_sid()
    message = sms.Inbound(sid=sid, from_phone="+8613900001111", body="中山大道井盖不见了")
    db.session.remove()
    replies = together(app, lambda: sms.receive(message))
    assert all(isinstance(r, str) and r for r in replies), replies
    assert replies[0] == replies[1]
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_two_workers_send_one_row_once(city, app, twilio):
    case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                        area_id=city.area.id, phone="+8613900001111")
    ids = list(db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.case_id == case.id)))
    db.session.execute(OutboxMessage.__table__.update().values(status="pending"))
    db.session.commit()
    twilio.calls.clear()
    db.session.remove()
    sent = together(app, lambda: delivery.deliver(ids))
    assert sorted(sent) == [0, 1]
    assert len(twilio.sent) == 1


def test_two_texts_from_one_phone_at_once_are_both_kept(city, app, twilio):
    sms.invalidate()
    messages = iter([
        sms.Inbound(sid=new_sid(), from_phone="+8613900002222", body="门口有人乱停车，堵死了"),
        sms.Inbound(sid=new_sid(), from_phone="+8613900002222", body="在中山大道这边"),
    ])
    lock = threading.Lock()

    def one():
        with lock:
            message = next(messages)
        return sms.receive(message)

    db.session.remove()
    replies = together(app, one)
    assert all(isinstance(r, str) and r for r in replies), replies
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 2
    # One opened the conversation, the other answered it: one case, nothing lost.
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
