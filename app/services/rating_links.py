"""Signed rating links: one per case and follower, so the SMS that says "your case is
closed" (and the tracking page, for the browser that reported it) can let exactly that
person rate it, without an account. The signature (itsdangerous, keyed by SECRET_KEY)
makes an altered link useless; "once per person" is the Rating table's unique constraint,
enforced through ``cases.rate``."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseFollower, Contact
from app.services.errors import NotFound

_SALT = "roadchief.rating-link"


class BadRatingLink(NotFound):
    def __init__(self):
        super().__init__(_l("This rating link is not valid. Please use the link from your "
                            "text message exactly as it was sent."))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def token_for(case: Case, contact: Contact) -> str:
    return _serializer().dumps([case.id, contact.id])


def path_for(case: Case, contact: Contact) -> str:
    return f"/rate/{token_for(case, contact)}"


def url_for(case: Case, contact: Contact) -> str:
    """The full link, as sent by SMS."""
    return current_app.config["PUBLIC_BASE_URL"] + path_for(case, contact)


def load(token: str) -> tuple[Case, Contact]:
    """The case and the follower a link was made for; BadRatingLink when it was altered
    or the person no longer follows the case."""
    try:
        case_id, contact_id = _serializer().loads(token)
        case_id, contact_id = int(case_id), int(contact_id)
    except (BadSignature, TypeError, ValueError):
        raise BadRatingLink() from None
    case = db.session.get(Case, case_id)
    contact = db.session.get(Contact, contact_id)
    follows = case is not None and contact is not None and db.session.scalar(
        select(CaseFollower.id).where(CaseFollower.case_id == case.id,
                                      CaseFollower.contact_id == contact.id))
    if not follows:
        raise BadRatingLink()
    return case, contact
