"""Signed-in staff sessions kept on the server. The session cookie (and a remember-me
cookie) names one, by a random key of which only a digest is stored; signing out ends
it, so a cookie copied before then opens nothing afterwards. A new password ends every
session of the account too (the cookie also carries a fingerprint of the password)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select, update

from app.extensions import db
from app.models import StaffSession, User
from app.services import clock


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def start(user: User) -> str:
    """A new session for the user, committed; returns what the cookie holds."""
    key = secrets.token_urlsafe(24)
    db.session.add(StaffSession(key_hash=_digest(key), user_id=user.id,
                                created_at=clock.now()))
    db.session.commit()
    user.session_key = key
    return user.get_id()


def load(session_id: str) -> User | None:
    """The user a cookie's session names, if that session is still open and the password
    is still the one signed in with."""
    user_id, _, rest = (session_id or "").partition(":")
    fingerprint, _, key = rest.partition(":")
    if not user_id.isdigit() or not key or len(user_id) > 18:
        return None
    user = db.session.scalar(
        select(User).join(StaffSession, StaffSession.user_id == User.id)
        .where(User.id == int(user_id), StaffSession.key_hash == _digest(key),
               StaffSession.ended_at.is_(None)))
    if user is None or not hmac.compare_digest(fingerprint, user.password_fingerprint()):
        return None
    user.session_key = key
    return user


def end(user: User) -> None:
    """End the session this user object was loaded by (signing out). Commits."""
    key = getattr(user, "session_key", None)
    if not key:
        return
    db.session.execute(update(StaffSession).where(StaffSession.key_hash == _digest(key),
                                                  StaffSession.ended_at.is_(None))
                       .values(ended_at=clock.now()))
    db.session.commit()
