"""The WeChat channel's job path on a real Redis with an RQ worker in burst mode: the photo
is fetched through the media API and the progress message sent as a template message by
the worker, and every worker shares one access token (kept in Redis)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Attachment, Case, OutboxMessage, SmsMedia
from app.services import cases, sms, wechat_api
from app.services.actors import Actor
from tests.integration.test_sms_redis import redis_queue, work  # noqa: F401 - a fixture
from tests.wechat_helpers import (
    APP_ID,
    OPENID,
    FakeWeChat,
    configure,
    image_xml,
    jpeg_bytes,
    post_plain,
    text_xml,
    unconfigure,
)


@pytest.fixture()
def fake_wechat(ctx):
    fake = FakeWeChat()
    fake.media["MEDIA-photo-1"] = ("image/jpeg", jpeg_bytes())
    fake.start()
    configure(ctx, fake, templates={"dispatch": "TPL-DISPATCH-0001"})
    sms.invalidate()
    yield fake
    unconfigure(ctx)
    sms.invalidate()
    fake.stop()


@pytest.mark.redis
def test_the_worker_fetches_the_photo_and_sends_the_template_with_one_shared_token(
        city, client, fake_wechat, redis_queue):  # noqa: F811 - the fixture
    from flask import current_app
    from redis import Redis

    Redis.from_url(current_app.config["REDIS_URL"]).delete(
        f"roadchief-wechat:{APP_ID}_access_token")
    post_plain(client, image_xml("MEDIA-photo-1"))
    post_plain(client, text_xml("中山大道有车停在人行道上"))
    assert fake_wechat.calls == [] and redis_queue.count == 1  # queued, not fetched
    work(redis_queue)
    assert db.session.scalar(select(SmsMedia.status)) == "attached"
    assert db.session.scalars(select(Attachment)).one().kind == "before"
    case = db.session.scalars(select(Case)).one()
    wechat_api._clients.clear()  # as if another worker process sent the next message
    cases.dispatch(case, Actor.staff(city.dispatcher))
    work(redis_queue)
    sent = fake_wechat.of("message/template/send")
    assert [c["json"]["touser"] for c in sent] == [OPENID]
    assert db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.channel == "wechat", OutboxMessage.provider_id != "passive")
    ).one().status == "sent"
    assert fake_wechat.tokens_issued == 1  # the second "worker" found it in Redis
