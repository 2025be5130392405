"""Personal data kept no longer than needed (PIPL, 个人信息保护法).

- A resident's phone number is replaced by a placeholder ``RETENTION_PHONE_DAYS`` after the
  last case they reported or followed was finished (closed, rejected or merged), with the
  copies of it in the SMS tables; the cases, their events and every figure stay.
- Photos older than ``RETENTION_PHOTO_DAYS`` are deleted from the store and the database.
- On request an administrator exports one resident's data, or erases it at once.
- Every reading of a full number by staff, every export and every erasure is written to
  the audit log (``audit_entry``: view / export / erase).

``flask retention run`` does the periodic part (a daily timer; deploy/systemd). A setting of
0 days keeps that kind of data."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, exists, func, or_, select, update

from app.extensions import db
from app.models import (
    Attachment,
    AuditEntry,
    Case,
    CaseEvent,
    CaseFollower,
    Contact,
    FollowUpCall,
    OutboxMessage,
    Rating,
    User,
)
from app.models.sms import InboundMessage, SmsConversation
from app.services import clock, media, storage
from app.services.privacy import mask_phone
from workflows.lifecycle import State

FINISHED = (State.CLOSED.value, State.REJECTED.value, State.MERGED.value)
BATCH = 500


def placeholder(contact_id: int) -> str:
    """What an anonymised contact's number becomes: unique, and never a number to send to."""
    return f"anon-{contact_id}"


def _audit(user: User | None, action: str, contact: Contact, source: str,
           before: dict | None = None, after: dict | None = None) -> None:
    db.session.add(AuditEntry(
        at=clock.now(), user_id=user.id if user else None,
        username=user.username if user else "retention", entity="contact",
        entity_key=str(contact.id), action=action, source=source[:120], before=before,
        after=after))


def _cases_of(contact_id: int):
    """The cases a contact reported or follows."""
    followed = select(CaseFollower.case_id).where(CaseFollower.contact_id == contact_id)
    return select(Case).where(or_(Case.reporter_contact_id == contact_id, Case.id.in_(followed)))


def _anonymise(contact: Contact, now: datetime) -> None:
    old = contact.phone
    contact.phone = placeholder(contact.id)
    contact.wechat_openid = None  # the WeChat identity goes with the number
    contact.anonymised_at = now
    db.session.execute(update(OutboxMessage).where(OutboxMessage.contact_id == contact.id)
                       .values(to_phone=contact.phone))
    db.session.execute(update(InboundMessage).where(or_(
        InboundMessage.contact_id == contact.id, InboundMessage.from_phone == old))
        .values(from_phone=contact.phone))
    db.session.execute(update(SmsConversation).where(SmsConversation.contact_id == contact.id)
                       .values(phone=contact.phone))


def anonymise_due(now: datetime | None = None) -> int:
    """Phone numbers of residents whose last case finished more than RETENTION_PHONE_DAYS
    ago (and who have no case still open); returns how many were anonymised."""
    days = int(current_app.config.get("RETENTION_PHONE_DAYS") or 0)
    if days <= 0:
        return 0
    now = now or clock.now()
    cutoff = now - timedelta(days=days)
    followed = select(CaseFollower.case_id).where(CaseFollower.contact_id == Contact.id)
    mine = or_(Case.reporter_contact_id == Contact.id, Case.id.in_(followed))
    still_open = exists().where(mine, Case.state.not_in(FINISHED))
    recent = exists().where(mine, func.coalesce(Case.closed_at, Case.updated_at) >= cutoff)
    due = (select(Contact).where(Contact.anonymised_at.is_(None), Contact.created_at < cutoff,
                                 ~still_open, ~recent)
           .order_by(Contact.id).limit(BATCH))
    done = 0
    while batch := db.session.scalars(due).all():
        for contact in batch:
            _audit(None, "erase", contact, f"retention: {days} days after the last case",
                   before={"phone": mask_phone(contact.phone)})
            _anonymise(contact, now)
        db.session.commit()
        done += len(batch)
    return done


def delete_old_photos(now: datetime | None = None) -> int:
    """Photos (and thumbnails) older than RETENTION_PHOTO_DAYS; rows first, then objects:
    a failure half-way leaves stray objects, never a case naming a photo that is gone."""
    days = int(current_app.config.get("RETENTION_PHOTO_DAYS") or 0)
    if days <= 0:
        return 0
    cutoff = (now or clock.now()) - timedelta(days=days)
    done = 0
    while True:
        rows = db.session.execute(
            select(Attachment.id, Attachment.storage_key)
            .where(Attachment.created_at < cutoff).order_by(Attachment.id).limit(BATCH)).all()
        if not rows:
            break
        db.session.execute(delete(Attachment).where(Attachment.id.in_([r.id for r in rows])))
        db.session.commit()
        for row in rows:
            try:
                storage.store().delete(row.storage_key)
                storage.store().delete(media.thumb_key(row.storage_key))
            except storage.StoreUnavailable:
                current_app.logger.warning("retention: photo %s left in the store",
                                           row.storage_key)
        done += len(rows)
    return done


def run(now: datetime | None = None) -> dict[str, int]:
    from app.public.uploads import sweep_left_overs

    return {"phones_anonymised": anonymise_due(now), "photos_deleted": delete_old_photos(now),
            "held_photos_swept": sweep_left_overs()}


# -- one resident, on request ------------------------------------------------------------------


def find(phone: str) -> Contact | None:
    """A resident by phone number, or by their WeChat OpenID (as the account's admin
    page shows it)."""
    from app.services.contacts import normalize_phone

    raw = (phone or "").strip()
    if raw and len(raw) <= 64:
        by_wechat = db.session.scalar(select(Contact).where(Contact.wechat_openid == raw))
        if by_wechat is not None:
            return by_wechat
        if re.fullmatch(r"o[A-Za-z0-9_\-]{20,63}", raw):  # an OpenID nobody has (any more)
            return None
    number = normalize_phone(phone)
    return db.session.scalar(select(Contact).where(Contact.phone == number)) if number else None


def export(contact: Contact, admin: User) -> dict[str, Any]:
    """Everything kept about one resident, as a JSON-ready dict; the export is audited."""
    cases = db.session.scalars(_cases_of(contact.id).order_by(Case.id)).all()
    data = {
        "phone": contact.phone, "wechat_openid": contact.wechat_openid,
        "language": contact.language,
        "first_seen": contact.created_at.isoformat(),
        "anonymised_at": contact.anonymised_at.isoformat() if contact.anonymised_at else None,
        "cases": [{"code": c.code, "reported_by_you": c.reporter_contact_id == contact.id,
                   "category": c.category.code if c.category else None,
                   "description": c.description, "address": c.address,
                   "anonymous": c.anonymous, "state": c.state,
                   "reported_at": c.created_at.isoformat()} for c in cases],
        "ratings": [{"case_id": r.case_id, "score": r.score, "comment": r.comment,
                     "at": r.at.isoformat()} for r in db.session.scalars(
                         select(Rating).where(Rating.contact_id == contact.id))],
        "sms_received": [{"at": m.received_at.isoformat(), "body": m.body}
                         for m in db.session.scalars(select(InboundMessage).where(
                             InboundMessage.contact_id == contact.id)
                             .order_by(InboundMessage.id))],
        "sms_sent": [{"at": m.created_at.isoformat(), "body": m.body, "status": m.status}
                     for m in db.session.scalars(select(OutboxMessage).where(
                         OutboxMessage.contact_id == contact.id).order_by(OutboxMessage.id))],
    }
    _audit(admin, "export", contact, "on request", after={"cases": len(cases)})
    db.session.commit()
    return data


def erase(contact: Contact, admin: User, reason: str) -> None:
    """At the resident's request: the number, their texts, rating comments and what they
    said on follow-up calls go now; the cases stay (they are the city's record of a street
    problem), without the number."""
    now = clock.now()
    _audit(admin, "erase", contact, f"on request: {reason}"[:120],
           before={"phone": mask_phone(contact.phone)})
    if contact.anonymised_at is None:
        _anonymise(contact, now)
    db.session.execute(update(InboundMessage).where(InboundMessage.contact_id == contact.id)
                       .values(body="", reply=None))
    db.session.execute(update(Rating).where(Rating.contact_id == contact.id).values(comment=""))
    # The comment also stands as the note of their rating in the case history, and what
    # they said on a follow-up call in its record.
    db.session.execute(update(CaseEvent).where(CaseEvent.actor_contact_id == contact.id,
                                               CaseEvent.action == "rate").values(note=None))
    db.session.execute(update(FollowUpCall).where(FollowUpCall.case_id.in_(
        select(Case.id).where(Case.reporter_contact_id == contact.id))).values(words=""))
    # Kept: an opt-out (TD) of the number, so that it is never texted again — the one
    # purpose the number still serves (a suppression list).
    db.session.execute(update(OutboxMessage).where(OutboxMessage.contact_id == contact.id,
                                                   OutboxMessage.status != "pending")
                       .values(body=""))
    db.session.commit()


def record_view(user: User, contact: Contact, case: Case) -> None:
    """A member of staff read a resident's full number (to call them back)."""
    _audit(user, "view", contact, f"case {case.code}")
    db.session.commit()
