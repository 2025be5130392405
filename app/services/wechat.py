"""The WeChat official account (公众号), the callback: residents write to the city's account
as they would text it, with wechatpy (the WeChat SDK) at the edges.

In: the callback's signature is checked (and in the encrypted mode, the message's own
signature and its AES envelope, ``WeChatCrypto``); a text, a location or an image becomes
the same ``sms.Inbound`` the SMS webhook makes, keyed by ``wx<MsgId>``, and goes through the
one conversation engine (``app.services.sms.receive``): the same understanding, commands
and conversation, the same idempotency (a redelivered MsgId gets the reply it got the first
time and stores nothing). A location arrives in GCJ-02 and is converted to WGS-84 here; an
image is kept by its MediaId and fetched after commit by the MMS photo path (``mms.fetch``),
through the SDK's media API. The reply is a passive text reply (WeChat waits 5 s for it).

Out (``app.services.wechat_api``): photos are fetched and notifications sent through the
account's API."""

from __future__ import annotations

import hashlib
import math
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.services import contacts
from app.services.coordinates import gcj02_to_wgs84
from app.services.wechat_api import MEDIA_PREFIX

#: A callback body larger than this is no message of WeChat's (they are a few hundred bytes).
BODY_LIMIT = 64 * 1024
_MEDIA_ID = re.compile(r"[A-Za-z0-9_\-]{1,200}")


class Refused(Exception):
    """Not a message from WeChat for this account: a bad signature or envelope."""


def enabled() -> bool:
    return bool(current_app.config.get("WECHAT_TOKEN"))


def _crypto():
    cfg = current_app.config
    if not cfg.get("WECHAT_ENCODING_AES_KEY"):
        return None
    from wechatpy.crypto import WeChatCrypto

    return WeChatCrypto(cfg["WECHAT_TOKEN"], cfg["WECHAT_ENCODING_AES_KEY"],
                        cfg.get("WECHAT_APP_ID") or "")


def _check_signature(args: Mapping) -> None:
    from wechatpy.exceptions import InvalidSignatureException
    from wechatpy.utils import check_signature

    try:
        check_signature(current_app.config["WECHAT_TOKEN"], args.get("signature", ""),
                        args.get("timestamp", ""), args.get("nonce", ""))
    except InvalidSignatureException as exc:
        raise Refused("bad signature") from exc


#: A callback whose signed timestamp is further than this from now is refused: the signature
#: covers only token, timestamp and nonce (not the body), and a signed URL can be read back
#: from an access log; a stale one must not carry a new body.
FRESH_SECONDS = 300
_seen_lock = threading.Lock()
_seen: dict[str, tuple[str, float]] = {}  # without Redis: nonce key → (body digest, expiry)


def _check_fresh(args: Mapping, body: bytes) -> None:
    """The signed timestamp is within ``FRESH_SECONDS`` of now and its nonce has not come
    with another body in that time. The same nonce with the same body is WeChat's own
    redelivery (it retries a slow callback with the same query), answered once by MsgId."""
    try:
        stamp = int(str(args.get("timestamp", "")))
    except ValueError as exc:
        raise Refused("a timestamp that is not a number") from exc
    if abs(time.time() - stamp) > FRESH_SECONDS:
        raise Refused("a stale (or future) timestamp")
    nonce = str(args.get("nonce", ""))[:128]
    key = f"roadchief:wechat-nonce:{stamp}:{hashlib.sha256(nonce.encode()).hexdigest()}"
    if not _first_or_same(key, hashlib.sha256(body).hexdigest()):
        raise Refused("a nonce reused with another body")


def _first_or_same(key: str, digest: str) -> bool:
    """Remember ``digest`` under ``key`` for twice the window (Redis SET NX EX when Redis is
    configured, else this process's memory); True if it is new or the same as remembered."""
    ttl = 2 * FRESH_SECONDS
    if current_app.config.get("REDIS_URL"):
        try:
            from app.rq_queue import redis_connection

            conn = redis_connection()
            if conn.set(key, digest, nx=True, ex=ttl):
                return True
            known = conn.get(key)
            return known is None or known.decode() == digest
        except Exception:  # Redis down: this process's memory still refuses most replays
            pass
    now = time.monotonic()
    with _seen_lock:
        if len(_seen) > 10_000:
            for k in [k for k, (_d, until) in _seen.items() if until <= now]:
                del _seen[k]
        known = _seen.get(key)
        if known is None or known[1] <= now:
            _seen[key] = (digest, now + ttl)
            return True
        return known[0] == digest


def verify(args: Mapping) -> str:
    """The server check when the city saves the callback URL: the echostr, if signed."""
    _check_signature(args)
    return args.get("echostr", "")


def open_message(args: Mapping, body: bytes) -> str:
    """The message's XML as WeChat wrote it: the signature checked and, in the encrypted
    mode, the envelope's signature and AES (which also names our AppID) undone. In the
    encrypted mode a plaintext message is refused: the account is set to send none. A stale
    timestamp, or a nonce seen before with another body, is refused (``_check_fresh``)."""
    _check_signature(args)
    _check_fresh(args, body)
    crypto = _crypto()
    if crypto is None:
        return body.decode("utf-8")
    if args.get("encrypt_type") != "aes" or not args.get("msg_signature"):
        raise Refused("the account is in the encrypted mode; this message is not encrypted")
    try:
        return crypto.decrypt_message(body, args["msg_signature"], args.get("timestamp", ""),
                                      args.get("nonce", ""))
    except Exception as exc:  # a bad signature, AES key, padding, AppID or XML
        raise Refused(f"the envelope does not open: {type(exc).__name__}") from exc


def seal(reply_xml: str, args: Mapping) -> str:
    """The reply as WeChat expects it: encrypted in the encrypted mode."""
    crypto = _crypto()
    if crypto is None or not reply_xml:
        return reply_xml
    return crypto.encrypt_message(reply_xml, args.get("nonce", ""), args.get("timestamp"))


# -- one message ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    xml: str  # the passive reply ("" for none: WeChat then shows nothing)
    reply: str  # its text, for the log and the tests


def handle(xml: str) -> Answer:
    """One message or event from the account's callback, answered in a passive reply."""
    from wechatpy import parse_message

    from app.services import sms

    try:
        message = parse_message(xml)
    except Exception as exc:  # signed, yet not a message (WeChat never sends one)
        raise Refused(f"not a WeChat message: {type(exc).__name__}") from exc
    if message is None:
        raise Refused("an empty message")
    try:
        if not message.source or not message.target or len(message.source) > 64:
            raise Refused("a message without its sender")
        if message.type == "event":
            return _event(message)
        inbound = inbound_of(message)
    except (ValueError, TypeError, OverflowError) as exc:  # a field that is not its kind
        raise Refused(f"a malformed message: {type(exc).__name__}") from exc
    if inbound is None:  # voice, video, a link ...: what we cannot read
        with force_locale(sms.DEFAULT_LANGUAGE):
            text = _("[roadchief] Please send text, a location or a photo. Text HELP for how "
                     "to report.")
        return _answer(message, text)
    return _answer(message, sms.receive(inbound))


def inbound_of(message) -> object | None:
    """A text, location or image as the conversation engine's ``Inbound``; None for
    another kind of message."""
    from app.services import sms

    if not message.id or not 0 < message.id < 2**64:
        raise Refused("a message without its MsgId")
    common = {"sid": f"wx{message.id}"[:64], "from_phone": contacts.wechat_handle(message.source),
              "to_phone": (message.target or "")[:32], "channel": "wechat",
              "wechat_openid": message.source[:64]}
    if message.type == "text":
        return sms.Inbound(body=(message.content or "")[:sms.BODY_MAX], **common)
    if message.type == "location":
        point = _point(message.location_x, message.location_y)
        label = (message.label or "")[:sms.BODY_MAX]
        # The label is the spot's name, read as address words only (``location``).
        return sms.Inbound(body=label, point=point, location=True, **common)
    if message.type == "image":
        media_id = (message.media_id or "").strip()
        if not _MEDIA_ID.fullmatch(media_id):
            raise Refused("an image without a usable MediaId")
        return sms.Inbound(media=((MEDIA_PREFIX + media_id, "image/jpeg"),), **common)
    return None


def _point(lat: str | None, lng: str | None) -> tuple[float, float] | None:
    """WeChat's Location_X (latitude) and Location_Y (longitude), in GCJ-02, as a WGS-84
    (lng, lat); None when they are not a position on Earth."""
    try:
        lat_f, lng_f = float(lat), float(lng)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat_f) and math.isfinite(lng_f)
            and -90 <= lat_f <= 90 and -180 <= lng_f <= 180):
        return None
    return gcj02_to_wgs84(lng_f, lat_f)


def _event(message) -> Answer:
    from app.services import delivery, sms

    if message.event in ("subscribe", "subscribe_scan"):
        _following(message.source, True)
        with force_locale(sms.DEFAULT_LANGUAGE):
            return _answer(message, sms.help_text())
    if message.event == "unsubscribe":
        _following(message.source, False)
        return Answer("", "")
    if message.event == "templatesendjobfinish" and message.id:
        # WeChat's delivery report for a template message.
        status = "delivered" if (message.status or "") == "success" else "failed"
        delivery.record_status(str(message.id), status, None if status == "delivered"
                               else (message.status or "")[:16])
    return Answer("", "")


UNFOLLOWED = "wechat:unsubscribe"  # the opt-out's cause, so that following again lifts it


def _following(openid: str, follows: bool) -> None:
    """A resident who unfollows the account can no longer be sent anything there: their
    progress messages stop as after TD (instead of failing one by one); following again
    lifts that, but not a TD they sent."""
    from sqlalchemy import delete, select
    from sqlalchemy.exc import IntegrityError

    from app.extensions import db
    from app.models import Contact, SmsOptOut
    from app.services import clock

    handle = db.session.scalar(select(Contact.phone).where(Contact.wechat_openid == openid))
    if handle is None:
        return
    if follows:
        db.session.execute(delete(SmsOptOut).where(SmsOptOut.phone == handle,
                                                   SmsOptOut.message_sid == UNFOLLOWED))
    elif db.session.scalar(select(SmsOptOut.id).where(SmsOptOut.phone == handle)) is None:
        db.session.add(SmsOptOut(phone=handle, message_sid=UNFOLLOWED, at=clock.now()))
    try:
        db.session.commit()
    except IntegrityError:  # the same event, redelivered at the same moment
        db.session.rollback()


def _answer(message, text: str) -> Answer:
    from wechatpy.replies import TextReply

    if not text:
        return Answer("", "")
    return Answer(TextReply(source=message.target, target=message.source,
                            content=text).render(), text)
