"""At the same moment on two real database connections (PostgreSQL under CI): WeChat's
redelivery of a message while the first is still being handled (it waits only 5 s) makes
one case, one contact and the same reply."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, Contact, InboundMessage
from app.services import sms
from tests.integration.test_sms_concurrency import together
from tests.wechat_helpers import configure, post_plain, text_xml, unconfigure


def test_the_same_msgid_at_the_same_moment_makes_one_case(city, app):
    configure(app, None)
    sms.invalidate()
    xml = text_xml("中山大道有车停在人行道上")
    db.session.remove()
    try:
        replies = together(app, lambda: post_plain(app.test_client(), xml).reply)
    finally:
        unconfigure(app)
    assert all(isinstance(r, str) and "已收到" in r for r in replies), replies
    assert replies[0] == replies[1]
    for model in (Case, InboundMessage, Contact):
        assert db.session.scalar(select(func.count()).select_from(model)) == 1
