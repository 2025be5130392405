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
outbox page and retry. A row left "sending" by a worker that died is not guessed at:
after ``SMS_SENDING_TIMEOUT_SECONDS`` the provider is asked (Twilio's message resource,
by its SID when the row has one, else the recent messages to that number) whether it
took the message. Taken: the row is sent, with the provider's SID and status. Not taken
(or failed there): it is sent again, or after the last attempt marked failed for a
person to send again from the outbox page. If the provider cannot be asked, the row waits
for the next sweep, and after ``SMS_INTERRUPTED_GIVE_UP_SECONDS`` it goes to a person.
Exactly once holds as far as the provider can say: Tencent lists only reported messages
(see services/tencent_sms: absence waits for the give-up time), and WeChat cannot be asked
at all, so a WeChat message cut off in its worker is sent again (possibly a duplicate).

Gateways are plug-ins chosen per message by its ``channel``: "sms" goes to the SMS gateway
that ``SMS_GATEWAY`` names (Twilio, Tencent Cloud SMS or the console); another channel
(WeChat ...) registers its own with ``register_channel``. A gateway has
``send_message(row) -> provider id`` (raising TransientError or PermanentError) and
``lookup(row) -> ProviderMessage | None`` for a message whose sending was cut off
(services/gateway.py)."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select, update

from app.extensions import db
from app.models import OutboxMessage, SmsOptOut
from app.services import clock
from app.services.gateway import (  # noqa: F401 - the gateway interface, named here too
    Gateway,
    PermanentError,
    ProviderMessage,
    TransientError,
)

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
_inline: ContextVar[bool] = ContextVar("roadchief_inline_delivery", default=True)


#: Recent messages to one number looked through for one whose sending was cut off.
LOOKUP_LIMIT = 50
#: Provider statuses that mean the message did not reach the phone and will not.
NOT_DELIVERED = frozenset({"failed", "undelivered", "canceled"})


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

    def send_message(self, message: OutboxMessage) -> str:
        return self.send(message.to_phone, message.body)

    def lookup(self, message: OutboxMessage) -> ProviderMessage | None:
        """The console keeps no record to ask: a message cut off here counts as not sent
        (sending it again only writes a line more)."""
        return None


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

    def send_message(self, message: OutboxMessage) -> str:
        return self.send(message.to_phone, message.body)

    def lookup(self, message: OutboxMessage) -> ProviderMessage | None:
        """What Twilio knows of a message whose sending was cut off: its message resource,
        by SID when the row has one, else among the latest messages from our number to
        that number, the one with this body created after the row was claimed. None when
        Twilio has no such message. Raises when Twilio cannot be asked."""
        sid = message.provider_id
        if sid and sid.startswith(("SM", "MM")):
            found = self.client.messages(sid).fetch()
            return ProviderMessage(found.sid, found.status, found.error_code)
        since = (message.claimed_at or message.created_at) - timedelta(minutes=5)
        for found in self.client.messages.list(to=message.to_phone, from_=self.from_number,
                                               limit=LOOKUP_LIMIT):
            created = found.date_created
            if found.body == message.body and (created is None or created >= since):
                return ProviderMessage(found.sid, found.status, found.error_code)
        return None


GATEWAYS = ("twilio", "tencent", "console")


TWILIO_SETTINGS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")


def gateway_name(cfg) -> str:
    """The one rule for which SMS gateway runs: the one ``SMS_GATEWAY`` names; unset,
    Twilio when its credentials are set, else the console. (``SMS_GATEWAY=twilio`` without
    every Twilio setting stops the app at start: ``sms_gateways.settings_problems``.)"""
    chosen = cfg.get("SMS_GATEWAY") or ""
    if chosen:
        return chosen
    return "twilio" if all(cfg.get(k) for k in TWILIO_SETTINGS) else "console"


def sender():
    """The SMS gateway ``gateway_name`` names."""
    cfg = current_app.config
    chosen = gateway_name(cfg)
    if chosen == "tencent":
        from app.services import tencent_sms

        return tencent_sms.sender()
    if chosen == "twilio":
        if not all(cfg.get(k) for k in TWILIO_SETTINGS):  # refused at start; never the console
            raise TransientError("SMS_GATEWAY=twilio without every TWILIO_* setting")
        return TwilioSender(cfg["TWILIO_ACCOUNT_SID"], cfg["TWILIO_AUTH_TOKEN"],
                            cfg["TWILIO_FROM_NUMBER"], f"{cfg['PUBLIC_BASE_URL']}/sms/status",
                            http_client=cfg.get("TWILIO_HTTP_CLIENT"))
    return ConsoleSender(cfg["SMS_OUTBOX_LOG"])


#: Outbox channel → a function that makes its gateway (in an app context).
CHANNELS: dict[str, Callable[[], Gateway]] = {"sms": lambda: sender()}


def register_channel(channel: str, factory: Callable[[], Gateway]) -> None:
    """Deliver the outbox rows of ``channel`` through the gateway ``factory`` makes."""
    CHANNELS[channel] = factory


def sender_for(channel: str) -> Gateway:
    try:
        return CHANNELS[channel or "sms"]()
    except KeyError:
        raise PermanentError(f"no gateway for the channel {channel!r}") from None


#: Replies to a resident's own message (a gateway without a synchronous reply, such as
#: Tencent's reply callback, sends them as outbox rows). Like Twilio's TwiML reply they go
#: even to a number that opted out: "TD" itself is answered.
REPLY_PREFIX = "reply:"


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
        from app import rq_queue
        from app.services import redis_health

        if not redis_health.usable():  # down a moment ago: its return queues them
            return
        try:
            rq_queue.kick_delivery()
        except Exception as exc:  # Redis down: the rows stay pending until it returns
            log.warning("could not queue outbox delivery; %d message(s) stay pending",
                        len(message_ids), exc_info=True)
            redis_health.failed(exc)
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
    senders: dict[str, object] = {}
    for message_id in ids:
        token = claim(message_id)
        if token is None:
            continue
        msg = db.session.get(OutboxMessage, message_id, populate_existing=True)
        if not msg.dedupe_key.startswith(REPLY_PREFIX) and db.session.scalar(
                select(SmsOptOut.id).where(SmsOptOut.phone == msg.to_phone)):
            _finish(message_id, token, status="cancelled", claim_token=None,
                    last_error="the number opted out (TD/STOP)")
            continue
        try:
            if msg.channel not in senders:
                senders[msg.channel] = sender_for(msg.channel)
            provider_id = senders[msg.channel].send_message(msg)
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


class WeChatSender:
    """A resident with a WeChat identity hears there (a template message); what WeChat
    refuses for good fails the row, anything else is retried like an SMS."""

    def send_message(self, msg: OutboxMessage) -> str:
        from app.services import wechat_api

        try:
            return wechat_api.send(msg)
        except wechat_api.Undeliverable as exc:
            raise PermanentError(str(exc)) from exc

    def lookup(self, msg: OutboxMessage) -> ProviderMessage | None:
        """WeChat cannot be asked about a message: one cut off there is sent again, so a
        message WeChat took just before its worker died reaches the resident twice."""
        return None


register_channel("wechat", WeChatSender)


def release_abandoned() -> int:
    """Rows a dead worker left in 'sending': each resolved with the provider (see the
    module's text), never re-sent blind. Returns how many were resolved."""
    limit = current_app.config.get("SMS_SENDING_TIMEOUT_SECONDS", 600)
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.claim_token)
        .where(OutboxMessage.status == "sending",
               OutboxMessage.claimed_at < clock.now() - timedelta(seconds=limit))
        .order_by(OutboxMessage.id)).all()
    db.session.commit()
    if not rows:
        return 0
    senders: dict[str, object] = {}
    return sum(_resolve_interrupted(message_id, token, senders)
               for message_id, token in rows)


def _resolve_interrupted(message_id: int, token: str, senders: dict) -> bool:
    msg = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if msg is None or msg.status != "sending" or msg.claim_token != token:
        db.session.rollback()
        return False
    now = clock.now()
    try:
        if msg.channel not in senders:
            senders[msg.channel] = sender_for(msg.channel)
        found = senders[msg.channel].lookup(msg)
    except Exception as exc:  # the provider cannot be asked now: the next sweep asks again
        give_up = current_app.config.get("SMS_INTERRUPTED_GIVE_UP_SECONDS", 86400)
        if msg.claimed_at is not None and msg.claimed_at < now - timedelta(seconds=give_up):
            _finish(message_id, token, status="failed", claim_token=None,
                    last_error=f"interrupted while sending, and the provider could not be "
                               f"asked ({type(exc).__name__}): check with the provider, "
                               f"then send again")
            return True
        log.warning("SMS %s: could not ask the provider about it: %s", message_id, exc)
        db.session.rollback()
        return False
    if found is not None and found.status not in NOT_DELIVERED:
        _finish(message_id, token, status="sent", claim_token=None, provider_id=found.sid,
                sent_at=now, last_error=None, next_attempt_at=None,
                delivery_status=found.status if found.status in STATUS_RANK else None,
                delivery_status_at=now)
        log.info("SMS %s was taken by the provider before its worker stopped (%s)",
                 message_id, found.sid)
        return True
    # Not sent (the provider has no such message, or it failed there): send it again.
    what = ("interrupted before the provider took it" if found is None
            else f"interrupted; the provider reports it {found.status}")
    extra = {} if found is None else {
        "provider_id": found.sid, "error_code": str(found.error_code or "")[:16] or None}
    if msg.attempts >= current_app.config.get("SMS_MAX_ATTEMPTS", MAX_ATTEMPTS):
        _finish(message_id, token, status="failed", claim_token=None, next_attempt_at=None,
                last_error=f"{what}, after {msg.attempts} attempts: send it again", **extra)
    else:
        _finish(message_id, token, status="pending", claim_token=None, next_attempt_at=None,
                last_error=f"{what}: sent again", **extra)
    return True


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
