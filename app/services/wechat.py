"""The WeChat official account (公众号): residents write to the city's account as they would
text it, with wechatpy (the WeChat SDK) at the edges.

In: the callback's signature is checked (and in the encrypted mode, the message's own
signature and its AES envelope, ``WeChatCrypto``); a text, a location or an image becomes
the same ``sms.Inbound`` the SMS webhook makes, keyed by ``wx<MsgId>``, and goes through the
one conversation engine (``app.services.sms.receive``): the same understanding, commands
and conversation, the same idempotency (a redelivered MsgId gets the reply it got the first
time and stores nothing). A location arrives in GCJ-02 and is converted to WGS-84 here; an
image is kept by its MediaId and fetched after commit by the MMS photo path (``mms.fetch``),
through the SDK's media API. The reply is a passive text reply (WeChat waits 5 s for it).

Out: an outbox row on the ``wechat`` channel (a resident with a WeChat identity) is sent as
a template message (``WECHAT_TEMPLATES``: the template per message kind) or, for a kind
without one, as a customer-service text; failures map onto the outbox's transient and
permanent errors, so retries and the outbox page work as for SMS."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.services import contacts
from app.services.coordinates import gcj02_to_wgs84

log = logging.getLogger(__name__)
#: A callback body larger than this is no message of WeChat's (they are a few hundred bytes).
BODY_LIMIT = 64 * 1024
MEDIA_PREFIX = "wechat-media:"
_MEDIA_ID = re.compile(r"[A-Za-z0-9_\-]{1,200}")
#: WeChat's errcodes that retrying cannot fix: the resident unfollowed or refused, the
#: OpenID or template is wrong, the account may not send this.
PERMANENT_ERRCODES = frozenset({40003, 40036, 40037, 43004, 43101, 45015, 47003, 48001})
#: The longest value a template field takes, by the field's type (WeChat's subscription
#: rules; other fields take a paragraph). A longer value is shortened, never refused.
FIELD_LIMITS = {"thing": 20, "character_string": 32, "phrase": 5, "name": 10,
                "number": 32, "letter": 32, "symbol": 5}
FIELD_DEFAULT_LIMIT = 200


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


def verify(args: Mapping) -> str:
    """The server check when the city saves the callback URL: the echostr, if signed."""
    _check_signature(args)
    return args.get("echostr", "")


def open_message(args: Mapping, body: bytes) -> str:
    """The message's XML as WeChat wrote it: the signature checked and, in the encrypted
    mode, the envelope's signature and AES (which also names our AppID) undone. In the
    encrypted mode a plaintext message is refused: the account is set to send none."""
    _check_signature(args)
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
        return sms.Inbound(body=label, point=point, **common) if point else \
            sms.Inbound(body=label, **common)
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
        with force_locale(sms.DEFAULT_LANGUAGE):
            return _answer(message, sms.help_text())
    if message.event == "templatesendjobfinish" and message.id:
        # WeChat's delivery report for a template message.
        status = "delivered" if (message.status or "") == "success" else "failed"
        delivery.record_status(str(message.id), status, None if status == "delivered"
                               else (message.status or "")[:16])
    return Answer("", "")


def _answer(message, text: str) -> Answer:
    from wechatpy.replies import TextReply

    if not text:
        return Answer("", "")
    return Answer(TextReply(source=message.target, target=message.source,
                            content=text).render(), text)


# -- the account's API: photos in, notifications out -------------------------------------------


_clients: dict[tuple, object] = {}


def client():
    """wechatpy's client for the account, kept per process (its access token is kept in
    Redis when there is one, so every worker shares one token), pointed at
    ``WECHAT_API_BASE_URL``."""
    cfg = current_app.config
    if not (cfg.get("WECHAT_APP_ID") and cfg.get("WECHAT_APP_SECRET")):
        raise RuntimeError("WeChat is not configured (WECHAT_APP_ID, WECHAT_APP_SECRET)")
    key = (cfg["WECHAT_APP_ID"], cfg["WECHAT_APP_SECRET"], cfg["WECHAT_API_BASE_URL"],
           cfg.get("REDIS_URL"))
    if key not in _clients:
        _clients[key] = _make_client(*key)
    return _clients[key]


def _make_client(app_id: str, secret: str, base: str, redis_url: str | None):
    from wechatpy import WeChatClient

    session = None
    if redis_url:
        import redis
        from wechatpy.session.redisstorage import RedisStorage

        session = RedisStorage(redis.Redis.from_url(redis_url), prefix="roadchief-wechat")
    base = base if base.endswith("/") else base + "/"

    class CityClient(WeChatClient):
        API_BASE_URL = base

        def fetch_access_token(self):
            return self._fetch_access_token(url=base + "token", params={
                "grant_type": "client_credential", "appid": self.appid,
                "secret": self.secret})

    return CityClient(app_id, secret, session=session,
                      timeout=current_app.config.get("WECHAT_TIMEOUT_SECONDS", 4))


def download(url: str) -> bytes:
    """A photo a resident sent, by the MediaId kept in its row (``wechat-media:<id>``),
    through the media API (temporary media: WeChat keeps it three days)."""
    media_id = url.removeprefix(MEDIA_PREFIX)
    response = client().media.download(media_id)
    if isinstance(response, dict):  # an answer in JSON is an error, not a photo
        raise RuntimeError(f"WeChat media {response.get('errcode')}: {response.get('errmsg')}")
    return response.content[:current_app.config["MAX_PHOTO_BYTES"] + 1]


def shorten(value: str, limit: int) -> str:
    """A template value cut to what its field takes (ending in "…" when cut)."""
    value = " ".join((value or "").split())
    return value if len(value) <= limit else value[:max(0, limit - 1)] + "…"


def field_limit(name: str) -> int:
    kind = re.sub(r"\d+$", "", name)
    return FIELD_LIMITS.get(kind, FIELD_DEFAULT_LIMIT)


def template_data(spec, facts: Mapping[str, str]) -> tuple[str, dict]:
    """The template id and its data for one message. ``spec`` is the configured template:
    an id (the classic template: first, keyword1 = case code, keyword2 = time, remark =
    the message) or {"id": ..., "fields": {"thing1": "category", ...}} naming which fact
    fills each field (message, code, category, state, time)."""
    if isinstance(spec, str):
        fields = {"first": "message", "keyword1": "code", "keyword2": "time",
                  "remark": "link"}
        template_id = spec
    else:
        template_id, fields = spec["id"], spec.get("fields") or {"first": "message"}
    return template_id, {name: {"value": shorten(facts.get(fact, ""), field_limit(name))}
                         for name, fact in fields.items()}


def check_templates(templates: Mapping) -> None:
    """At start-up: a template configured without an id is a mistake to hear about now."""
    for kind, spec in templates.items():
        ok = isinstance(spec, str) and spec or isinstance(spec, dict) and spec.get("id")
        if not ok:
            raise ValueError(f"WECHAT_TEMPLATES[{kind!r}] has no template id")


class Sender:
    """Sends one outbox row on the wechat channel; raises the outbox's errors."""

    def send_message(self, message) -> str:
        from requests.exceptions import RequestException
        from wechatpy.exceptions import WeChatClientException

        from app.extensions import db
        from app.models import Contact
        from app.services.delivery import PermanentError, TransientError

        contact = db.session.get(Contact, message.contact_id) if message.contact_id else None
        if contact is None or not contact.wechat_openid:
            raise PermanentError("no WeChat identity for this resident")
        kind, facts = _facts(message)
        spec = current_app.config.get("WECHAT_TEMPLATES", {}).get(kind)
        try:
            if spec:
                template_id, data = template_data(spec, facts)
                result = client().message.send_template(contact.wechat_openid, template_id,
                                                        data, url=facts.get("link") or None)
            else:
                result = client().message.send_text(contact.wechat_openid, message.body)
        except WeChatClientException as exc:
            if exc.errcode in PERMANENT_ERRCODES:
                raise PermanentError(f"WeChat {exc.errcode}: {exc.errmsg}") from exc
            raise TransientError(f"WeChat {exc.errcode}: {exc.errmsg}") from exc
        except (RequestException, OSError, RuntimeError) as exc:
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc
        msgid = result.get("msgid") if isinstance(result, dict) else None
        return f"{msgid}" if msgid else "wechat"


def _facts(message) -> tuple[str, dict[str, str]]:
    """The message kind (the event's action, or "notice") and what a template may show."""
    from app import labels
    from app.extensions import db
    from app.models import Case, CaseEvent
    from app.services.notifications import display_code
    from app.services.sms_words import sms_time
    from workflows.lifecycle import State

    event = db.session.get(CaseEvent, message.event_id) if message.event_id else None
    case = db.session.get(Case, message.case_id) if message.case_id else None
    facts = {"message": message.body, "time": sms_time(message.created_at)}
    if case is not None:
        with force_locale(message.language):
            facts.update(code=display_code(case.code),
                         category=labels.name_in(case.category) if case.category else "",
                         state=str(labels.STATE[State(case.state)]),
                         link=f"{current_app.config['PUBLIC_BASE_URL']}/track/{case.code}")
    return (event.action if event is not None else "notice"), facts
