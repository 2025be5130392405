"""API keys for the Open311 endpoint. A key's token (``rc_<prefix>_<secret>``) is shown
once, when it is created; the database keeps only its SHA-256 (the token carries 256 bits
of randomness, so a fast hash is safe). The Open311 blueprint calls :func:`authenticate`
and limits each key to :func:`rate_limit`."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Row

from app.extensions import db
from app.models import ApiKey, User
from app.services import clock
from app.services.admin import Invalid, Problems, audit, integer, text

FIELDS = ("name", "prefix", "rate_per_minute", "revoked_at", "partner_user_id")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(admin: User, name: str, rate_per_minute: str | int) -> tuple[ApiKey, str]:
    """A new key and its token (to show once). Staged."""
    problems = Problems()
    data = {"name": name, "rate_per_minute": rate_per_minute}
    name = text(problems, data, "name", 80, required=True)
    rate = integer(problems, data, "rate_per_minute", 1, 10000, default=60)
    problems.raise_if_any()
    prefix = secrets.token_hex(4)
    token = f"rc_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(name=name, prefix=prefix, secret_hash=_digest(token), rate_per_minute=rate,
                 created_at=clock.now(), created_by_id=admin.id)
    db.session.add(key)
    db.session.flush()
    audit.record(admin, "api_key", prefix, "create", None, audit.snapshot(key, FIELDS))
    return key, token


def revoke(admin: User, key: ApiKey) -> None:
    if key.revoked_at is not None:
        raise Invalid({"key": _l("This key is already revoked.")})
    before = audit.snapshot(key, FIELDS)
    key.revoked_at, key.revoked_by_id = clock.now(), admin.id
    db.session.flush()
    audit.record(admin, "api_key", key.prefix, "update", before, audit.snapshot(key, FIELDS))


def set_rate(admin: User, key: ApiKey, rate_per_minute: str | int) -> None:
    problems = Problems()
    rate = integer(problems, {"rate_per_minute": rate_per_minute}, "rate_per_minute", 1, 10000)
    problems.raise_if_any()
    before = audit.snapshot(key, FIELDS)
    key.rate_per_minute = rate
    db.session.flush()
    audit.record(admin, "api_key", key.prefix, "update", before, audit.snapshot(key, FIELDS))


def set_partner(admin: User, key: ApiKey, username: str | None) -> None:
    """Make the key a partner key acting as this staff account (its role and place are
    the key's scope for Open311 updates), or (no username) a key that only reports."""
    username = (username or "").strip()
    user = None
    if username:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None or not user.active or user.role == "admin":
            raise Invalid({"partner": _l("No active staff account has that username.")})
    before = audit.snapshot(key, FIELDS)
    key.partner_user_id = user.id if user else None
    db.session.flush()
    audit.record(admin, "api_key", key.prefix, "update", before, audit.snapshot(key, FIELDS))


#: A key as a request reads it: its columns by name (``key.prefix``, ``key.rate_per_minute``,
#: ``key.partner_user_id`` ...), not a mapped object, since no request changes its key.
KeyRow = Row

#: Built once: every Open311 request with a key asks it.
_BY_PREFIX = select(ApiKey.__table__).where(ApiKey.__table__.c.prefix == bindparam("prefix"))


def authenticate(token: str | None) -> KeyRow | None:
    """The active key for a presented token, or None. Constant-time on the secret."""
    parts = (token or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "rc":
        return None
    key = db.session.execute(_BY_PREFIX, {"prefix": parts[1]}).first()
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.secret_hash, _digest(token.strip())):
        return None
    return key


def rate_limit(key: KeyRow) -> str:
    """The key's limit in Flask-Limiter's notation."""
    return f"{key.rate_per_minute} per minute"


def keys() -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None),
                                                           ApiKey.id.desc())))
