"""Tencent Cloud SMS callbacks: delivery status reports (状态回调) and residents' replies
(回复回调, 上行). Both URLs carry the secret callback token (see services/tencent_sms):
a request without it is refused before anything is read or stored.

A reply is handled exactly as Twilio's inbound SMS (services/sms.receive); its answer
goes back as an outbox row (Tencent's callback takes no reply text), once per message
however often Tencent posts it."""

from __future__ import annotations

from flask import abort, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import csrf, db
from app.models import InboundMessage, OutboxMessage
from app.services import clock, delivery, tencent_sms
from app.services import sms as sms_service
from app.services.message_kinds import kind_of
from app.sms import bp

OK = {"result": 0, "errmsg": "OK"}
MAX_REPORTS = 1000  # one callback may carry many reports; more is not Tencent


def _authentic_json(token: str):
    if current_app.config.get("SMS_GATEWAY") != "tencent" \
            or not tencent_sms.authentic(token, request.remote_addr):
        abort(403)
    payload = request.get_json(silent=True)
    if payload is None:
        abort(400)
    return payload


@bp.post("/tencent/<token>/status")
@csrf.exempt
def tencent_status(token: str):
    payload = _authentic_json(token)
    if not isinstance(payload, list) or len(payload) > MAX_REPORTS:
        abort(400)
    for report in tencent_sms.reports(payload):
        phone = db.session.scalar(select(OutboxMessage.to_phone)
                                  .where(OutboxMessage.provider_id == report.sid))
        db.session.rollback()
        if phone != report.phone:  # not a message we sent to that number: ignored
            continue
        delivery.record_status(report.sid, report.status, report.error)
    return jsonify(OK)


@bp.post("/tencent/<token>/inbound")
@csrf.exempt
def tencent_inbound(token: str):
    payload = _authentic_json(token)
    if not isinstance(payload, dict):
        abort(400)
    sign = current_app.config.get("TENCENT_SMS_SIGN") or ""
    phone = tencent_sms.phone_of(payload)
    text = payload.get("text")
    if phone is None or not isinstance(text, str) or str(payload.get("sign") or "") != sign:
        abort(400)
    sid = tencent_sms.inbound_sid(payload)
    message = sms_service.Inbound(sid=sid, from_phone=phone,
                                  to_phone=str(payload.get("extend") or "")[:32],
                                  body=text[:sms_service.BODY_MAX], reply_in_outbox=True)
    reply = sms_service.receive(message)
    if reply:
        _send_reply(sid, phone, reply)
    return jsonify(OK)


def _send_reply(sid: str, phone: str, reply: str) -> None:
    """The answer to one inbound message, as one outbox row (made once per message). A
    report's "received" is already its case event's own row (``reply_in_outbox``): no
    second row for it."""
    key = f"{delivery.REPLY_PREFIX}{sid}"
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
        db.session.rollback()
        return
    inbound = db.session.execute(
        select(InboundMessage.contact_id, InboundMessage.case_id, InboundMessage.language)
        .where(InboundMessage.message_sid == sid)).first()
    own = db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.case_id == inbound.case_id, OutboxMessage.event_id.is_not(None),
        OutboxMessage.contact_id == inbound.contact_id,
        OutboxMessage.body == str(reply)).limit(1)) \
        if inbound is not None and inbound.case_id is not None else None
    if own is not None:  # sent now, as a reply would be (a row already sent stays so)
        db.session.rollback()
        delivery.schedule([own])
        return
    kind, params = kind_of(reply)
    row = OutboxMessage(
        dedupe_key=key, channel="sms", to_phone=phone, kind=kind, params=params,
        contact_id=inbound.contact_id if inbound else None,
        case_id=inbound.case_id if inbound else None,
        language=inbound.language if inbound else "zh_Hans_CN", body=str(reply),
        status="pending", created_at=clock.now())
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # the same callback, handled meanwhile
        db.session.rollback()
        return
    delivery.schedule([row.id])
