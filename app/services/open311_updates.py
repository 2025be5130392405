"""Open311 service request updates, as FixMyStreet's extension of GeoReport v2 has them
(``servicerequestupdates.{json,xml}``), both ways.

GET: the updates in a window (``start_date``/``end_date``, at most 90 days, paged like
requests): each change of a case's state and each public comment, under its own
``update_id`` (the event's id). ``status`` uses FixMyStreet's extended states: OPEN
(received, dispatched, returned), IN_PROGRESS (being handled, on hold, awaiting the
on-site check), FIXED (closed as fixed), CLOSED (not accepted), DUPLICATE (merged).

POST: a partner system's update. Its ``api_key`` must be a partner key, which acts as a
staff account: that account's role and place are the key's scope, and every change goes
through the one door (app/services/cases.py) as that account's action. A comment alone
(``status`` absent or the case's present status) is a public note; a new ``status`` is the
door action that leads there from the case's state, if the state machine and the
account's role allow it:

==================  ======================  ==========================================
status              case state              action (role it needs)
==================  ======================  ==========================================
IN_PROGRESS         dispatched              sign for (the assignee's unit)
FIXED or CLOSED     rectified               verify pass (inspector) or close
                                            (supervisor; the description is the reason)
CLOSED, NOT_COUNCILS_RESPONSIBILITY,        reject (dispatcher, supervisor; the
NO_FURTHER_ACTION   submitted or returned   description is the reason)
==================  ======================  ==========================================

Anything else is refused (400) and changes nothing; a case outside the key's scope is
"not found" (404), an action its role may not take is 403."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.extensions import db
from app.models import Attachment, Case, CaseEvent
from app.models.case import DESCRIPTION_MAX
from app.services import cases, plain_text, public_view
from app.services.actors import Actor, can_see
from app.services.errors import ServiceError
from app.services.notifications import display_code
from app.services.open311 import (
    DEFAULT_LIMIT,
    PAGE_SIZE_MAX,
    Open311Error,
    _whole,
    among,
    check_jurisdiction,
    from_service_error,
    given,
    media_url_of,
    parse_datetime,
    w3c,
    window,
)
from workflows.lifecycle import Action, Role, State

if TYPE_CHECKING:
    from app.services.admin.api_keys import KeyRow

STATUS = {
    State.SUBMITTED: "OPEN", State.DISPATCHED: "OPEN", State.RETURNED: "OPEN",
    State.IN_PROGRESS: "IN_PROGRESS", State.ON_HOLD: "IN_PROGRESS",
    State.RECTIFIED: "IN_PROGRESS", State.CLOSED: "FIXED", State.REJECTED: "CLOSED",
    State.MERGED: "DUPLICATE",
}
#: Statuses a partner may post (FixMyStreet's, upper case; lower case is accepted).
POSTED = ("OPEN", "IN_PROGRESS", "FIXED", "CLOSED", "DUPLICATE", "NOT_COUNCILS_RESPONSIBILITY",
          "NO_FURTHER_ACTION", "ACTION_SCHEDULED", "INVESTIGATING", "INTERNAL_REFERRAL")


# -- GET ---------------------------------------------------------------------------------------


def find(args) -> list[CaseEvent]:
    check_jurisdiction(args.get("jurisdiction_id"))
    span = window(args)
    page = _whole(args, "page", 1, 10**6, 1)
    page_size = _whole(args, "page_size", 1, PAGE_SIZE_MAX, DEFAULT_LIMIT)
    query = (select(CaseEvent)
             .where(CaseEvent.at >= span.start, CaseEvent.at <= span.end,
                    or_(CaseEvent.from_state.is_(None),
                        CaseEvent.from_state != CaseEvent.to_state,
                        CaseEvent.action == Action.ADD_NOTE.value))
             .order_by(CaseEvent.at, CaseEvent.id))
    found = []
    # Public comments are told apart by a flag in the event's data; a page is filled
    # from as many rows as it takes.
    offset, wanted = 0, page * page_size
    while len(found) < wanted:
        rows = db.session.scalars(query.limit(wanted).offset(offset)).all()
        found += [e for e in rows if e.action != Action.ADD_NOTE.value
                  or (e.data or {}).get("public")]
        if len(rows) < wanted:
            break
        offset += len(rows)
    return found[(page - 1) * page_size:page * page_size]


def records(events: list[CaseEvent]) -> list[dict[str, Any]]:
    codes = {case_id: code for case_id, code in db.session.execute(
        select(Case.id, Case.code).where(among(Case.id, sorted({e.case_id for e in events}))))
    } if events else {}
    photos: dict[int, str] = {}
    if events:
        from flask import current_app, url_for

        base = current_app.config["PUBLIC_BASE_URL"]
        for event_id, key in db.session.execute(
                select(Attachment.event_id, Attachment.storage_key)
                .where(among(Attachment.event_id, [e.id for e in events]),
                       Attachment.kind.in_(public_view.PUBLIC_PHOTO_KINDS))
                .order_by(Attachment.id)):
            photos.setdefault(event_id, base + url_for("public.photo", key=key))
    return [{
        "update_id": str(e.id),
        "service_request_id": display_code(codes[e.case_id]),
        "status": STATUS[State(e.to_state)],
        "updated_datetime": w3c(e.at),
        "description": _words(e),
        "media_url": photos.get(e.id) or (e.data or {}).get("media_url"),
    } for e in events]


def _words(event: CaseEvent) -> str:
    from app import labels

    if event.action == Action.ADD_NOTE.value:
        return event.note or ""
    state = State(event.to_state)
    if event.action == Action.REJECT.value:
        return str(_l("Not accepted: %(reason)s", reason=event.reason or ""))
    if event.action == Action.MERGE.value:
        return str(_l("The same problem was already reported: follow that case."))
    return str(labels.STATE[state])


# -- POST --------------------------------------------------------------------------------------


def partner(key: KeyRow) -> Actor:
    from app.models import User

    user = db.session.get(User, key.partner_user_id) if key.partner_user_id else None
    if user is None or not user.active:
        raise Open311Error(403, _l("This api_key may report problems but not post updates."))
    return Actor.staff(user)


def submit(form, key: KeyRow) -> int:
    """A partner's update through the one door; the id of the event it wrote."""
    check_jurisdiction(form.get("jurisdiction_id"))
    actor = partner(key)
    code = given(form, "service_request_id")
    if not code:
        raise Open311Error(400, _l("service_request_id was not provided."))
    parse_datetime(form.get("updated_datetime"), "updated_datetime")  # checked, not used
    status = given(form, "status").upper() or None
    if status is not None and status not in POSTED:
        raise Open311Error(400, _l("Unknown status: %(status)s.", status=status[:40]))
    # Cleaned and checked before anything is written: a status change and its note are two
    # steps of the door, and a note refused after the change would leave half an update.
    description = plain_text.without_controls(given(form, "description")).strip()
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, _l("That text is too long (at most %(n)s characters).",
                                   n=DESCRIPTION_MAX))
    media_url = media_url_of(form)
    source = {"api_key": key.prefix, "channel": "open311",
              **({"update_id_ext": given(form, "update_id_ext")[:64]}
                 if given(form, "update_id_ext") else {}),
              **({"media_url": media_url} if media_url else {})}
    # Every event the update writes carries the key and the partner's update id.
    actor = dataclasses.replace(actor, via=tuple((k, v) for k, v in source.items()
                                                 if k in ("api_key", "update_id_ext")))
    try:
        case = cases.get_case(code)
        if not can_see(actor, case):  # outside the key's scope: as if it did not exist
            raise Open311Error(404, _l("service_request_id not found."))
        posted = _already_posted(case, key, source.get("update_id_ext"))
        # A retry after a lost answer: the same update, once. A status change whose note
        # was not written (a refused note, a worker stopped between the two) is completed:
        # the state now matches, so the note is written below.
        if posted and not (status == "IN_PROGRESS" and description
                           and Action.ADD_NOTE.value not in {a for _i, a in posted}):
            return posted[-1][0]
        state = State(case.state)
        if status is None or status == STATUS[state]:
            if not description:
                raise Open311Error(400, _l("description was not provided."))
            cases.add_note(case, actor, note=description, public=True, source=source)
        else:
            _change(case, actor, state, status, description)
            if description and status == "IN_PROGRESS":
                cases.add_note(case, actor, note=description, public=True, source=source)
    except ServiceError as exc:
        db.session.rollback()
        raise from_service_error(exc) from exc
    return db.session.scalar(select(CaseEvent.id).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.id.desc()).limit(1))


def _already_posted(case: Case, key: KeyRow, update_id_ext: str | None
                    ) -> list[tuple[int, str]]:
    """The events (id, action) an earlier post of this update (same key, same
    ``update_id_ext``) wrote, oldest first: a note, a change of status, or both."""
    if not update_id_ext:
        return []
    return [(event_id, action) for event_id, action, data in db.session.execute(
        select(CaseEvent.id, CaseEvent.action, CaseEvent.data)
        .where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
        if (data or {}).get("api_key") == key.prefix
        and data.get("update_id_ext") == update_id_ext]


def _change(case: Case, actor: Actor, state: State, status: str, description: str) -> None:
    version = case.version
    if status == "IN_PROGRESS" and state is State.DISPATCHED:
        cases.sign_for(case, actor, expected_version=version)
    elif status in ("FIXED", "CLOSED") and state is State.RECTIFIED:
        if actor.role is Role.INSPECTOR:
            cases.verify(case, actor, passed=True, note=description or None,
                         expected_version=version)
        else:
            cases.close(case, actor, reason=description, expected_version=version)
    elif status in ("CLOSED", "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION") \
            and state in (State.SUBMITTED, State.RETURNED):
        cases.reject(case, actor, reason=description, expected_version=version)
    else:
        raise Open311Error(400, _l("A case that is %(state)s cannot become %(status)s by an "
                                   "update.", state=STATUS[state], status=status))
