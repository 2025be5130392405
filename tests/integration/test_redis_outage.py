"""A hung Redis (it accepts connections and never answers) costs one request one short
timeout, after which Redis is left alone; the reports and their messages are kept, and
the moment Redis answers again a delivery job is queued and a worker sends them, without
waiting for the next sweep."""

from __future__ import annotations

import os
import time
import uuid

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage
from app.services import cases, clock, redis_health
from app.services.actors import Actor
from tests.conftest import need
from tests.tcp_gate import Gate

REAL_REDIS = os.environ.get("REDIS_URL")


def _report(city, t0, n: int):
    with clock.travel(t0):
        return cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                            lat=city.POINT[1], lng=city.POINT[0], phone=f"1390000{n:04d}")


def _upstream() -> tuple[str, int] | None:
    if not REAL_REDIS:
        return None
    from redis import Redis

    try:
        Redis.from_url(REAL_REDIS, socket_connect_timeout=1).ping()
    except Exception:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(REAL_REDIS)
    return parts.hostname or "127.0.0.1", parts.port or 6379


@pytest.fixture()
def gate(ctx):
    upstream = _upstream()
    gate = Gate(upstream, state="hung")
    database = REAL_REDIS.rsplit("/", 1)[-1] if REAL_REDIS else "0"
    ctx.config.update(REDIS_URL=f"redis://127.0.0.1:{gate.port}/{database}",
                      RQ_QUEUE=f"roadchief-test-{uuid.uuid4().hex[:8]}",
                      REDIS_TIMEOUT_SECONDS=0.5, REDIS_WATCH_SECONDS=0.2)
    yield gate
    ctx.config.update(REDIS_URL=None, RQ_QUEUE="roadchief", REDIS_TIMEOUT_SECONDS=1.0,
                      REDIS_WATCH_SECONDS=2)
    gate.close()


def test_a_hung_redis_is_asked_once_and_then_left_alone(city, t0, gate):
    first = _report(city, t0, 1)
    assert not redis_health.usable()
    asked = gate.accepted
    second = _report(city, t0, 2)
    assert gate.accepted == asked  # the second report did not wait for Redis at all
    statuses = db.session.scalars(select(OutboxMessage.status).where(
        OutboxMessage.case_id.in_([first.id, second.id]))).all()
    assert statuses == ["pending", "pending"]  # kept, to be sent


@pytest.mark.redis
def test_when_redis_returns_a_worker_delivers_the_pending_messages(city, t0, gate,
                                                                   monkeypatch):
    need("Redis", gate.upstream is not None)
    from flask import current_app
    from rq import SimpleWorker

    from app import jobs

    made = [_report(city, t0, n) for n in range(2)]
    gate.open = True  # Redis answers again
    queue = jobs.queue()
    deadline = time.monotonic() + 15
    while queue.count == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert queue.count == 1, "the return of Redis should queue one delivery job"
    monkeypatch.setattr(jobs, "_context", lambda: current_app.app_context())
    try:
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    finally:
        queue.delete(delete_jobs=True)
    db.session.expire_all()
    assert db.session.scalars(select(OutboxMessage.status).where(
        OutboxMessage.case_id.in_([c.id for c in made]))).all() == ["sent", "sent"]
    assert redis_health.usable()
