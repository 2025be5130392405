"""Signed rating links: one per closure of a case and follower, so the SMS that says "your
case is closed" (and the tracking page, for the browser that reported it) lets exactly
that person rate it, without an account.

The signature (itsdangerous, keyed by SECRET_KEY) makes an altered link useless. A link
names the closure it was made for and carries the time it was made: it stops working
after ``RATING_LINK_DAYS`` (by default the rating window, ``SMS_RATING_DAYS``), when the
case was reopened and closed again, and once a rating was given through it (the rating
keeps a digest of the link, unique). Staff screens never show a link: the outbox shows
its messages with the link redacted (``redact``)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseFollower, Contact, Rating
from app.services import clock
from app.services.errors import NotFound, ServiceError

_SALT = "roadchief.rating-link.v2"


class BadRatingLink(NotFound):
    def __init__(self):
        super().__init__(_l("This rating link is not valid. Please use the link from your "
                            "text message exactly as it was sent."))


class ExpiredRatingLink(ServiceError):
    status = 410

    def __init__(self):
        super().__init__(_l("This rating link has expired. You can ask for a new one on the "
                            "case's tracking page while the case can still be rated."))


class UsedRatingLink(ServiceError):
    status = 409

    def __init__(self):
        super().__init__(_l("This rating link was already used: each link rates once."))


class _ClockSigner(TimestampSigner):
    """Timestamps from the app's clock, so that a link's age follows ``clock.travel``."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT,
                                  signer=_ClockSigner,
                                  signer_kwargs={"digest_method": hashlib.sha256})


def window() -> timedelta:
    return timedelta(days=current_app.config["RATING_LINK_DAYS"])


def _closure(case) -> int:
    """The closure a link is for, as a number (the tracking page's case is a read-only
    copy that does not carry the closing time: it is read then)."""
    closed_at = case.closed_at if hasattr(case, "closed_at") else db.session.scalar(
        select(Case.closed_at).where(Case.id == case.id))
    return int(closed_at.timestamp() * 1_000_000) if closed_at else 0


def token_for(case: Case, contact: Contact) -> str:
    return _serializer().dumps([case.id, contact.id, _closure(case)])


def path_for(case: Case, contact: Contact) -> str:
    return f"/rate/{token_for(case, contact)}"


def url_for(case: Case, contact: Contact) -> str:
    """The full link, as sent by SMS."""
    return current_app.config["PUBLIC_BASE_URL"] + path_for(case, contact)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def load(token: str) -> tuple[Case, Contact]:
    """The case and the follower a link was made for. BadRatingLink when it was altered
    or the person no longer follows the case; ExpiredRatingLink when it is older than the
    window or was made for an earlier closure (or the closure is older than the window).
    Whether it was used already is :func:`check_unused`'s."""
    age = int(window().total_seconds())
    try:
        case_id, contact_id, closure = _serializer().loads(token, max_age=age)
        case_id, contact_id, closure = int(case_id), int(contact_id), int(closure)
    except SignatureExpired:
        raise ExpiredRatingLink() from None
    except (BadSignature, TypeError, ValueError, OverflowError):
        raise BadRatingLink() from None
    if not (0 < case_id < 2**63 and 0 < contact_id < 2**63):
        raise BadRatingLink()
    case = db.session.get(Case, case_id)
    contact = db.session.get(Contact, contact_id)
    follows = case is not None and contact is not None and db.session.scalar(
        select(CaseFollower.id).where(CaseFollower.case_id == case.id,
                                      CaseFollower.contact_id == contact.id))
    if not follows:
        raise BadRatingLink()
    if case.closed_at is not None and (
            closure != _closure(case) or clock.now() - case.closed_at > window()):
        raise ExpiredRatingLink()
    return case, contact


def check_unused(token: str) -> None:
    """UsedRatingLink when a rating was already given through this link."""
    if db.session.scalar(select(Rating.id).where(Rating.link_digest == digest(token))):
        raise UsedRatingLink()


_LINK = re.compile(r"\S*/rate/\S+")


def redact(body: str) -> str:
    """A message as staff may read it: any rating link replaced by a marker."""
    return _LINK.sub("[" + str(_l("rating link hidden")) + "]", body or "")
