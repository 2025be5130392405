"""With REDIS_URL, outbox delivery is a job on a real Redis, run by an RQ worker; with
Redis down the report and its messages are kept."""

import os
import uuid

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Case, OutboxMessage
from app.services import cases, clock
from app.services.actors import Actor
from tests.conftest import need

REDIS_URL = os.environ.get("REDIS_URL")


def _redis_up() -> bool:
    if not REDIS_URL:
        return False
    from redis import Redis

    try:
        return Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False


@pytest.fixture()
def redis_queue(ctx):
    need("Redis", _redis_up())
    name = f"roadchief-test-{uuid.uuid4().hex[:8]}"
    ctx.config.update(REDIS_URL=REDIS_URL, RQ_QUEUE=name)
    from app import jobs

    q = jobs.queue()
    yield q
    q.delete(delete_jobs=True)
    ctx.config.update(REDIS_URL=None, RQ_QUEUE="roadchief")


@pytest.mark.redis
def test_messages_are_queued_on_redis_and_sent_by_a_worker(city, t0, redis_queue, monkeypatch):
    from rq import SimpleWorker

    with clock.travel(t0):
        case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                            lat=city.POINT[1], lng=city.POINT[0], phone="13900001111")
    message = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.case_id == case.id)).one()
    assert message.status == "pending"  # not sent in the request
    assert redis_queue.count == 1

    # The worker's job builds its own app; point it at this test's app.
    from app import jobs

    monkeypatch.setattr(jobs, "_context", lambda: city_app_context(case))
    SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "sent"


@pytest.mark.redis
def test_many_reports_at_once_need_one_delivery_job_and_none_is_missed(city, t0, redis_queue,
                                                                       monkeypatch):
    from rq import SimpleWorker

    from app import jobs

    def report(n):
        with clock.travel(t0):
            return cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                                lat=city.POINT[1], lng=city.POINT[0], phone=f"1390000{n:04d}")

    first = [report(n) for n in range(5)]
    assert redis_queue.count == 1  # one job on its way delivers all five
    monkeypatch.setattr(jobs, "_context", lambda: city_app_context(None))
    SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)
    later = report(9)  # after the job ran: a job of its own
    assert redis_queue.count == 1
    SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)
    db.session.expire_all()
    statuses = db.session.scalars(select(OutboxMessage.status).where(
        OutboxMessage.case_id.in_([c.id for c in [*first, later]]))).all()
    assert statuses == ["sent"] * 6


@pytest.mark.redis
def test_a_delivery_job_out_of_time_hands_the_rest_to_a_new_job(city, t0, redis_queue,
                                                               monkeypatch):
    from rq import SimpleWorker
    from rq.registry import FinishedJobRegistry

    from app import jobs

    monkeypatch.setattr(jobs, "DELIVER_SECONDS", -1)
    with clock.travel(t0):
        made = [cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                             lat=city.POINT[1], lng=city.POINT[0], phone=f"1390000{n:04d}")
                for n in range(3)]
    monkeypatch.setattr(jobs, "_context", lambda: city_app_context(None))
    SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)
    db.session.expire_all()
    assert FinishedJobRegistry(queue=redis_queue).count == 2  # the first kicked a second
    assert db.session.scalars(select(OutboxMessage.status).where(
        OutboxMessage.case_id.in_([c.id for c in made]))).all() == ["sent"] * 3


def city_app_context(case):
    from flask import current_app

    return current_app.app_context()


def test_a_down_redis_keeps_the_report_and_its_messages(city, t0, ctx):
    ctx.config.update(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    try:
        with clock.travel(t0):
            case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                                lat=city.POINT[1], lng=city.POINT[0], phone="13900001111")
    finally:
        ctx.config.update(REDIS_URL=None)
    assert db.session.get(Case, case.id).state == "submitted"
    pending = db.session.scalars(select(OutboxMessage.status)).all()
    assert pending == ["pending"]
