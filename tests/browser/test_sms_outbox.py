"""The staff SMS outbox in a real headless Chromium: a dispatcher sees what was sent and
what failed, and sends a failed message again."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import OutboxMessage
from app.services import cases, delivery, staff_sessions
from app.services.actors import Actor
from tests.browser.conftest import shot


def sign_in(app, context, base: str, user) -> None:
    """What the sign-in page will do: a Flask-Login session cookie for this user."""
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.dumps({"_user_id": staff_sessions.start(user), "_fresh": True})
    context.add_cookies([{"name": app.config.get("SESSION_COOKIE_NAME", "session"),
                          "value": cookie, "url": base}])


@pytest.mark.browser
def test_a_dispatcher_reads_the_outbox_and_sends_a_failed_message_again(live_server, new_page,
                                                                        city, app):
    case = cases.submit(Actor.resident(), category_code="LD09", description="电线杆上贴满了小广告",
                        area_id=city.area.id, phone="13900001111")
    cases.dispatch(case, Actor.staff(city.dispatcher))
    failed = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == failed.id).values(
        status="failed", attempts=5, last_error="Twilio 500: Internal Server Error"))
    db.session.commit()

    page = new_page("zh-CN")
    sign_in(app, page.context, live_server, city.dispatcher)
    page.goto(live_server + "/sms/outbox")
    assert page.locator("h1").inner_text() != ""
    assert page.locator("tr.st-failed").count() == 1
    assert "139****1111" in page.content()
    shot(page, "sms-outbox-zh")

    page.goto(live_server + "/sms/outbox?lang=en&status=failed")
    assert "Twilio 500" in page.locator("tr.st-failed").inner_text()
    shot(page, "sms-outbox-failed-en")
    app.config["OUTBOX_DELIVERY"] = False  # keep it pending, to see it waiting
    try:
        page.click("text=Send again")
        page.wait_for_load_state()
        assert "The message will be sent again." in page.content()
    finally:
        app.config["OUTBOX_DELIVERY"] = True
    db.session.expire_all()
    assert db.session.get(OutboxMessage, failed.id).status == "pending"
    page.goto(live_server + "/sms/outbox?lang=en")
    shot(page, "sms-outbox-en")
    assert delivery.deliver() == 1
