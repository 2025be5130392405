"""The SMS job path on a real Redis with an RQ worker in burst mode; and Redis down when a
message arrives: the case is stored, the reply sent, the outbox delivered once Redis is
back (by the sweep)."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Attachment, Case, OutboxMessage, SmsMedia
from app.services import cases, delivery, mms, sms
from app.services.actors import Actor
from tests.conftest import need
from tests.sms_helpers import fake_twilio, reply_of, serve_media, text

REDIS_URL = os.environ.get("REDIS_URL")
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens there


@pytest.fixture()
def twilio(ctx):
    yield from fake_twilio(ctx)


@pytest.fixture()
def media_server():
    yield from serve_media()


def _redis_up() -> bool:
    if not REDIS_URL:
        return False
    from redis import Redis

    try:
        return Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False


@pytest.fixture(autouse=True)
def fresh_understanding(ctx):
    sms.invalidate()
    yield
    sms.invalidate()


@pytest.fixture()
def redis_queue(ctx, monkeypatch):
    need("Redis", _redis_up())
    name = f"roadchief-test-{uuid.uuid4().hex[:8]}"
    ctx.config.update(REDIS_URL=REDIS_URL, RQ_QUEUE=name)
    from flask import current_app

    from app import jobs

    # The worker's jobs build their own app; point them at this test's app.
    monkeypatch.setattr(jobs, "_context", lambda: current_app.app_context())
    q = jobs.queue()
    yield q
    q.delete(delete_jobs=True)
    ctx.config.update(REDIS_URL=None, RQ_QUEUE="roadchief")


def work(q) -> None:
    from rq import SimpleWorker

    SimpleWorker([q], connection=q.connection).work(burst=True)
    db.session.expire_all()


@pytest.mark.redis
def test_notifications_are_sent_by_the_worker_once(city, client, twilio, redis_queue):
    text(client, "中山大道井盖不见了")
    case = db.session.scalars(select(Case)).one()
    cases.dispatch(case, Actor.staff(city.dispatcher))
    pending = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.status == "pending")).all()
    assert pending and twilio.calls == []  # queued, not sent in the request
    ids = [m.id for m in pending]
    redis_queue.enqueue("app.jobs.deliver_outbox", ids)  # the same job, twice
    work(redis_queue)
    assert {m.status for m in db.session.scalars(select(OutboxMessage))} == {"sent"}
    assert len(twilio.sent) == len(ids)


@pytest.mark.redis
def test_mms_photos_are_fetched_by_the_worker(city, client, twilio, redis_queue, media_server):
    base, seen = media_server
    text(client, "中山大道井盖不见了", media=[(f"{base}/photo.jpg", "image/jpeg")])
    assert seen == [] and redis_queue.count == 1
    work(redis_queue)
    assert db.session.scalar(select(SmsMedia.status)) == "attached"
    assert db.session.scalars(select(Attachment)).one().kind == "before"


@pytest.mark.redis
def test_a_passing_twilio_failure_is_queued_again_for_later(city, client, twilio, redis_queue):
    from rq.registry import ScheduledJobRegistry

    text(client, "中山大道井盖不见了")
    twilio.script = [503]
    cases.dispatch(db.session.scalars(select(Case)).one(), Actor.staff(city.dispatcher))
    work(redis_queue)
    message = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.status != "sent")).one()
    assert message.status == "pending" and message.next_attempt_at is not None
    assert ScheduledJobRegistry(queue=redis_queue).count == 1  # retried after the backoff


def test_with_redis_down_the_case_is_stored_the_reply_sent_and_the_outbox_kept(
        city, client, twilio, ctx, media_server):
    base, seen = media_server
    ctx.config.update(REDIS_URL=DEAD_REDIS)
    try:
        response = text(client, "中山大道井盖不见了",
                        media=[(f"{base}/photo.jpg", "image/jpeg")])
        assert response.status_code == 200 and reply_of(response)
        case = db.session.scalars(select(Case)).one()
        cases.dispatch(case, Actor.staff(city.dispatcher))
    finally:
        ctx.config.update(REDIS_URL=None)
    assert case.state == "dispatched"
    waiting = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.status == "pending")).all()
    assert waiting and twilio.calls == [] and seen == []
    # Redis is back: the scheduler's sweep delivers what waited.
    assert delivery.deliver() == len(waiting)
    assert mms.fetch() == 1
    assert {m.status for m in db.session.scalars(select(OutboxMessage))} == {"sent"}
