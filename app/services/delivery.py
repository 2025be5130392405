"""Delivering the outbox: after commit, each pending message is sent once.

With ``REDIS_URL`` a job is queued on RQ; without it (the embedded default) delivery runs
in-process right after the commit. If Redis is down the messages simply stay pending for
the next sweep: nothing is lost. Sending claims a row first, so two workers never send
the same message."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.models import OutboxMessage
from app.services import clock

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


class ConsoleSender:
    """The embedded default: messages are appended to a log file and the app's log."""

    def __init__(self, path: str):
        self.path = Path(path)

    def send(self, to: str, body: str) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(f"{clock.now().isoformat()} to {to}: {body}\n")
        log.info("SMS to %s: %s", to, body)
        return "console"


class TwilioSender:
    def __init__(self, sid: str, token: str, from_number: str):
        from twilio.rest import Client

        self.client = Client(sid, token)
        self.from_number = from_number

    def send(self, to: str, body: str) -> str:
        return self.client.messages.create(to=to, from_=self.from_number, body=body).sid


def sender():
    cfg = current_app.config
    if cfg.get("TWILIO_ACCOUNT_SID") and cfg.get("TWILIO_AUTH_TOKEN") and cfg.get(
        "TWILIO_FROM_NUMBER"
    ):
        return TwilioSender(cfg["TWILIO_ACCOUNT_SID"], cfg["TWILIO_AUTH_TOKEN"],
                            cfg["TWILIO_FROM_NUMBER"])
    return ConsoleSender(cfg["SMS_OUTBOX_LOG"])


def schedule(message_ids: list[int]) -> None:
    """Called after commit: hand the new messages to a worker, or send them now."""
    if not message_ids or not current_app.config.get("OUTBOX_DELIVERY", True):
        return
    if current_app.config.get("REDIS_URL"):
        from app import jobs

        try:
            jobs.enqueue("app.jobs.deliver_outbox", message_ids)
        except Exception:  # Redis down: the rows stay pending for the next sweep
            log.warning("could not queue outbox delivery; %d message(s) stay pending",
                        len(message_ids), exc_info=True)
        return
    deliver(message_ids)


def pending_ids(after: int = 0, limit: int = 2000) -> list[int]:
    return list(db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.status == "pending", OutboxMessage.id > after)
        .order_by(OutboxMessage.id).limit(limit)))


def deliver(message_ids: list[int] | None = None) -> int:
    """Send pending messages (the given ones, or all). Returns how many were sent."""
    query = select(OutboxMessage.id).where(OutboxMessage.status == "pending")
    if message_ids is not None:
        query = query.where(OutboxMessage.id.in_(message_ids))
    sent = 0
    the_sender = None
    for message_id in db.session.scalars(query.order_by(OutboxMessage.id)).all():
        # Claim: only the worker whose UPDATE moves attempts on from what it read sends.
        msg = db.session.get(OutboxMessage, message_id)
        if msg is None or msg.status != "pending":
            continue
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == msg.id, OutboxMessage.status == "pending",
                   OutboxMessage.attempts == msg.attempts)
            .values(attempts=msg.attempts + 1)
        ).rowcount
        db.session.commit()
        if not claimed:
            continue
        the_sender = the_sender or sender()
        try:
            provider_id = the_sender.send(msg.to_phone, msg.body)
        except Exception as exc:
            db.session.refresh(msg)
            msg.last_error = str(exc)[:1000]
            if msg.attempts >= MAX_ATTEMPTS:
                msg.status = "failed"
            db.session.commit()
            log.warning("SMS %s failed (attempt %s): %s", msg.id, msg.attempts, exc)
            continue
        db.session.refresh(msg)
        msg.status, msg.provider_id, msg.sent_at = "sent", provider_id, clock.now()
        db.session.commit()
        sent += 1
    return sent
