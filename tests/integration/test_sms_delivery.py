"""Outbound SMS: every notification is an outbox row, sent through Twilio's REST client
once (claimed first), retried with backoff on a passing failure, failed visibly on a
permanent one; delivery reports move only forward; MMS photos are fetched by a job."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Attachment, CaseEvent, OutboxMessage, SmsMedia
from app.services import cases, clock, delivery, mms, sms, staff_sessions
from app.services.actors import Actor
from tests.sms_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BASE,
    FROM_NUMBER,
    fake_twilio,
    post_signed,
    serve_media,
    text,
)

PHONE = "+8613900001111"


@pytest.fixture()
def twilio(ctx):
    yield from fake_twilio(ctx)


@pytest.fixture()
def media_server():
    yield from serve_media()


@pytest.fixture(autouse=True)
def fresh_understanding(ctx):
    sms.invalidate()
    yield
    sms.invalidate()


@pytest.fixture()
def queued(ctx):
    """Messages stay pending after commit (as with a worker that has not run yet)."""
    ctx.config["OUTBOX_DELIVERY"] = False
    yield
    ctx.config["OUTBOX_DELIVERY"] = True


def a_message(city, t0) -> OutboxMessage:
    """A "received" notification for a web report, waiting in the outbox."""
    with clock.travel(t0):
        case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                            area_id=city.area.id, phone=PHONE)
    return db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.case_id == case.id)).one()


# -- sending through Twilio's REST client ----------------------------------------------------


def test_a_message_is_sent_through_twilio_with_a_status_callback(city, t0, twilio, queued):
    message = a_message(city, t0)
    assert delivery.deliver() == 1
    (call,) = twilio.calls
    assert call["method"] == "POST" and call["uri"].endswith(
        f"/Accounts/{ACCOUNT_SID}/Messages.json")
    assert call["auth"] == (ACCOUNT_SID, AUTH_TOKEN)
    assert call["data"]["To"] == PHONE and call["data"]["From"] == FROM_NUMBER
    assert call["data"]["Body"] == message.body
    assert call["data"]["StatusCallback"] == f"{BASE}/sms/status"
    db.session.refresh(message)
    assert message.status == "sent" and message.provider_id.startswith("SMout")
    assert message.attempts == 1 and message.sent_at is not None


def test_the_same_row_is_never_sent_twice_even_if_the_job_runs_twice(city, t0, twilio, queued):
    message = a_message(city, t0)
    assert delivery.deliver([message.id]) == 1
    assert delivery.deliver([message.id]) == 0
    assert delivery.deliver() == 0
    assert len(twilio.sent) == 1


def test_a_row_claimed_by_another_worker_is_left_alone(city, t0, twilio, queued):
    message = a_message(city, t0)
    token = delivery.claim(message.id)  # another worker got there first
    assert token and delivery.claim(message.id) is None
    assert delivery.deliver([message.id]) == 0 and twilio.calls == []
    db.session.refresh(message)
    assert message.status == "sending" and message.claim_token == token


def test_twilio_500_is_retried_with_backoff_then_failed_and_never_lost(city, t0, twilio, queued,
                                                                      ctx):
    message = a_message(city, t0)
    twilio.script = [500] * 5
    moment = t0
    for attempt in range(1, 5):
        with clock.travel(moment):
            assert delivery.deliver() == 0
        db.session.refresh(message)
        assert message.status == "pending" and message.attempts == attempt
        assert "500" in message.last_error
        wait = message.next_attempt_at - moment
        assert wait == timedelta(seconds=30 * 2 ** (attempt - 1))  # 30 s, 1, 2, 4 min
        with clock.travel(moment + wait - timedelta(seconds=1)):
            assert delivery.deliver() == 0  # not due yet: no call
        moment += wait
    with clock.travel(moment):
        delivery.deliver()
    db.session.refresh(message)
    assert message.status == "failed" and message.attempts == 5
    assert len(twilio.calls) == 5


def test_a_timeout_is_retried_and_then_sent(city, t0, twilio, queued):
    message = a_message(city, t0)
    twilio.script = [requests.exceptions.ReadTimeout("read timed out"), 201]
    with clock.travel(t0):
        delivery.deliver()
    db.session.refresh(message)
    assert message.status == "pending" and "timed out" in message.last_error
    with clock.travel(t0 + timedelta(minutes=1)):
        assert delivery.deliver() == 1
    db.session.refresh(message)
    assert message.status == "sent" and message.attempts == 2


def test_a_refused_number_fails_at_once(city, t0, twilio, queued):
    message = a_message(city, t0)
    twilio.script = [400]
    delivery.deliver()
    db.session.refresh(message)
    assert message.status == "failed" and message.attempts == 1 and "400" in message.last_error


def test_without_credentials_the_console_backend_logs_and_marks_sent(city, t0, queued, ctx):
    message = a_message(city, t0)
    assert delivery.deliver() == 1
    db.session.refresh(message)
    assert message.status == "sent" and message.provider_id == "console"
    with open(ctx.config["SMS_OUTBOX_LOG"], encoding="utf-8") as log:
        written = log.read()
    assert message.body in written


def test_the_console_log_masks_the_residents_number(city, t0, queued, ctx):
    message = a_message(city, t0)
    delivery.deliver()
    with open(ctx.config["SMS_OUTBOX_LOG"], encoding="utf-8") as log:
        written = log.read()
    digits = message.to_phone.removeprefix("+86")
    assert digits not in written
    assert f"to {digits[:3]}****{digits[-4:]}: {message.body}" in written


def test_a_worker_that_died_while_sending_is_resolved_not_resent_blind(city, t0, queued):
    """Without Twilio the console keeps no record to ask: the message is sent again (a
    second line in the log). With Twilio, see test_sms_interrupted.py."""
    message = a_message(city, t0)
    with clock.travel(t0):
        delivery.claim(message.id)  # ... and the worker dies
    with clock.travel(t0 + timedelta(minutes=5)):
        delivery.deliver()
    db.session.refresh(message)
    assert message.status == "sending"  # it may still be on its way: left alone
    with clock.travel(t0 + timedelta(minutes=11)):
        delivery.deliver()
    db.session.refresh(message)
    assert message.status == "sent" and message.attempts == 2


def test_a_message_for_a_number_that_opted_out_meanwhile_is_cancelled(city, t0, twilio, queued,
                                                                     client):
    message = a_message(city, t0)
    text(client, "TD", phone=PHONE)
    delivery.deliver()
    db.session.refresh(message)
    assert message.status == "cancelled" and twilio.calls == []


# -- delivery reports -----------------------------------------------------------------------


def report_status(client, provider_id: str, status: str, **extra):
    params = {"MessageSid": provider_id, "MessageStatus": status, "AccountSid": ACCOUNT_SID,
              **extra}
    return post_signed(client, "/sms/status", params)


def test_delivery_status_moves_only_forward(city, t0, twilio, queued, client):
    message = a_message(city, t0)
    delivery.deliver()
    db.session.refresh(message)
    sid = message.provider_id
    assert report_status(client, sid, "sent").status_code == 204
    assert report_status(client, sid, "delivered").status_code == 204
    assert report_status(client, sid, "sent").status_code == 204  # late, out of order
    db.session.refresh(message)
    assert message.delivery_status == "delivered"


def test_an_undelivered_report_keeps_its_error_code(city, t0, twilio, queued, client):
    message = a_message(city, t0)
    delivery.deliver()
    db.session.refresh(message)
    report_status(client, message.provider_id, "undelivered", ErrorCode="30003")
    db.session.refresh(message)
    assert message.delivery_status == "undelivered" and message.error_code == "30003"


def test_an_unsigned_delivery_report_is_refused(city, t0, twilio, queued, client):
    message = a_message(city, t0)
    delivery.deliver()
    db.session.refresh(message)
    response = client.post("/sms/status", data={"MessageSid": message.provider_id,
                                                "MessageStatus": "failed"})
    assert response.status_code == 403
    db.session.refresh(message)
    assert message.delivery_status is None


# -- notifications a resident gets ----------------------------------------------------------


def test_a_resident_who_reported_by_sms_hears_each_step_once(city, t0, twilio, client):
    with clock.travel(t0):
        text(client, "中山大道电线杆上贴满了小广告")
        case = db.session.scalars(select(cases.Case)).one()
        cases.dispatch(case, Actor.staff(city.dispatcher))
    with clock.travel(t0 + timedelta(hours=1)):
        cases.sign_for(case, Actor.staff(city.chief3))
        from tests.factories import photo

        cases.rectify(case, Actor.staff(city.chief3), note="已清理", photos=[photo()])
        cases.verify(case, Actor.staff(city.district_supervisor), passed=True)
    bodies = db.session.scalars(select(OutboxMessage.body).where(
        OutboxMessage.to_phone == PHONE).order_by(OutboxMessage.id)).all()
    assert len(bodies) == 4  # received (the reply), dispatched, rectified, closed + rating
    assert [m["Body"] for m in twilio.sent if m["To"] == PHONE] == bodies[1:]
    assert "3" in bodies[-1]


def test_a_rejection_tells_the_reason(city, t0, twilio, client):
    text(client, "中山大道电线杆上贴满了小广告")
    case = db.session.scalars(select(cases.Case)).one()
    cases.reject(case, Actor.staff(city.dispatcher), reason="已由环卫处理")
    assert "已由环卫处理" in twilio.sent[-1]["Body"]


# -- the staff outbox page --------------------------------------------------------------------


def login(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = staff_sessions.start(user)
        session["_fresh"] = True


def test_the_outbox_page_needs_a_login(city, client):
    assert client.get("/sms/outbox").status_code in (302, 401)


def test_a_road_chief_may_not_read_the_outbox(city, client):
    login(client, city.chief)
    assert client.get("/sms/outbox").status_code == 403


def test_staff_see_a_failed_message_and_can_send_it_again(city, t0, twilio, queued, client):
    message = a_message(city, t0)
    twilio.script = [400]
    delivery.deliver()
    login(client, city.dispatcher)
    page = client.get("/sms/outbox?status=failed&lang=en").get_data(as_text=True)
    assert "Failed" in page and "fake failure" in page
    assert "139****1111" in page and PHONE not in page  # the number is masked
    assert "Send again" in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(f"/sms/outbox/{message.id}/retry", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(message)
    assert message.status == "pending" and message.attempts == 0


def test_the_retry_button_needs_the_csrf_token(city, t0, twilio, queued, client):
    message = a_message(city, t0)
    db.session.execute(update(OutboxMessage).values(status="failed"))
    db.session.commit()
    login(client, city.dispatcher)
    assert client.post(f"/sms/outbox/{message.id}/retry").status_code == 400


def test_staff_see_only_messages_of_their_district(city, t0, queued, client):
    a_message(city, t0)
    login(client, city.far_dispatcher)  # another district
    page = client.get("/sms/outbox?lang=en").get_data(as_text=True)
    assert "No messages." in page


# -- MMS photos -------------------------------------------------------------------------------


def test_mms_photos_are_fetched_with_credentials_checked_and_attached(city, twilio, client,
                                                                     media_server):
    base, seen = media_server
    text(client, "中山大道井盖不见了", media=[(f"{base}/photo.jpg", "image/jpeg"),
                                       (f"{base}/notes.txt", "text/plain")])
    case = db.session.scalars(select(cases.Case)).one()
    assert seen == []  # nothing fetched in the webhook
    assert mms.fetch() == 1
    assert all(auth and auth.startswith("Basic ") for _p, auth in seen)
    photo_row, text_row = db.session.scalars(select(SmsMedia).order_by(SmsMedia.position))
    assert photo_row.status == "attached" and photo_row.event_id is not None
    assert text_row.status == "rejected" and text_row.error
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.case_id == case.id and attachment.kind == "before"
    event = db.session.get(CaseEvent, photo_row.event_id)
    assert event.action == "add_note" and event.actor_role == "resident"
    assert event.actor_contact_id == case.reporter_contact_id
    assert mms.fetch() == 0  # a second run attaches nothing again


def test_a_photo_sent_before_the_place_is_known_joins_the_case(city, twilio, client,
                                                              media_server):
    base, _seen = media_server
    text(client, "", media=[(f"{base}/photo.jpg", "image/jpeg")])
    assert mms.fetch() == 0  # no case yet
    text(client, "中山大道井盖不见了")
    case = db.session.scalars(select(cases.Case)).one()
    assert mms.fetch() == 1
    assert db.session.scalar(select(func.count()).select_from(Attachment).where(
        Attachment.case_id == case.id)) == 1


def test_an_unreachable_photo_is_retried_then_failed(city, twilio, client, media_server):
    base, _seen = media_server
    text(client, "中山大道井盖不见了", media=[(f"{base}/missing.jpg", "image/jpeg")])
    for _ in range(mms.MAX_ATTEMPTS):
        mms.fetch()
    row = db.session.scalars(select(SmsMedia)).one()
    assert row.status == "failed" and row.attempts == mms.MAX_ATTEMPTS and "500" in row.error
