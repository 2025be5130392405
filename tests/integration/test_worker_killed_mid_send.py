"""A delivery worker — a real `rq worker` process — killed while a message is in the
gateway's hands: the provider took the message, but the worker died before it heard back.
The next pass asks the provider (its official SDK, against a local stand-in for Tencent
Cloud SMS) instead of guessing: the message it took is recorded sent, not sent again; the
ones never handed over are sent once. Every message reaches the resident exactly once.

Needs PostgreSQL and Redis (skipped without them, required under CI)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage
from app.services import cases, clock, delivery, sms
from app.services.actors import Actor
from tests.conftest import IS_POSTGRES, need
from tests.integration.test_delivery_redis import REDIS_URL, _redis_up
from tests.integration.test_sms_tencent import _map_every_kind
from tests.tencent_helpers import APP_ID, SECRET_ID, SECRET_KEY, SIGN, TOKEN, FakeTencentSms

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class HangingTencent(FakeTencentSms):
    """Takes the ``hang_at``-th message (it will be delivered, and its report listed),
    then never answers that request."""

    def __init__(self, hang_at: int):
        super().__init__()
        self.hang_at, self.hanging, self.release = hang_at, threading.Event(), threading.Event()

    def send(self, handler, params):
        if len(self.sent) == self.hang_at:
            phone = params["PhoneNumberSet"][0]
            self.reports.append({
                "UserReceiveTime": "2026-12-07 10:00:05", "CountryCode": "86",
                "SubscriberNumber": phone[3:], "PhoneNumber": phone,
                "SerialNo": "2433:taken-before-the-kill", "ReportStatus": "SUCCESS",
                "Description": "DELIVRD", "SessionContext": params.get("SessionContext", "")})
            self.hanging.set()
            self.release.wait(60)
            return None
        return super().send(handler, params)


@pytest.fixture()
def hanging(ctx):
    need("PostgreSQL", IS_POSTGRES)
    need("Redis", _redis_up())
    fake = HangingTencent(hang_at=3)
    queue = f"roadchief-kill-{uuid.uuid4().hex[:8]}"
    settings = dict(SMS_GATEWAY="tencent", TENCENT_SECRET_ID=SECRET_ID,
                    TENCENT_SECRET_KEY=SECRET_KEY, TENCENT_SMS_APP_ID=APP_ID,
                    TENCENT_SMS_SIGN=SIGN, TENCENT_SMS_ENDPOINT=fake.endpoint,
                    TENCENT_SMS_CALLBACK_TOKEN=TOKEN, TENCENT_SMS_TIMEOUT_SECONDS=60,
                    SMS_TEMPLATE_PARAM_MAX=20, REDIS_URL=REDIS_URL, RQ_QUEUE=queue)
    before = {key: ctx.config.get(key) for key in settings}
    ctx.config.update(settings)
    _map_every_kind()
    sms.invalidate()
    env = dict(os.environ, PYTHONPATH=ROOT, SCHEDULER_IN_PROCESS="off",
               **{key: str(value) for key, value in settings.items()})
    yield fake, env
    fake.release.set()
    from app import rq_queue

    ctx.config.update(REDIS_URL=REDIS_URL)
    rq_queue.queue().delete(delete_jobs=True)
    ctx.config.update(before)
    sms.invalidate()
    fake.close()


def test_a_worker_killed_while_the_provider_holds_a_message_sends_each_message_once(
        city, hanging, ctx):
    fake, env = hanging
    ids = []
    for n in range(6):  # six web reports: six "received" messages, queued for a worker
        case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                            area_id=city.area.id, phone=f"+86139000{n:05d}")
        ids += db.session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.case_id == case.id)).all()
    db.session.commit()
    assert len(ids) == 6
    worker = subprocess.Popen(
        [sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", REDIS_URL,
         "--worker-class", "rq.worker.SimpleWorker", env["RQ_QUEUE"]],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        assert fake.hanging.wait(90), "the worker never reached the third message"
        os.killpg(worker.pid, signal.SIGKILL)  # dies with the message in Tencent's hands
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    fake.release.set()
    db.session.expire_all()
    rows = {m.id: m for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids)))}
    assert [m.status for m in rows.values()].count("sent") == 2
    cut_off = [m for m in rows.values() if m.status == "sending"]
    assert len(cut_off) == 1, [m.status for m in rows.values()]
    # The next pass (the sweep's, after the claim has gone stale) resolves it with Tencent.
    ctx.config.update(REDIS_URL=None)  # this pass runs here, as the sweep would
    with clock.travel(clock.now() + timedelta(minutes=15)):
        delivery.deliver()
    db.session.expire_all()
    rows = {m.id: m for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids)))}
    assert {m.status for m in rows.values()} == {"sent"}
    assert rows[cut_off[0].id].provider_id == "2433:taken-before-the-kill"
    contexts = [p.get("SessionContext") for p in fake.sent]
    assert sorted(contexts) == sorted(set(contexts)), "a message was sent twice"
    assert len(contexts) == 6  # each handed over exactly once, the cut-off one included
