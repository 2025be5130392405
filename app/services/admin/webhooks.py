"""Webhook subscribers, registered by an administrator: a URL, a shared secret, the kinds
of case event and the place (a district, or the whole city). Validated and audited like
every administrative change; the secret is never written to the audit log."""

from __future__ import annotations

import re
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import District, User, WebhookDelivery, WebhookSubscriber
from app.services import clock
from app.services import webhooks as delivery
from app.services.admin import Invalid, Problems, audit, text
from workflows.lifecycle import Action

FIELDS = ("name", "url", "event_kinds", "district_id", "active")
KINDS = tuple(a.value for a in Action)


def create(admin: User, data) -> tuple[WebhookSubscriber, str]:
    """A new subscriber and its secret (the one given, or a new one to show once)."""
    problems = Problems()
    name = text(problems, data, "name", 80, required=True)
    url = text(problems, data, "url", 500, required=True)
    if url and not re.fullmatch(r"https?://[^\s<>\"]+", url):
        problems.add("url", _l("An http:// or https:// address."))
    secret = text(problems, data, "secret", 128) or secrets.token_urlsafe(32)
    if len(secret) < 16:
        problems.add("secret", _l("At least 16 characters (leave it empty for a new one)."))
    kinds = [k for k in (data.getlist("event_kinds") if hasattr(data, "getlist")
                         else data.get("event_kinds") or [])]
    if any(k not in KINDS for k in kinds):
        problems.add("event_kinds", _l("Unknown kind of event."))
    district_id = None
    raw_district = str(data.get("district_id") or "").strip()
    if raw_district:
        district_id = db.session.scalar(select(District.id).where(
            District.id == (int(raw_district) if raw_district.isdigit() else -1)))
        if district_id is None:
            problems.add("district_id", _l("Unknown district."))
    problems.raise_if_any()
    subscriber = WebhookSubscriber(name=name, url=url, secret=secret, event_kinds=kinds,
                                   district_id=district_id, active=True,
                                   created_at=clock.now(), created_by_id=admin.id)
    db.session.add(subscriber)
    db.session.flush()
    audit.record(admin, "webhook", subscriber.id, "create", None,
                 audit.snapshot(subscriber, FIELDS))
    return subscriber, secret


def set_active(admin: User, subscriber: WebhookSubscriber, active: bool) -> None:
    before = audit.snapshot(subscriber, FIELDS)
    subscriber.active = active
    db.session.flush()
    audit.record(admin, "webhook", subscriber.id, "update", before,
                 audit.snapshot(subscriber, FIELDS))


def subscribers() -> list[WebhookSubscriber]:
    return list(db.session.scalars(select(WebhookSubscriber).order_by(
        WebhookSubscriber.active.desc(), WebhookSubscriber.id)))


def deliveries(subscriber: WebhookSubscriber, limit: int = 200) -> list[WebhookDelivery]:
    """Failed ones first (they need a decision), then the latest."""
    return list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.subscriber_id == subscriber.id)
        .order_by((WebhookDelivery.status == "failed").desc(), WebhookDelivery.id.desc())
        .limit(limit)))


def resend(admin: User, item: WebhookDelivery) -> None:
    if item.status != "failed":
        raise Invalid({"delivery": _l("Only a failed delivery can be sent again.")})
    before = {"status": item.status}
    delivery.resend(item)
    audit.record(admin, "webhook_delivery", item.idempotency_key, "update", before,
                 {"status": item.status})
