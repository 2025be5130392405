"""Delivering the outbox: after commit, each pending message is sent once.

With ``REDIS_URL`` a job is queued on RQ; without it (the embedded default) delivery runs
in-process right after the commit — except inside the SMS webhook, which makes no network
call: its messages wait for the job or the sweep. If Redis is down the messages simply
stay pending for the next sweep (``deliver()``, which a scheduler calls): nothing is lost.

Sending never happens twice for one row, even when two workers run the same job: a
worker first *claims* the row (pending → sending, with its own token) in a conditional
UPDATE that only one transaction can win, and only the winner calls the provider. A
passing failure (Twilio 5xx or 429, a timeout, a dropped connection) puts the row back to
pending with a later ``next_attempt_at`` (exponential backoff); a permanent one (Twilio
4xx: a bad number ...) or the last attempt marks it failed, for staff to see on the
outbox page and retry. A row left "sending" by a worker that died is not guessed at: it
is marked failed ("interrupted") after ``SMS_SENDING_TIMEOUT_SECONDS``, because the
provider may or may not have taken it."""

from __future__ import annotations

import contextlib
import logging
import secrets
from contextvars import ContextVar
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select, update

from app.extensions import db
from app.models import OutboxMessage, SmsOptOut
from app.services import clock

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
_inline: ContextVar[bool] = ContextVar("roadchief_inline_delivery", default=True)


class TransientError(Exception):
    """The provider may take the message later: retry."""


class PermanentError(Exception):
    """Retrying will not help (a bad number, a refused message)."""


class ConsoleSender:
    """The embedded default without Twilio credentials: messages are appended to a log
    file and the app's log, and count as sent."""

    def __init__(self, path: str):
        self.path = Path(path)

    def send(self, to: str, body: str) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        from app.services.privacy import mask_phone

        # Logs are read by more people than may know a resident's number: masked.
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(f"{clock.now().isoformat()} to {mask_phone(to)}: {body}\n")
        log.info("SMS to %s: %s", mask_phone(to), body)
        return "console"


class TwilioSender:
    """Twilio's REST client: ``messages.create`` with a status callback to /sms/status."""

    def __init__(self, sid: str, token: str, from_number: str, status_callback: str | None,
                 http_client=None):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.client = Client(sid, token, http_client=http_client or TwilioHttpClient(
            timeout=current_app.config.get("TWILIO_TIMEOUT_SECONDS", 15)))
        self.from_number = from_number
        self.status_callback = status_callback

    def send(self, to: str, body: str) -> str:
        from requests.exceptions import RequestException
        from twilio.base.exceptions import TwilioException, TwilioRestException

        kwargs = {"to": to, "from_": self.from_number, "body": body}
        if self.status_callback:
            kwargs["status_callback"] = self.status_callback
        try:
            return self.client.messages.create(**kwargs).sid
        except TwilioRestException as exc:
            if exc.status >= 500 or exc.status == 429:
                raise TransientError(f"Twilio {exc.status}: {exc.msg}") from exc
            raise PermanentError(f"Twilio {exc.status} ({exc.code}): {exc.msg}") from exc
        except (RequestException, TwilioException, OSError) as exc:  # timeout, no connection
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc


def sender():
    cfg = current_app.config
    if cfg.get("TWILIO_ACCOUNT_SID") and cfg.get("TWILIO_AUTH_TOKEN") and cfg.get(
        "TWILIO_FROM_NUMBER"
    ):
        return TwilioSender(cfg["TWILIO_ACCOUNT_SID"], cfg["TWILIO_AUTH_TOKEN"],
                            cfg["TWILIO_FROM_NUMBER"], f"{cfg['PUBLIC_BASE_URL']}/sms/status",
                            http_client=cfg.get("TWILIO_HTTP_CLIENT"))
    return ConsoleSender(cfg["SMS_OUTBOX_LOG"])


@contextlib.contextmanager
def no_inline_sending():
    """Inside this block (the SMS webhook) nothing is sent in-process: new messages go to
    the queue, or wait for the sweep."""
    token = _inline.set(False)
    try:
        yield
    finally:
        _inline.reset(token)


def schedule(message_ids: list[int]) -> None:
    """Called after commit: hand the new messages to a worker (one queued job delivers
    every due message, however many requests wrote them), or send them now."""
    if not message_ids or not current_app.config.get("OUTBOX_DELIVERY", True):
        return
    if current_app.config.get("REDIS_URL"):
        from app import jobs

        try:
            jobs.kick_delivery()
        except Exception:  # Redis down: the rows stay pending for the next sweep
            log.warning("could not queue outbox delivery; %d message(s) stay pending",
                        len(message_ids), exc_info=True)
        return
    if _inline.get():
        deliver(message_ids)


def backoff(attempts: int) -> timedelta:
    base = current_app.config.get("SMS_RETRY_BASE_SECONDS", 30)
    return timedelta(seconds=base * 2 ** max(0, attempts - 1))


def _due_query(message_ids: list[int] | None, after: int = 0, limit: int = 500):
    """Pending messages whose backoff has passed (the given ones, or all), in id order."""
    now = clock.now()
    query = select(OutboxMessage.id).where(
        OutboxMessage.status == "pending", OutboxMessage.id > after,
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
    if message_ids is not None:
        query = query.where(OutboxMessage.id.in_(message_ids))
    # Reading is not claiming: two sweeps may read the same ids; ``claim`` decides.
    return query.order_by(OutboxMessage.id).limit(limit)


def claim(message_id: int) -> str | None:
    """pending → sending with a fresh token, in one conditional UPDATE; the token if this
    worker won the row, None if another did (or it is not due)."""
    token = secrets.token_hex(16)
    now = clock.now()
    won = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending",
               or_(OutboxMessage.next_attempt_at.is_(None),
                   OutboxMessage.next_attempt_at <= now))
        .values(status="sending", claim_token=token, claimed_at=now,
                attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return token if won else None


def _finish(message_id: int, token: str, **values) -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == token)
        .values(**values).execution_options(synchronize_session=False))
    db.session.commit()


def pending_ids(after: int = 0, limit: int = 2000) -> list[int]:
    """Due messages after ``after`` (the sweep hands them to delivery page by page)."""
    return list(db.session.scalars(_due_query(None, after=after, limit=limit)))


def deliver(message_ids: list[int] | None = None) -> int:
    """Send the due pending messages (the given ones, or all). Returns how many were sent.
    Also the sweep: with no ids it first fails rows abandoned in 'sending'."""
    if message_ids is None:
        release_abandoned()
    ids = list(db.session.scalars(_due_query(message_ids)))
    db.session.commit()
    sent = 0
    the_sender = None
    for message_id in ids:
        token = claim(message_id)
        if token is None:
            continue
        msg = db.session.get(OutboxMessage, message_id, populate_existing=True)
        if db.session.scalar(select(SmsOptOut.id).where(SmsOptOut.phone == msg.to_phone)):
            _finish(message_id, token, status="cancelled", claim_token=None,
                    last_error="the number opted out (TD/STOP)")
            continue
        try:
            the_sender = the_sender or sender()
            provider_id = the_sender.send(msg.to_phone, msg.body)
        except PermanentError as exc:
            _finish(message_id, token, status="failed", claim_token=None,
                    last_error=str(exc)[:1000])
            log.warning("SMS %s failed for good: %s", message_id, exc)
            continue
        except Exception as exc:  # TransientError, or anything unforeseen: try again later
            last = msg.attempts >= current_app.config.get("SMS_MAX_ATTEMPTS", MAX_ATTEMPTS)
            _finish(message_id, token, status="failed" if last else "pending",
                    claim_token=None, last_error=str(exc)[:1000],
                    next_attempt_at=None if last else clock.now() + backoff(msg.attempts))
            log.warning("SMS %s failed (attempt %s): %s", message_id, msg.attempts, exc)
            continue
        _finish(message_id, token, status="sent", claim_token=None, provider_id=provider_id,
                sent_at=clock.now(), last_error=None, next_attempt_at=None)
        sent += 1
    return sent


def release_abandoned() -> int:
    """Rows a dead worker left in 'sending': failed, visible to staff, never re-sent blind."""
    limit = current_app.config.get("SMS_SENDING_TIMEOUT_SECONDS", 600)
    count = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending",
               OutboxMessage.claimed_at < clock.now() - timedelta(seconds=limit))
        .values(status="failed", claim_token=None,
                last_error="interrupted while sending: check with the provider, then retry")
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return count


def retry(message_id: int) -> bool:
    """Staff ask for a failed message to be sent again (from the outbox page)."""
    done = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "failed")
        .values(status="pending", next_attempt_at=None, attempts=0)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if done:
        schedule([message_id])
    return bool(done)


#: Twilio's message statuses in the order a message moves through them.
STATUS_RANK = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3,
               "receiving": 1, "received": 3, "delivered": 4, "undelivered": 4, "failed": 4,
               "canceled": 4, "read": 5, "partially_delivered": 4}


def record_status(provider_id: str, status: str, error_code: str | None = None) -> bool:
    """A delivery report from the provider. Moves only forward: a late "sent" after
    "delivered" changes nothing. True when something changed."""
    status = (status or "").strip().lower()
    if status not in STATUS_RANK or not provider_id:
        return False
    msg = db.session.scalar(select(OutboxMessage).where(OutboxMessage.provider_id == provider_id)
                            .with_for_update())
    if msg is None:
        db.session.rollback()
        return False
    current = STATUS_RANK.get(msg.delivery_status or "", -1)
    if STATUS_RANK[status] <= current:
        db.session.rollback()
        return False
    msg.delivery_status, msg.delivery_status_at = status, clock.now()
    if error_code:
        msg.error_code = str(error_code)[:16]
    db.session.commit()
    return True
