"""Tencent Cloud SMS as the SMS gateway: the official SDK, pointed at a local stand-in for
Tencent's API that checks every request's TC3 signature, sends each kind of message as its
approved template; residents' replies and delivery reports arrive through Tencent's
callbacks, authenticated by the secret callback token. The same outbox, retries,
idempotency and interrupted-send resolution as Twilio."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, InboundMessage, OutboxMessage, SmsTemplate
from app.services import cases, clock, delivery, sms, sms_templates
from app.services.actors import Actor
from app.services.message_kinds import KINDS
from tests.tencent_helpers import (
    APP_ID,
    SECRET_ID,
    SECRET_KEY,
    SIGN,
    TOKEN,
    FakeTencentSms,
    reply_payload,
    status_payload,
)

PHONE = "+8613900001111"
TEMPLATE = {kind: str(100000 + i) for i, kind in enumerate(KINDS)}


def _map_every_kind() -> None:
    for kind, info in KINDS.items():
        db.session.add(SmsTemplate(kind=kind, template_id=TEMPLATE[kind],
                                   params=list(info.params), updated_at=clock.now()))
    db.session.commit()


@pytest.fixture()
def tencent(ctx):
    fake = FakeTencentSms()
    settings = dict(SMS_GATEWAY="tencent", TENCENT_SECRET_ID=SECRET_ID,
                    TENCENT_SECRET_KEY=SECRET_KEY, TENCENT_SMS_APP_ID=APP_ID,
                    TENCENT_SMS_SIGN=SIGN, TENCENT_SMS_ENDPOINT=fake.endpoint,
                    TENCENT_SMS_CALLBACK_TOKEN=TOKEN, TENCENT_SMS_TIMEOUT_SECONDS=5,
                    SMS_TEMPLATE_PARAM_MAX=20)
    before = {key: ctx.config.get(key) for key in settings}
    ctx.config.update(settings)
    _map_every_kind()
    sms.invalidate()
    yield fake
    ctx.config.update(before)
    sms.invalidate()
    fake.close()


@pytest.fixture()
def queued(ctx):
    ctx.config["OUTBOX_DELIVERY"] = False
    yield
    ctx.config["OUTBOX_DELIVERY"] = True


def reply(client, text: str, token: str = TOKEN, **kwargs):
    return client.post(f"/sms/tencent/{token}/inbound", json=reply_payload(text, **kwargs))


def report(client, sid: str, token: str = TOKEN, **kwargs):
    return client.post(f"/sms/tencent/{token}/status", json=status_payload(sid, **kwargs))


def outbox(phone: str = PHONE) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_phone == phone)
                                   .order_by(OutboxMessage.id)))


# -- the round trip -----------------------------------------------------------------------------


def test_a_texted_report_is_answered_by_template_and_its_receipt_recorded(city, tencent,
                                                                          client):
    response = reply(client, "中山大道电线杆上贴满了小广告")
    assert response.status_code == 200 and response.get_json() == {"result": 0,
                                                                    "errmsg": "OK"}
    case = db.session.scalars(select(Case)).one()
    assert case.channel == "sms" and case.reporter.phone == PHONE
    # The answer went out through the SDK as the "received" template, signed.
    request = tencent.requests[-1]
    assert request["action"] == "SendSms" and request["version"] == "2021-01-11"
    assert request["authorization"].startswith("TC3-HMAC-SHA256 Credential=" + SECRET_ID)
    assert request["signed"]
    sent = request["params"]
    assert sent["PhoneNumberSet"] == [PHONE] and sent["SmsSdkAppId"] == APP_ID
    assert sent["SignName"] == SIGN
    placed = "receipt_sms" if case.area_id else "receipt_sms_unplaced"
    assert sent["TemplateId"] == TEMPLATE[placed]
    code = f"{case.code[:4]}-{case.code[4:]}"
    assert sent["TemplateParamSet"][0] == code
    # One receipt row, the case event's own, really sent: no second row claiming a TwiML
    # reply that Tencent's callback never carries.
    (row,) = outbox()
    assert row.event_id is not None and row.provider_id != "twiml"
    assert row.status == "sent" and row.kind == placed and row.provider_id
    assert sent["SessionContext"] == f"roadchief:{row.id}"
    assert len([m for m in tencent.sent if m["PhoneNumberSet"] == [PHONE]]) == 1
    assert reply(client, "中山大道电线杆上贴满了小广告").status_code == 200  # posted again
    assert len(outbox()) == 1 and len(tencent.sent) == 1
    # Tencent reports it delivered.
    assert report(client, row.provider_id).status_code == 200
    db.session.refresh(row)
    assert row.delivery_status == "delivered"
    # The resident asks for progress: the status template, with the case's state.
    reply(client, f"CX {code}", time=1765100100)
    status = tencent.sent[-1]
    assert status["TemplateId"] in (TEMPLATE["reply_status"], TEMPLATE["reply_status_due"])
    assert status["TemplateParamSet"][0] == code
    # A later step of the case reaches the resident as its own template.
    cases.dispatch(case, Actor.staff(city.dispatcher))
    assert TEMPLATE["dispatched"] in [m["TemplateId"] for m in tencent.sent
                                      if m["PhoneNumberSet"] == [PHONE]]


def test_every_message_the_city_writes_has_a_kind(city, t0, tencent, client):
    with clock.travel(t0):
        reply(client, "中山大道电线杆上贴满了小广告")
        case = db.session.scalars(select(Case)).one()
        cases.dispatch(case, Actor.staff(city.dispatcher))
    with clock.travel(t0 + timedelta(hours=1)):
        cases.sign_for(case, Actor.staff(case.assignee_user))
        from tests.factories import photo

        cases.rectify(case, Actor.staff(case.assignee_user), note="已清理", photos=[photo()])
        cases.verify(case, Actor.staff(city.district_supervisor), passed=True)
        reply(client, "1", time=1765100200)
    kinds = [row.kind for row in db.session.scalars(select(OutboxMessage))]
    assert kinds and None not in kinds and "text" not in kinds
    assert {"dispatched", "rectified", "closed_link", "staff_new_case", "reply_rated"} \
        <= set(kinds)
    assert all(m["TemplateId"] != TEMPLATE["text"] for m in tencent.sent)


# -- callbacks that are not Tencent's, and callbacks posted again ----------------------------------


def test_a_forged_reply_is_refused_and_stores_nothing(city, tencent, client):
    assert reply(client, "中山大道电线杆上贴满了小广告", token="guessed").status_code == 403
    assert reply(client, "中山大道电线杆上贴满了小广告", sign="别人的签名").status_code == 400
    assert client.post(f"/sms/tencent/{TOKEN}/inbound", data="not json",
                       content_type="application/json").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 0
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert tencent.sent == []


def test_a_forged_receipt_changes_nothing(city, tencent, client):
    reply(client, "中山大道电线杆上贴满了小广告")
    row = outbox()[-1]
    assert report(client, row.provider_id, token="guessed").status_code == 403
    # The right token but another number: not a message we sent there.
    assert report(client, row.provider_id, mobile="13900009999").status_code == 200
    assert report(client, "2433:unknown-serial").status_code == 200
    db.session.refresh(row)
    assert row.delivery_status is None


def test_a_replayed_reply_is_handled_once(city, tencent, client):
    first = reply(client, "中山大道电线杆上贴满了小广告")
    again = reply(client, "中山大道电线杆上贴满了小广告")
    assert first.status_code == again.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 1
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    assert len(outbox()) == 1  # the receipt: the case event's own row, sent once
    assert len(tencent.sent) == 1


def test_a_replayed_receipt_is_idempotent_and_never_goes_back(city, tencent, client):
    reply(client, "中山大道电线杆上贴满了小广告")
    row = outbox()[-1]
    report(client, row.provider_id)
    db.session.refresh(row)
    at = row.delivery_status_at
    report(client, row.provider_id)
    report(client, row.provider_id, ok=False)  # late and contradicting: ignored
    db.session.refresh(row)
    assert row.delivery_status == "delivered" and row.delivery_status_at == at


def test_an_undelivered_receipt_keeps_the_carriers_reason(city, tencent, client):
    reply(client, "中山大道电线杆上贴满了小广告")
    row = outbox()[-1]
    report(client, row.provider_id, ok=False)
    db.session.refresh(row)
    assert row.delivery_status == "undelivered" and row.error_code == "MK:0001"


def test_texting_td_is_confirmed_then_nothing_more_is_sent(city, tencent, client):
    reply(client, "中山大道电线杆上贴满了小广告")
    case = db.session.scalars(select(Case)).one()
    reply(client, "TD", time=1765100300)
    assert tencent.sent[-1]["TemplateId"] == TEMPLATE["reply_stopped"]
    count = len(tencent.sent)
    cases.dispatch(case, Actor.staff(city.dispatcher))
    assert [m for m in tencent.sent[count:] if m["PhoneNumberSet"] == [PHONE]] == []


# -- provider errors ------------------------------------------------------------------------------


def a_web_report(city, t0) -> OutboxMessage:
    with clock.travel(t0):
        case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                            area_id=city.area.id, phone=PHONE)
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id,
                                                          OutboxMessage.to_phone == PHONE)).one()


def test_a_passing_failure_is_retried_with_backoff(city, t0, tencent, queued):
    message = a_web_report(city, t0)
    tencent.script = ["InternalError.Timeout", "Ok"]
    with clock.travel(t0):
        assert delivery.deliver() == 0
    db.session.refresh(message)
    assert message.status == "pending" and "InternalError.Timeout" in message.last_error
    assert message.next_attempt_at > t0
    with clock.travel(t0 + timedelta(seconds=10)):
        assert delivery.deliver() == 0  # not yet due
    with clock.travel(message.next_attempt_at + timedelta(seconds=1)):
        assert delivery.deliver() == 1
    db.session.refresh(message)
    assert message.status == "sent" and message.provider_id.startswith("2433:")
    assert len(tencent.sent) == 2 and tencent.sent[0] == tencent.sent[1]


def test_a_refused_number_fails_for_good_with_the_reason(city, t0, tencent, queued):
    message = a_web_report(city, t0)
    tencent.script = ["status:InvalidParameterValue.IncorrectPhoneNumber"]
    with clock.travel(t0):
        delivery.deliver()
    db.session.refresh(message)
    assert message.status == "failed"
    assert "InvalidParameterValue.IncorrectPhoneNumber" in message.last_error
    with clock.travel(t0 + timedelta(hours=1)):
        delivery.deliver()
    assert len(tencent.sent) == 1


def test_a_template_cannot_be_removed_while_tencent_sends(city, tencent, app):
    from tests.admin_helpers import post, sign_in

    client = app.test_client()
    sign_in(client, city.admin)
    removed = post(client, "/admin/sms-templates/closed", {"template_id": "", "params": ""})
    assert removed.status_code == 422 and 'data-error="template_id"' in removed.get_data(
        as_text=True)
    db.session.expire_all()
    assert sms_templates.missing() == []
    done, bad = sms_templates.import_csv("kind,template_id,params\nclosed,,\n", "test")
    db.session.rollback()
    assert done == 0 and "template_id" in bad[2] and sms_templates.missing() == []
    replaced = post(client, "/admin/sms-templates/closed", {"template_id": "555",
                                                            "params": "code"})
    assert replaced.status_code == 303  # replacing it is how a template changes


def test_a_message_whose_template_is_gone_fails_at_once_not_after_five_tries(
        city, t0, tencent, queued):
    message = a_web_report(city, t0)
    db.session.delete(db.session.scalar(select(SmsTemplate).where(
        SmsTemplate.kind == message.kind)))
    db.session.commit()
    with clock.travel(t0):
        delivery.deliver()
    db.session.refresh(message)
    assert message.status == "failed" and "no SMS template" in message.last_error
    assert message.attempts == 1 and tencent.sent == []


def test_tencent_out_of_reach_is_a_passing_failure(city, t0, tencent, queued, ctx):
    message = a_web_report(city, t0)
    ctx.config["TENCENT_SMS_ENDPOINT"] = "http://127.0.0.1:9"  # nothing listens there
    with clock.travel(t0):
        delivery.deliver()
    db.session.refresh(message)
    assert message.status == "pending" and "ClientNetworkError" in message.last_error


def test_a_long_value_is_shortened_by_rule_never_a_failed_send(city, t0, tencent, queued):
    row = db.session.scalar(select(SmsTemplate).where(SmsTemplate.kind == "receipt"))
    row.param_max = 12
    db.session.commit()
    message = a_web_report(city, t0)
    with clock.travel(t0):
        assert delivery.deliver() == 1
    values = tencent.sent[-1]["TemplateParamSet"]
    link = message.params["link"]
    assert len(link) > 12 and values[2] == link[:11] + "…"
    assert all(len(v) <= 12 for v in values)
    db.session.refresh(message)
    assert message.status == "sent"


def test_fit_collapses_spaces_and_marks_a_cut():
    assert sms_templates.fit("中山大道\n  大智路口", 20) == "中山大道 大智路口"
    assert sms_templates.fit("一二三四五六七八九十甲乙丙", 12) == "一二三四五六七八九十甲…"
    assert sms_templates.fit("短", 12) == "短"


# -- a send cut off midway ----------------------------------------------------------------------


def interrupted(city, t0) -> OutboxMessage:
    message = a_web_report(city, t0)
    with clock.travel(t0):
        assert delivery.claim(message.id)
    db.session.refresh(message)
    return message


def test_a_cut_off_send_that_tencent_took_is_marked_sent(city, t0, tencent, queued):
    message = interrupted(city, t0)
    tencent.reports.append({"UserReceiveTime": "2026-12-07 10:00:05", "CountryCode": "86",
                            "SubscriberNumber": PHONE[3:], "PhoneNumber": PHONE,
                            "SerialNo": "2433:taken", "ReportStatus": "SUCCESS",
                            "Description": "DELIVRD",
                            "SessionContext": f"roadchief:{message.id}"})
    with clock.travel(t0 + timedelta(minutes=15)):
        delivery.deliver()
    db.session.refresh(message)
    assert message.status == "sent" and message.provider_id == "2433:taken"
    assert tencent.sent == []  # not sent twice


def test_a_cut_off_send_tencent_never_took_is_sent_again(city, t0, tencent, queued, ctx):
    message = interrupted(city, t0)
    with clock.travel(t0 + timedelta(minutes=15)):
        delivery.deliver()
    db.session.refresh(message)
    # No report yet is no answer (a switched-off phone reports hours later): it waits.
    assert [r["action"] for r in tencent.requests] == ["PullSmsSendStatusByPhoneNumber"]
    assert tencent.requests[0]["params"]["PhoneNumber"] == PHONE
    assert message.status == "sending" and tencent.sent == []
    give_up = ctx.config.get("SMS_INTERRUPTED_GIVE_UP_SECONDS", 86400)
    with clock.travel(t0 + timedelta(seconds=give_up + 60)):
        delivery.deliver()
    db.session.refresh(message)
    # Still no report a day later: Tencent was asked once more, then the message went once.
    assert [r["action"] for r in tencent.requests][-2:] == ["PullSmsSendStatusByPhoneNumber",
                                                            "SendSms"]
    assert message.status == "sent" and len(tencent.sent) == 1


def test_a_cut_off_send_whose_report_comes_late_is_not_sent_twice(city, t0, tencent, queued):
    message = interrupted(city, t0)
    with clock.travel(t0 + timedelta(minutes=15)):
        delivery.deliver()  # the phone is off: Tencent has no report yet
    tencent.reports.append({"UserReceiveTime": "2026-12-07 13:00:05", "CountryCode": "86",
                            "SubscriberNumber": PHONE[3:], "PhoneNumber": PHONE,
                            "SerialNo": "2433:late", "ReportStatus": "SUCCESS",
                            "Description": "DELIVRD",
                            "SessionContext": f"roadchief:{message.id}"})
    with clock.travel(t0 + timedelta(hours=3)):
        delivery.deliver()
    db.session.refresh(message)
    assert message.status == "sent" and message.provider_id == "2433:late"
    assert tencent.sent == []  # the resident got it once


def test_a_cut_off_send_waits_while_tencent_cannot_be_asked(city, t0, tencent, queued):
    message = interrupted(city, t0)
    tencent.failing_lookup = True
    with clock.travel(t0 + timedelta(minutes=15)):
        delivery.deliver()
    db.session.refresh(message)
    assert message.status == "sending" and tencent.sent == []


# -- refused when configured, not when sending -------------------------------------------------


def test_no_template_is_needed_for_the_catch_all_text_kind(city, tencent, app):
    from app.services import sms_gateways

    db.session.delete(db.session.scalar(select(SmsTemplate).where(SmsTemplate.kind == "text")))
    db.session.commit()
    assert sms_templates.missing() == [] and sms_gateways.problems() == []
    sms_gateways.check_on_start(app)  # gunicorn serves
    ok = app.test_cli_runner().invoke(args=["sms", "check-templates"])
    assert ok.exit_code == 0


def test_a_reply_given_again_after_a_crash_keeps_its_own_template(city, tencent, client):
    db.session.delete(db.session.scalar(select(SmsTemplate).where(SmsTemplate.kind == "text")))
    db.session.commit()
    payload = reply_payload("HELP")
    assert client.post(f"/sms/tencent/{TOKEN}/inbound", json=payload).status_code == 200
    assert tencent.sent[-1]["TemplateId"] == TEMPLATE["reply_help"]
    # The worker died after the message was stored, before its answer's row was written.
    for row in outbox():
        db.session.delete(row)
    db.session.commit()
    before = len(tencent.sent)
    assert client.post(f"/sms/tencent/{TOKEN}/inbound", json=payload).status_code == 200
    (row,) = outbox()
    assert row.kind == "reply_help" and row.status == "sent"
    assert [m["TemplateId"] for m in tencent.sent[before:]] == [TEMPLATE["reply_help"]]


def test_check_templates_refuses_a_missing_kind(city, tencent, app):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["sms", "check-templates"])
    assert ok.exit_code == 0 and "ready" in ok.output
    db.session.delete(db.session.scalar(select(SmsTemplate).where(
        SmsTemplate.kind == "reply_ask_section")))
    db.session.commit()
    refused = runner.invoke(args=["sms", "check-templates"])
    assert refused.exit_code == 1 and "reply_ask_section" in refused.output


def test_the_server_refuses_to_start_without_every_template(city, tencent, app):
    from app.services import sms_gateways

    db.session.delete(db.session.scalar(select(SmsTemplate).where(SmsTemplate.kind == "closed")))
    db.session.commit()
    with pytest.raises(SystemExit, match="'closed'"):
        sms_gateways.check_on_start(app)


def test_the_gateway_without_its_settings_stops_the_app():
    from app import create_app

    with pytest.raises(RuntimeError, match="TENCENT_SECRET_KEY"):
        create_app({"SMS_GATEWAY": "tencent", "TENCENT_SECRET_ID": "x"})
    with pytest.raises(RuntimeError, match="SMS_GATEWAY"):
        create_app({"SMS_GATEWAY": "aliyunn"})
    with pytest.raises(RuntimeError, match="CALLBACK_NETWORKS"):
        create_app({"SMS_GATEWAY": "tencent", "TENCENT_SECRET_ID": "x",
                    "TENCENT_SECRET_KEY": "x", "TENCENT_SMS_APP_ID": "x",
                    "TENCENT_SMS_SIGN": "x", "TENCENT_SMS_CALLBACK_TOKEN": "x",
                    "TENCENT_SMS_CALLBACK_NETWORKS": "10.0.0.0/8, not-a-network"})


def test_callbacks_from_outside_the_configured_networks_are_refused(city, tencent, client,
                                                                    ctx):
    ctx.config["TENCENT_SMS_CALLBACK_NETWORKS"] = "10.0.0.0/8"
    outside = reply(client, "中山大道电线杆上贴满了小广告")  # the test client is 127.0.0.1
    inside = client.post(f"/sms/tencent/{TOKEN}/inbound",
                         json=reply_payload("中山大道电线杆上贴满了小广告"),
                         environ_base={"REMOTE_ADDR": "10.1.2.3"})
    ctx.config["TENCENT_SMS_CALLBACK_NETWORKS"] = ""
    assert outside.status_code == 403 and inside.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_twilio_stays_the_default(app):
    from app.services import sms_gateways

    with app.app_context():
        assert sms_gateways.name() == "console"  # no Twilio credentials in the tests
        assert sms_gateways.problems() == []


def test_twilio_named_without_its_credentials_stops_the_app_not_the_console(app):
    from app import create_app
    from app.services import sms_gateways

    twilio = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "t",
              "TWILIO_FROM_NUMBER": "+15005550006"}
    with pytest.raises(RuntimeError, match="TWILIO_FROM_NUMBER"):
        create_app({"SMS_GATEWAY": "twilio", "REDIS_URL": None,
                    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "t"})
    named = create_app({"SMS_GATEWAY": "twilio", "REDIS_URL": None, **twilio,
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    unset = create_app({"REDIS_URL": None, **twilio,
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    for configured in (named, unset):  # one rule: the page's name is the sender used
        with configured.app_context():
            assert sms_gateways.name() == "twilio"
            assert type(delivery.sender()).__name__ == "TwilioSender"
            configured.config["TWILIO_FROM_NUMBER"] = ""
            expected = "TransientError" if configured is named else "ConsoleSender"
            try:
                got = type(delivery.sender()).__name__
            except Exception as exc:
                got = type(exc).__name__
            assert got == expected  # named Twilio never falls back to the console


HOSTILE = ["\x00", "a\x00b", "99999999999999999999999", -1, 1e309, None, [], {}, "x" * 5000,
           "\r\nSet-Cookie: x=1", "<img src=x onerror=alert(1)>", "\u202e\U0001F600", True]


def test_hostile_callbacks_never_give_a_server_error(city, tencent, client):
    good = reply_payload("中山大道电线杆上贴满了小广告")
    for field in good:
        for value in HOSTILE:
            response = client.post(f"/sms/tencent/{TOKEN}/inbound",
                                   json={**good, field: value})
            assert response.status_code < 500, (field, value)
    for body in ([], {}, "[]", [None], [1, "x"], {"sid": "x"}, [{"sid": v} for v in HOSTILE],
                 [{**status_payload("s")[0], "mobile": v} for v in HOSTILE],
                 [status_payload("s")[0]] * 1001):
        response = client.post(f"/sms/tencent/{TOKEN}/status", json=body)
        assert response.status_code < 500, body
    for path in ("inbound", "status"):
        response = client.post(f"/sms/tencent/{TOKEN}/{path}", data=b"\xff\xfe\x00",
                               content_type="application/json")
        assert response.status_code == 400


def test_gunicorn_refuses_to_serve_until_every_kind_has_a_template(city, tencent, tmp_path):
    """gunicorn.conf.py's start hook, run as gunicorn runs it: in a process of its own,
    configured from the environment."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "SMS_GATEWAY": "tencent", "TENCENT_SECRET_ID": SECRET_ID,
           "TENCENT_SECRET_KEY": SECRET_KEY, "TENCENT_SMS_APP_ID": APP_ID,
           "TENCENT_SMS_SIGN": SIGN, "TENCENT_SMS_CALLBACK_TOKEN": TOKEN,
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus")}
    start = [sys.executable, "-c", "import runpy; runpy.run_path('gunicorn.conf.py')"
             "['on_starting'](None)"]
    assert subprocess.run(start, cwd=root, env=env, capture_output=True,
                          timeout=120).returncode == 0
    db.session.delete(db.session.scalar(select(SmsTemplate).where(
        SmsTemplate.kind == "escalation")))
    db.session.commit()
    refused = subprocess.run(start, cwd=root, env=env, capture_output=True, text=True,
                             timeout=120)
    assert refused.returncode != 0 and "'escalation'" in refused.stderr


def test_the_outbox_page_names_a_reply_by_its_kind(city, tencent, app):
    from tests.work_helpers import client_for

    client = client_for(app, city.city_supervisor)  # city level: messages without a case
    client.post(f"/sms/tencent/{TOKEN}/inbound", json=reply_payload("HELP"))
    page = client.get("/sms/outbox?lang=zh_Hans_CN").get_data(as_text=True)
    assert "回复：如何上报" in page


def test_the_same_reply_posted_twice_at_once_is_handled_once(city, app, tencent):
    """Tencent posts again when an answer is slow: both requests at the same instant, on
    two database connections (PostgreSQL under CI)."""
    from tests.integration.test_sms_concurrency import together

    payload = reply_payload("中山大道电线杆上贴满了小广告")
    db.session.remove()
    answers = together(app, lambda: app.test_client().post(
        f"/sms/tencent/{TOKEN}/inbound", json=payload).status_code)
    assert answers == [200, 200]
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 1
    receipts = db.session.scalars(select(OutboxMessage)).all()
    assert len(receipts) == 1 and receipts[0].status == "sent"
    assert receipts[0].provider_id != "twiml"
    assert len(tencent.sent) == 1


def test_the_mapping_is_imported_from_a_csv_file_all_or_nothing(city, app, tmp_path):
    runner = app.test_cli_runner()
    lines = ["kind,template_id,params,param_max"] + [
        f'{kind},{TEMPLATE[kind]},"{", ".join(info.params)}",' for kind, info in KINDS.items()]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([*lines, "nothing,1,,", 'closed,2,"code, link",']),
                   encoding="utf-8")
    refused = runner.invoke(args=["sms", "import-templates", str(bad)])
    assert refused.exit_code == 1
    assert f"line {len(lines) + 1}: unknown message kind" in refused.output
    assert f"line {len(lines) + 2}: params" in refused.output
    assert db.session.scalar(select(func.count()).select_from(SmsTemplate)) == 0
    good = tmp_path / "good.csv"
    good.write_text("\n".join(lines), encoding="utf-8")
    done = runner.invoke(args=["sms", "import-templates", str(good)])
    assert done.exit_code == 0, done.output
    assert sms_templates.missing() == []
    row = db.session.scalar(select(SmsTemplate).where(SmsTemplate.kind == "receipt_sms"))
    assert row.params == ["code", "category", "place"]
