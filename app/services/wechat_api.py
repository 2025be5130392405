"""The WeChat official account's API, through wechatpy's client: photos residents sent
(temporary media, by MediaId) and the notifications the outbox sends them on the ``wechat``
channel: a template message (``WECHAT_TEMPLATES``: the template per message kind) or, for a
kind without one, a customer-service text (WeChat allows it within 48 h of the resident's
last message). An error retrying cannot fix raises ``Undeliverable``; any other failure is
passing, and the outbox retries it as it retries an SMS."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import current_app
from flask_babel import force_locale

MEDIA_PREFIX = "wechat-media:"
#: WeChat's errcodes that retrying cannot fix: the resident unfollowed or refused, the
#: OpenID or template is wrong, the account may not send this.
PERMANENT_ERRCODES = frozenset({40003, 40036, 40037, 43004, 43101, 45015, 47003, 48001})
#: The longest value a template field takes, by the field's type (WeChat's subscription
#: rules; other fields take a paragraph). A longer value is shortened, never refused.
FIELD_LIMITS = {"thing": 20, "character_string": 32, "phrase": 5, "name": 10,
                "number": 32, "letter": 32, "symbol": 5}
FIELD_DEFAULT_LIMIT = 200


class Undeliverable(Exception):
    """WeChat refused the message for good (see PERMANENT_ERRCODES)."""


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

        wait = current_app.config.get("REDIS_TIMEOUT_SECONDS", 1.0)
        session = RedisStorage(redis.Redis.from_url(redis_url, socket_timeout=wait,
                                                    socket_connect_timeout=wait),
                               prefix="roadchief-wechat")
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


#: The kinds of message a WeChat template may be configured for: the case events that tell
#: the resident something (services/notifications) and "notice" (a photo not used).
TEMPLATE_KINDS = ("submit", "dispatch", "rectify", "reject", "verify_pass", "close", "reopen",
                  "notice")
#: Kinds that say the same thing: "closed, please rate" after a passed check (the usual
#: closure) or a direct close; one template serves both when only one is configured.
SAME_MESSAGE = {"verify_pass": "close", "close": "verify_pass"}


def template_for(templates: Mapping, kind: str):
    return templates.get(kind) or templates.get(SAME_MESSAGE.get(kind, ""))


def check_templates(templates: Mapping) -> None:
    """At start-up: a template configured without an id, or for a kind of message there is
    none of (a misspelt key would silently send a customer-service text instead, which
    WeChat refuses 48 h after the resident last wrote), is a mistake to hear about now."""
    if not isinstance(templates, Mapping):
        raise ValueError("WECHAT_TEMPLATES must be a JSON object: kind → template")
    unknown = [str(kind) for kind in templates if kind not in TEMPLATE_KINDS]
    if unknown:
        raise ValueError(f"WECHAT_TEMPLATES has unknown kind(s) {', '.join(unknown)}; "
                         f"the kinds are: {', '.join(TEMPLATE_KINDS)}")
    for kind, spec in templates.items():
        ok = isinstance(spec, str) and spec or isinstance(spec, dict) and spec.get("id")
        if not ok:
            raise ValueError(f"WECHAT_TEMPLATES[{kind!r}] has no template id")


def send(message) -> str:
    """Send one outbox row to its resident's WeChat; WeChat's msgid (for its delivery
    report), or "wechat" when it gives none."""
    from wechatpy.exceptions import WeChatClientException

    from app.extensions import db
    from app.models import Contact

    contact = db.session.get(Contact, message.contact_id) if message.contact_id else None
    if contact is None or not contact.wechat_openid:
        raise Undeliverable("no WeChat identity for this resident")
    kind, facts = _facts(message)
    spec = template_for(current_app.config.get("WECHAT_TEMPLATES") or {}, kind)
    try:
        if spec:
            template_id, data = template_data(spec, facts)
            result = client().message.send_template(contact.wechat_openid, template_id, data,
                                                    url=facts.get("link") or None)
        else:
            result = client().message.send_text(contact.wechat_openid, message.body)
    except WeChatClientException as exc:
        if exc.errcode in PERMANENT_ERRCODES:
            raise Undeliverable(f"WeChat {exc.errcode}: {exc.errmsg}") from exc
        raise
    msgid = result.get("msgid") if isinstance(result, dict) else None
    return f"{msgid}" if msgid else "wechat"


def _facts(message) -> tuple[str, dict[str, str]]:
    """The message kind (the event's action, or "notice") and what a template may show."""
    from app import labels
    from app.extensions import db
    from app.models import Case, CaseEvent
    from app.services.sms_words import sms_time, sms_time_in
    from workflows.lifecycle import State

    event = db.session.get(CaseEvent, message.event_id) if message.event_id else None
    case = db.session.get(Case, message.case_id) if message.case_id else None
    facts = {"message": message.body,  # the time in the resident's language, as the text
             "time": sms_time_in(message.language, message.created_at) if message.language
             else sms_time(message.created_at)}
    if case is not None:
        with force_locale(message.language):
            facts.update(code=f"{case.code[:4]}-{case.code[4:]}",
                         category=labels.name_in(case.category) if case.category else "",
                         state=str(labels.STATE[State(case.state)]),
                         link=f"{current_app.config['PUBLIC_BASE_URL']}/track/{case.code}")
    return (event.action if event is not None else "notice"), facts
