"""The SMS outbox as staff may read it: each message's kind and its body with any rating
link redacted (a link lets whoever holds it rate as the resident), and no number at all
for a message to the reporter of an anonymous case."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import labels
from app.extensions import db
from app.models import Case, CaseEvent, OutboxMessage
from app.services.message_kinds import KINDS
from app.services.privacy import mask_phone
from app.services.rating_links import redact
from workflows.lifecycle import Action

KIND = {
    "rating_link": _l("Rating link (asked for on the tracking page)"),
    "reminder": _l("Reminder to staff"),
    "escalation": _l("Escalation to supervisors"),
    "staff": _l("New case for the assignee"),
    "other": _l("Other message"),
}


@dataclass(frozen=True)
class OutboxRow:
    message: OutboxMessage
    kind: str
    body: str
    to: str | None  # masked; None: not shown (an anonymous reporter)
    code: str | None


def rows(messages: list[OutboxMessage]) -> list[OutboxRow]:
    case_ids = {m.case_id for m in messages if m.case_id}
    event_ids = {m.event_id for m in messages if m.event_id}
    cases = {row.id: row for row in db.session.execute(
        select(Case.id, Case.code, Case.anonymous, Case.reporter_contact_id)
        .where(Case.id.in_(case_ids)))} if case_ids else {}
    actions = dict(db.session.execute(
        select(CaseEvent.id, CaseEvent.action).where(CaseEvent.id.in_(event_ids))).all()
    ) if event_ids else {}
    out = []
    for m in messages:
        case = cases.get(m.case_id)
        hidden = (case is not None and case.anonymous and m.contact_id is not None
                  and m.contact_id == case.reporter_contact_id)
        out.append(OutboxRow(m, str(kind_of(m, actions.get(m.event_id))), redact(m.body),
                             None if hidden else mask_phone(m.to_phone),
                             case.code if case is not None else None))
    return out


def kind_of(message: OutboxMessage, action: str | None):
    key = message.dedupe_key or ""
    if key.startswith("reply:") and message.kind in KINDS:  # a gateway's answer to a text
        return KINDS[message.kind].title
    if key.startswith("ratelink:"):
        return KIND["rating_link"]
    if key.startswith("step:"):
        return KIND["escalation"] if ":escalate:" in key else KIND["reminder"]
    if key.endswith(":staff"):
        return KIND["staff"]
    if action is not None:
        return _l("To the resident: %(action)s", action=labels.ACTION[Action(action)])
    return KIND["other"]
