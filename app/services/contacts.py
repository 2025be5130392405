"""Residents' contacts: a phone number as the app keeps it, and the two find-or-creates:
by number (``find_or_create``: the web form, Open311, SMS) and by OpenID
(``find_or_create_wechat``: WeChat, whose contact holds a ``wx-`` handle for its number);
both insert with ``ON CONFLICT DO NOTHING`` on the same unique phone column."""

from __future__ import annotations

import hashlib
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.database import insert_or_skip
from app.extensions import db
from app.models import Contact
from app.services import clock
from app.services.errors import InvalidInput

DEFAULT_LANGUAGE = "zh_Hans_CN"


def normalize_phone(raw: str | None) -> str | None:
    """E.164 from what a resident types; None for empty; InvalidInput when unusable."""
    if raw is None or not raw.strip():
        return None
    digits = re.sub(r"[\s\-()]", "", raw.strip())
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return "+86" + digits
    if re.fullmatch(r"(\+|00)86(1[3-9]\d{9})", digits):
        return "+86" + digits[-11:]
    if re.fullmatch(r"\+[1-9]\d{7,14}", digits):
        return digits
    raise InvalidInput(_l("That phone number is not valid."), field="phone")


def find_contact(phone: str | None, language: str = DEFAULT_LANGUAGE) -> Contact | None:
    """The contact for this number, made if new (in ``language``); None without a
    number."""
    return find_or_create(phone, language)[0]


def find_or_create(phone: str | None, language: str = DEFAULT_LANGUAGE
                   ) -> tuple[Contact | None, bool]:
    """The contact for this number and whether it was made just now. A new number is
    inserted with ``ON CONFLICT DO NOTHING``, so two first messages from one number at
    once share one row (the second waits for the first and then reads it)."""
    phone = normalize_phone(phone)
    if phone is None:
        return None, False
    made = insert_or_skip(Contact, {"phone": phone, "language": language,
                                    "created_at": clock.now()}, ["phone"])
    if made is not None:
        return made, True
    return db.session.scalar(select(Contact).where(Contact.phone == phone)), False


WECHAT_PREFIX = "wx-"


def wechat_handle(openid: str) -> str:
    """What a WeChat resident's contact holds where others hold a number: derived from the
    OpenID (so two first messages at once meet on the same unique key), never a number an
    SMS could go to."""
    return WECHAT_PREFIX + hashlib.sha256(openid.encode()).hexdigest()[:16]


def find_or_create_wechat(openid: str, language: str = DEFAULT_LANGUAGE
                          ) -> tuple[Contact, bool]:
    """The contact of the resident with this OpenID, and whether it was made just now."""
    if not openid or len(openid) > 64:
        raise InvalidInput(_l("A WeChat message needs its sender."), field="FromUserName")
    handle = wechat_handle(openid)
    made = insert_or_skip(Contact, {"phone": handle, "wechat_openid": openid,
                                    "language": language, "created_at": clock.now()},
                          ["phone"])
    if made is not None:
        return made, True
    return db.session.scalar(select(Contact).where(Contact.phone == handle)), False
