"""The one door: every change of a case — from a web form, an SMS, the API or a job —
goes through a function here.

Each function checks the actor's right to see and act on the case, asks the state
machine (``workflows.lifecycle``) whether the action is allowed, applies its effect on
the case and its clock, appends a :class:`CaseEvent`, bumps the version (optimistic
locking) and writes the outbox rows, all in one transaction. Nothing else writes
``case.state``.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app import labels
from app.extensions import db
from app.models import (
    Agency,
    Area,
    Case,
    CaseEvent,
    CaseFollower,
    CaseRequest,
    CaseStep,
    Category,
    Contact,
    OutboxMessage,
    Rating,
    TeamMembership,
    User,
)
from app.models.case import ADDRESS_MAX, DESCRIPTION_MAX, REASON_MAX
from app.services import (
    catalogue_cache,
    clock,
    delivery,
    media,
    metrics_booking,
    notifications,
    plain_text,
    reference_data,
    timers,
    webhooks,
)
from app.services import routing as routing_service
from app.services.actors import Actor, authorize, can_see, check_routing_place
from app.services.calendar import working_calendar
from app.services.contacts import find_contact, find_or_create
from app.services.errors import Conflict, Forbidden, InvalidInput, NotAllowed, NotFound
from app.telemetry import logs
from workflows import deadlines, effects
from workflows.escalation import LEVEL_AUDIENCE, Step
from workflows.lifecycle import (
    ASSIGNED_STATES,
    OPEN_STATES,
    Action,
    ActionNotAllowed,
    Input,
    MissingInput,
    Role,
    RoleNotAllowed,
    State,
    Transition,
    check,
)
from workflows.routing import LimitKind, Urgency

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: easy to read aloud
CODE_LENGTH = 8
CODE_ATTEMPTS = 8  # codes drawn before giving up (one clash is already ~1 in 10^5)
CHANNELS = ("web", "sms", "open311", "staff", "demo", "patrol", "hotline", "wechat")

CaseRef = Case | int | str


# -- small helpers -------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())


def _text(value: str | None, name: str, limit: int, required: bool = False) -> str | None:
    # Invisible control characters are removed, from every channel, before anything is kept.
    value = plain_text.without_controls(value or "").strip() or None
    if value is None:
        if required:
            raise InvalidInput(_l("Please give %(what)s.", what=labels.INPUT.get(name, name)),
                               field=name)
        return None
    if len(value) > limit:
        raise InvalidInput(_l("That text is too long (at most %(n)s characters).", n=limit),
                           field=name)
    return value


def get_case(ref: CaseRef) -> Case:
    if isinstance(ref, Case):
        return ref
    if isinstance(ref, int):
        case = db.session.get(Case, ref)
    else:
        case = db.session.scalar(select(Case).where(Case.code == normalize_code(ref)))
    if case is None:
        raise NotFound()
    return case


def _local(moment: datetime) -> datetime:
    return clock.to_local(moment)


def _due(start: datetime, limit) -> datetime:
    return clock.from_local(deadlines.due_at(_local(start), limit, working_calendar()))


def _time_left(case: Case, moment: datetime, due: datetime | None) -> int | None:
    if due is None:
        return None
    unit = deadlines.Unit(case.limit_unit or deadlines.Unit.CALENDAR_HOURS)
    return deadlines.time_left(_local(moment), _local(due), unit, working_calendar())


def _resume(case: Case, moment: datetime, left: int | None) -> datetime | None:
    if left is None:
        return None
    unit = deadlines.Unit(case.limit_unit or deadlines.Unit.CALENDAR_HOURS)
    return clock.from_local(deadlines.resume(_local(moment), left, unit, working_calendar()))


_iso = effects.iso


# -- the transaction ------------------------------------------------------------------------


@dataclass
class _Change:
    """One action under way: the case, its transition and the event being written."""

    case: Case
    actor: Actor
    transition: Transition
    event: CaseEvent
    notify_extra: list[Contact] = field(default_factory=list)
    photos: list = field(default_factory=list)
    photo_kind: str = "note"
    replied: Contact | None = None  # the resident answered in the SMS webhook's own reply
    #: More writes that need the event's id, done in the same transaction.
    after_event: list = field(default_factory=list)
    #: The case is being made by this change (nothing about it is stored yet), followed
    #: by these contacts only.
    new: bool = False
    followers: list[Contact] = field(default_factory=list)
    followers_fresh: bool = False  # the followers' contacts were made by this change
    #: The case as the action's effect left it (``workflows.effects``), for the figures.
    record: effects.CaseRecord | None = None
    breaches: tuple[effects.Breach, ...] = ()  # deadlines missed, booked by this change
    started: float = field(default_factory=time.perf_counter)  # for the action's log line


def _begin(
    ref: CaseRef | None,
    actor: Actor,
    action: Action,
    provided: Sequence[Input] = (),
    expected_version: int | None = None,
    reason: str | None = None,
    note: str | None = None,
) -> _Change:
    case = get_case(ref) if ref is not None else None
    state = State(case.state) if case is not None else None
    public = action is Action.SUPPORT  # any resident may say "me too" on an open case
    if case is not None and actor.role is not Role.SYSTEM and not public \
            and not can_see(actor, case):
        raise NotFound()
    try:
        transition = check(state, action, actor.role, provided)
    except ActionNotAllowed as exc:
        raise NotAllowed(
            _l("Cannot %(action)s: the case is %(state)s.",
               action=labels.ACTION[exc.action],
               state=labels.STATE[exc.state] if exc.state else _l("new")),
        ) from None
    except RoleNotAllowed as exc:
        raise Forbidden(
            _l("A %(role)s may not %(action)s.", role=labels.ROLE[exc.role],
               action=labels.ACTION[exc.action]),
        ) from None
    except MissingInput as exc:
        raise InvalidInput(
            _l("To %(action)s, please give %(what)s.", action=labels.ACTION[exc.action],
               what=labels.INPUT[exc.missing[0].value]),
            field=exc.missing[0].value,
        ) from None
    authorize(actor, case, transition)
    if case is not None and expected_version is not None and case.version != expected_version:
        raise Conflict(_l("Someone else changed this case meanwhile. Reload it and try again."))
    now = clock.now()
    event = CaseEvent(
        at=now,
        action=transition.action.value,
        from_state=state.value if state else None,
        to_state=transition.next_state(state).value,
        actor_role=actor.role.value,
        actor_user_id=actor.user_id,
        actor_contact_id=actor.contact.id if actor.contact else None,
        reason=reason,
        note=note,
        data=dict(actor.via),
    )
    return _Change(case, actor, transition, event)  # type: ignore[arg-type]


def _write(change: _Change) -> list[OutboxMessage]:
    """Write the change's state, event, photos and outbox rows in the open transaction
    (not committed); returns the outbox messages to deliver after commit."""
    case, event = change.case, change.event
    if change.record is None and not change.new:
        _effect(change)  # an action that leaves the clocks as they are (a note, a rating)
    # The state changes here, with every other effect, so that no query in between
    # autoflushes a half-made change.
    # Assigned only when they change (a case made by this change has them already): an
    # untouched case costs the commit's flush nothing.
    if case.state != event.to_state:
        case.state = event.to_state
    if case.updated_at != event.at:
        case.updated_at = event.at  # every action bumps the version, even a note
    timers.refresh_next_check(case, event.at)
    try:
        db.session.flush()  # the case's INSERT, or its UPDATE ... WHERE version = ?
    except IntegrityError:
        if change.new:  # its place was removed meanwhile
            _unknown_area()
        raise
    event.case_id = case.id
    event.version = case.version
    db.session.add(event)
    db.session.flush()  # the event's id goes into the outbox rows
    # The daily SLA figures move with the case, in this transaction.
    metrics_booking.book(case, first=change.new, record=change.record,
                         breaches=change.breaches)
    if change.photos:
        for attachment in media.store(case.id, change.photo_kind, change.photos, event.id):
            db.session.add(attachment)
    messages = notifications.for_event(case, event, change.notify_extra, change.replied,
                                       followers=change.followers if change.new else None,
                                       fresh=change.followers_fresh)
    for write in change.after_event:
        write(event)
    webhooks.for_event(case, event)  # subscribers are told after commit, like messages
    return [m for m in messages if m.status == "pending"]


def _effect(change: _Change, data: dict[str, Any] | None = None) -> None:
    """Apply the action's effect, stated once in ``workflows.effects``, to the case: its
    inputs ``data`` go into the event, and the replay of the event does the same."""
    case, event = change.case, change.event
    event.data = {**(event.data or {}), **(data or {})}
    before = metrics_booking.record_of(case, at=event.at)
    after = effects.apply(change.transition.action, before, event.at, event.data)
    for name in effects.CASE_FIELDS:
        value = getattr(after, name)
        if getattr(case, name) != value:
            setattr(case, name, value)
    change.record = after
    change.breaches = after.breaches[len(before.breaches):]


def _commit(change: _Change) -> Case:
    """Write the event, photos and outbox rows and commit; map concurrency failures to a
    clear Conflict. After commit, hand the messages to delivery."""
    return _commit_all([change])[0]


def _commit_all(changes: Sequence[_Change]) -> list[Case]:
    """Several changes in one transaction: all of them, or (on any failure) none."""
    session = db.session()
    try:
        to_send = [m for change in changes for m in _write(change)]
        lines = [logs.action_line(change.case, change.event, change.actor, change.started)
                 for change in changes]  # read now: the commit may expire them
        # A case made here holds exactly what was just written: keep it loaded rather
        # than read it straight back (the reporter's page needs only its code).
        session.expire_on_commit = not all(change.new for change in changes)
        try:
            session.commit()
        finally:
            session.expire_on_commit = True
    except StaleDataError:
        db.session.rollback()
        raise Conflict(
            _l("Someone else changed this case meanwhile. Reload it and try again.")
        ) from None
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_l("That was already done.")) from None
    except Exception:
        db.session.rollback()
        raise
    for line in lines:
        logs.case_action(line)
    # Their keys, read without reloading the rows the commit expired.
    delivery.schedule([inspect(m).identity[0] for m in to_send])
    return [change.case for change in changes]


def _abort(exc: Exception):
    db.session.rollback()
    raise exc


# -- intake -----------------------------------------------------------------------------------


def submit(
    actor: Actor,
    *,
    category_code: str,
    description: str,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    area_id: int | None = None,
    urgency: str = Urgency.NORMAL.value,
    phone: str | None = None,
    anonymous: bool = False,
    language: str = "zh_Hans_CN",
    channel: str = "web",
    photos: Sequence[media.Photo] = (),
    link: Callable[[Case], None] | None = None,
    receipt_in_reply: bool = False,
    source: dict[str, Any] | None = None,
) -> Case:
    """A new report. It is always kept: a point outside every area makes it *unrouted*,
    for a dispatcher to place.

    ``link`` is called inside the transaction once the case has its id, to record what
    caused it (the SMS that reported it), so both are committed together or not at all.
    ``receipt_in_reply``: the reporter hears "received" in the reply to their own text
    message; the outbox keeps that message as already sent. ``source``: more facts about
    where the report came from (the Open311 key, a media URL), kept on its event."""
    try:
        category = catalogue_cache.active_category(category_code)
        if category is None:
            raise InvalidInput(_l("Unknown category."), field="category")
        description = _text(description, "description", DESCRIPTION_MAX, required=True)
        address = _text(address, "address", ADDRESS_MAX) or ""
        if urgency not in Urgency.__members__.values():
            raise InvalidInput(_l("Unknown urgency."), field="urgency")
        if channel not in CHANNELS:
            raise InvalidInput(_l("Unknown channel."), field="channel")
        if (lat is None) != (lng is None):
            raise InvalidInput(_l("A location needs both latitude and longitude."),
                               field="location")
        if lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise InvalidInput(_l("That location is not on the map."), field="location")
        prepared = media.prepare(list(photos))
        contact, made = ((actor.contact, False) if actor.contact
                         else find_or_create(phone, language))
        if actor.role is Role.RESIDENT and actor.contact is None and contact is not None:
            actor = Actor.resident(contact)

        place = None
        if area_id is not None:
            place = routing_service.placement(area_id)
            if place is None:
                raise InvalidInput(_l("Unknown area."), field="area")
        elif lat is not None:
            found = routing_service.area_index().locate(lng, lat)
            place = routing_service.placement(found) if found is not None else None
    except InvalidInput as exc:
        _abort(exc)

    change = _begin(None, actor, Action.SUBMIT)
    now = change.event.at
    values = dict(
        category_id=category.id, urgency=urgency, description=description, lat=lat,
        lng=lng, address=address, channel=channel, anonymous=bool(anonymous),
        reporter_contact_id=contact.id if contact else None, state=State.SUBMITTED.value,
        created_at=now, updated_at=now, version=1,
        area_id=place[0] if place else None, street_id=place[1] if place else None,
        district_id=place[2] if place else None,
        unrouted_reason=None if place else "no_area",
    )
    change.new, change.followers = True, [contact] if contact else []
    # A number first seen now cannot have opted out: an opt-out is kept only for a number
    # that texted us, which made its contact then (and contacts are never deleted).
    change.followers_fresh = made
    change.photos, change.photo_kind = prepared, "before"
    change.event.data = {"channel": channel, "area_id": values["area_id"],
                         "street_id": values["street_id"], "district_id": values["district_id"],
                         "category_id": category.id, "urgency": urgency,
                         "unrouted": values["unrouted_reason"],
                         **(source or {})}
    # The figures read the new case's record from the action's effect, as for every
    # other action, not back from the row just made.
    change.record = effects.apply(Action.SUBMIT, effects.CaseRecord(state=""), now,
                                  change.event.data)
    change.replied = contact if receipt_in_reply else None
    case = Case(**values, code=_free_code())
    set_committed_value(case, "category", category)  # the kept one: no query, nothing to write
    db.session.add(case)
    change.case = case
    if contact is not None:  # written with the outbox rows, once the case has its id
        change.after_event.append(lambda event: db.session.add(CaseFollower(
            case_id=case.id, contact_id=contact.id, kind="reporter", since=now)))
    if link is not None:  # once the case has its id
        change.after_event.append(lambda event: link(case))
    return _commit(change)


def _unknown_area():
    """The place was removed by an administrator in the minute this worker keeps the area
    index: forget it and let the resident choose again."""
    db.session.rollback()
    reference_data.invalidate()
    raise InvalidInput(_l("Unknown area."), field="area")


def support(ref: CaseRef, actor: Actor, *, phone: str | None = None,
            language: str = "zh_Hans_CN") -> Case:
    """A resident reports a problem that is already open as this case: instead of a
    duplicate, they follow this case (and hear about it like its reporter). Without a
    phone number the support is counted but nobody is notified."""
    case = get_case(ref)
    contact = actor.contact or find_contact(phone, language)
    change = _begin(case, Actor.resident(contact), Action.SUPPORT, (), None)
    change.event.actor_contact_id = contact.id if contact else None
    if contact is not None:
        known = db.session.scalar(select(CaseFollower.id).where(
            CaseFollower.case_id == case.id, CaseFollower.contact_id == contact.id))
        if known is None:
            db.session.add(CaseFollower(case_id=case.id, contact_id=contact.id,
                                        kind="supporter", since=change.event.at))
    change.event.data = {"supporters": support_count(case) + 1}
    return _commit(change)


def support_count(case: Case) -> int:
    """How many times residents reported this same problem again (support events)."""
    return db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == Action.SUPPORT.value)) or 0


#: Built once: a plain table query, as each report asks it (no ORM entity to load).
_CODE_TAKEN = select(Case.__table__.c.id).where(Case.__table__.c.code == bindparam("code"))


def _free_code() -> str:
    """A fresh random tracking code that no case holds yet. Two reports drawing the same
    new code at the same instant (about one chance in 10^12 each) would meet the unique
    key: the second is refused, nothing half-written."""
    for _ in range(CODE_ATTEMPTS):
        code = new_code()
        if db.session.execute(_CODE_TAKEN, {"code": code}).first() is None:
            return code
    raise RuntimeError(f"no free case code after {CODE_ATTEMPTS} attempts")


def _place(case: Case, area: Area | None) -> None:
    if area is None:
        case.area_id = case.street_id = case.district_id = None
        case.unrouted_reason = "no_area"
        return
    case.area_id, case.street_id = area.id, area.street_id
    case.district_id = area.street.district_id
    case.unrouted_reason = None


# -- triage -----------------------------------------------------------------------------------


def dispatch(
    ref: CaseRef,
    actor: Actor,
    *,
    assignee_user_id: int | None = None,
    assignee_agency_id: int | None = None,
    area_id: int | None = None,
    urgency: str | None = None,
    category_code: str | None = None,
    expected_version: int | None = None,
) -> Case:
    """Accept (立案) and route a case: by the routing rules, or as the dispatcher overrides
    (another category, area, assignee or urgency). Starts the response and rectification
    clocks."""
    case = get_case(ref)
    try:
        category = case.category
        if category_code and category_code.strip().upper() != category.code:
            category = db.session.scalar(select(Category).where(
                Category.code == category_code.strip().upper(), Category.active.is_(True)))
            if category is None:
                raise InvalidInput(_l("Unknown category."), field="category")
        if area_id is not None:
            area = db.session.get(Area, area_id)
            if area is None:
                raise InvalidInput(_l("Unknown area."), field="area")
        else:
            area = case.area
        if urgency is not None and urgency not in Urgency.__members__.values():
            raise InvalidInput(_l("Unknown urgency."), field="urgency")
        urgency = urgency or case.urgency
        route = routing_service.suggest(area, category, urgency)
        override = assignee_user_id is not None or assignee_agency_id is not None
        if override:
            _check_assignee(assignee_user_id, assignee_agency_id, area)
        elif not route.routed:
            raise InvalidInput(
                _l("This case has no route (%(why)s): choose an area and an assignee.",
                   why=route.unrouted), field="assignee")
        if area is None:
            raise InvalidInput(_l("Choose the responsibility area first."), field="area")
    except InvalidInput as exc:
        _abort(exc)
    change = _begin(case, actor, Action.DISPATCH, [Input.ASSIGNEE], expected_version)
    try:
        check_routing_place(actor, case, area=area, user_id=assignee_user_id if override else None,
                            agency_id=assignee_agency_id if override else None)
    except Forbidden as exc:
        _abort(exc)
    if category.id != case.category_id:
        change.event.data = {"category_from": case.category.code, "category": category.code}
        case.category = category
    rules = routing_service.current_rules(category)
    rectify_rule = rules[(LimitKind.RECTIFY, Urgency(urgency))]
    response_rule = rules[(LimitKind.RESPONSE, Urgency(urgency))]
    now = change.event.at
    user_id = assignee_user_id if override else route.assignee_user_id
    agency_id = None if user_id is not None else (
        assignee_agency_id if override else route.assignee_agency_id)
    case.unrouted_reason = None
    _effect(change, {
        "route": "override" if override else "auto",
        "area_id": area.id, "street_id": area.street_id,
        "district_id": area.street.district_id, "category_id": category.id,
        "assignee_user_id": user_id,
        "assignee_agency_id": agency_id,
        "urgency": urgency,
        "limit_rule_id": rectify_rule.id,
        "limit_unit": rectify_rule.unit,
        "limit": str(rectify_rule.limit),
        "response_rule_id": response_rule.id,
        "response_due_at": _iso(_due(now, response_rule.limit)),
        "due_at": _iso(_due(now, rectify_rule.limit)),
    })
    return _commit(change)


def _check_assignee(user_id: int | None, agency_id: int | None, area: Area | None) -> None:
    if (user_id is None) == (agency_id is None):
        raise InvalidInput(_l("Choose one assignee: a person or an agency."), field="assignee")
    if user_id is not None:
        user = db.session.get(User, user_id)
        if user is None or not user.active or user.role not in (
            Role.ROAD_CHIEF.value, Role.TEAM_MEMBER.value
        ):
            raise InvalidInput(_l("That person cannot be assigned cases."), field="assignee")
    else:
        if db.session.get(Agency, agency_id) is None:
            raise InvalidInput(_l("Unknown agency."), field="assignee")


def reject(ref: CaseRef, actor: Actor, *, reason: str, expected_version: int | None = None) -> Case:
    reason = _text(reason, "reason", REASON_MAX)
    change = _begin(ref, actor, Action.REJECT, _given(reason=reason), expected_version,
                    reason=reason)
    _effect(change)
    return _commit(change)


def merge(
    ref: CaseRef, actor: Actor, *, into: CaseRef, expected_version: int | None = None
) -> Case:
    """Merge a duplicate into a surviving case; its reporter and supporters follow that case."""
    case = get_case(ref)
    target = get_case(into)
    if target.id == case.id:
        _abort(InvalidInput(_l("A case cannot be merged into itself."), field="target_case"))
    if State(target.state) not in OPEN_STATES | {State.ON_HOLD}:
        _abort(InvalidInput(_l("Cannot merge into a case that is %(state)s.",
                               state=labels.STATE[State(target.state)]), field="target_case"))
    if not can_see(actor, target):
        _abort(NotFound())
    change = _begin(case, actor, Action.MERGE, [Input.TARGET_CASE], expected_version)
    now = change.event.at
    case.merged_into_id = target.id
    _effect(change, {"into": target.code})
    already = set(db.session.scalars(
        select(CaseFollower.contact_id).where(CaseFollower.case_id == target.id)))
    moved = []
    for follower in db.session.scalars(
        select(CaseFollower).where(CaseFollower.case_id == case.id)
    ):
        if follower.contact_id not in already:
            db.session.add(CaseFollower(case_id=target.id, contact_id=follower.contact_id,
                                        kind="supporter", since=now))
            moved.append(follower.contact_id)
    change.event.data["followers_moved"] = len(moved)
    # The surviving case records what joined it, in the same transaction.
    target.updated_at = now
    db.session.add(CaseEvent(
        case_id=target.id, at=now, action=Action.ADD_NOTE.value, from_state=target.state,
        to_state=target.state, actor_role=actor.role.value, actor_user_id=actor.user_id,
        note=f"merged {case.code}", data={"merged_from": case.code,
                                          "followers_moved": len(moved)},
        version=target.version + 1,
    ))
    return _commit(change)


# -- the assignee ------------------------------------------------------------------------------


def sign_for(ref: CaseRef, actor: Actor, *, expected_version: int | None = None) -> Case:
    change = _begin(ref, actor, Action.SIGN_FOR, (), expected_version)
    _effect(change, {"response_due_at": _iso(change.case.response_due_at),
                     "responded_on_time": change.case.response_due_at is None
                     or change.event.at <= change.case.response_due_at})
    return _commit(change)


def return_case(ref: CaseRef, actor: Actor, *, reason: str,
                expected_version: int | None = None) -> Case:
    """"Not ours": back to the dispatcher, never silently to someone else."""
    reason = _text(reason, "reason", REASON_MAX)
    change = _begin(ref, actor, Action.RETURN, _given(reason=reason), expected_version,
                    reason=reason)
    case = change.case
    _effect(change, {"from_user_id": case.assignee_user_id,
                     "from_agency_id": case.assignee_agency_id, "due_at": _iso(case.due_at)})
    return _commit(change)


def reassign(
    ref: CaseRef,
    actor: Actor,
    *,
    assignee_user_id: int | None = None,
    assignee_agency_id: int | None = None,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Case:
    """To a member of the area's road team or to an agency; the deadlines stay."""
    case = get_case(ref)
    reason = _text(reason, "reason", REASON_MAX)
    try:
        _check_assignee(assignee_user_id, assignee_agency_id, case.area)
        if actor.role is Role.ROAD_CHIEF and assignee_user_id is not None:
            team = set(db.session.scalars(
                select(TeamMembership.user_id).where(TeamMembership.area_id == case.area_id)))
            if assignee_user_id not in team | {actor.user_id}:
                raise InvalidInput(_l("Choose a member of this area's road team."),
                                   field="assignee")
        if (assignee_user_id, assignee_agency_id) == (case.assignee_user_id,
                                                      case.assignee_agency_id):
            raise InvalidInput(_l("The case is already assigned there."), field="assignee")
    except InvalidInput as exc:
        _abort(exc)
    change = _begin(case, actor, Action.REASSIGN, [Input.ASSIGNEE], expected_version,
                    reason=reason)
    try:
        check_routing_place(actor, case, user_id=assignee_user_id, agency_id=assignee_agency_id)
    except Forbidden as exc:
        _abort(exc)
    _effect(change, {"from_user_id": case.assignee_user_id,
                     "from_agency_id": case.assignee_agency_id,
                     "assignee_user_id": assignee_user_id,
                     "assignee_agency_id": assignee_agency_id})
    db.session.flush()
    db.session.refresh(case, ["assignee_user", "assignee_agency"])
    return _commit(change)


def request_extension(ref: CaseRef, actor: Actor, *, reason: str, new_due_at: datetime | None,
                      expected_version: int | None = None) -> Case:
    case = get_case(ref)
    reason = _text(reason, "reason", REASON_MAX)
    provided = _given(reason=reason, new_deadline=new_due_at)
    change = _begin(case, actor, Action.REQUEST_EXTENSION, provided, expected_version,
                    reason=reason)
    if new_due_at.tzinfo is None:
        new_due_at = clock.from_local(new_due_at)
    _before_deadline(case, change, "new_deadline")
    if new_due_at <= change.event.at:
        _abort(InvalidInput(_l("The new deadline must be in the future."),
                            field="new_deadline"))
    if case.due_at is not None and new_due_at <= case.due_at:
        _abort(InvalidInput(_l("The new deadline must be later than the current one."),
                            field="new_deadline"))
    _pending_request_free(case, "extension")
    db.session.add(CaseRequest(case_id=case.id, kind="extension", reason=reason,
                               new_due_at=new_due_at, requested_by_id=actor.user_id,
                               requested_at=change.event.at))
    change.event.data = {"new_due_at": _iso(new_due_at), "due_at": _iso(case.due_at)}
    return _commit(change)


def request_hold(ref: CaseRef, actor: Actor, *, reason: str,
                 expected_version: int | None = None) -> Case:
    case = get_case(ref)
    reason = _text(reason, "reason", REASON_MAX)
    change = _begin(case, actor, Action.REQUEST_HOLD, _given(reason=reason), expected_version,
                    reason=reason)
    _before_deadline(case, change, "reason")
    _pending_request_free(case, "hold")
    db.session.add(CaseRequest(case_id=case.id, kind="hold", reason=reason,
                               requested_by_id=actor.user_id, requested_at=change.event.at))
    return _commit(change)


def _before_deadline(case: Case, change: _Change, field: str) -> None:
    """An extension or a hold moves the deadline, so it must be asked for before it has
    passed: a deadline missed stays missed (DOMAIN.md, "Decisions on the numbers")."""
    if case.due_at is not None and change.event.at > case.due_at:
        _abort(InvalidInput(_l("The deadline has passed: an extension or a hold must be "
                               "asked for before it."), field=field))


def _pending_request_free(case: Case, kind: str) -> None:
    if _pending(case, kind) is not None:
        _abort(InvalidInput(_l("A request of this kind is already waiting for a decision."),
                            field="reason"))


def _pending(case: Case, kind: str) -> CaseRequest | None:
    return db.session.scalar(select(CaseRequest).where(
        CaseRequest.case_id == case.id, CaseRequest.kind == kind,
        CaseRequest.status == "pending"))


def _decide(case: Case, kind: str, change: _Change, approved: bool, reason: str | None):
    request = _pending(case, kind)
    if request is None:
        _abort(InvalidInput(_l("There is no pending request to decide."), field="request"))
    request.status = "approved" if approved else "refused"
    request.decided_by_id = change.actor.user_id
    request.decided_at = change.event.at
    request.decision_reason = reason
    change.event.data = {"request_id": request.id}
    return request


def approve_extension(ref: CaseRef, actor: Actor, *, expected_version: int | None = None) -> Case:
    case = get_case(ref)
    change = _begin(case, actor, Action.APPROVE_EXTENSION, (), expected_version)
    request = _decide(case, "extension", change, True, None)
    if request.new_due_at <= change.event.at:
        _abort(InvalidInput(_l("The deadline this extension asks for has passed already: "
                               "refuse it, and the assignee may ask again."),
                            field="new_deadline"))
    _effect(change, {"old_due_at": _iso(case.due_at), "due_at": _iso(request.new_due_at)})
    return _commit(change)


def refuse_extension(ref: CaseRef, actor: Actor, *, reason: str,
                     expected_version: int | None = None) -> Case:
    case = get_case(ref)
    reason = _text(reason, "reason", REASON_MAX)
    change = _begin(case, actor, Action.REFUSE_EXTENSION, _given(reason=reason),
                    expected_version, reason=reason)
    _decide(case, "extension", change, False, reason)
    return _commit(change)


def approve_hold(ref: CaseRef, actor: Actor, *, expected_version: int | None = None) -> Case:
    """Stop the clock: keep the time left, in the limit's own kind of time."""
    case = get_case(ref)
    change = _begin(case, actor, Action.APPROVE_HOLD, (), expected_version)
    request = _decide(case, "hold", change, True, None)
    now = change.event.at
    # The clock stops now, or, when the decision came after the deadline, with the time
    # that was left when the hold was asked for (always before it).
    left = _time_left(case, now, case.due_at)
    if left is not None and left <= 0:
        left = _time_left(case, request.requested_at, case.due_at)
    rework_left = _time_left(case, now, case.rework_due_at)
    _effect(change, {"due_at": _iso(case.due_at), "seconds_left": left,
                     "rework_seconds_left": rework_left})
    return _commit(change)


def refuse_hold(ref: CaseRef, actor: Actor, *, reason: str,
                expected_version: int | None = None) -> Case:
    case = get_case(ref)
    reason = _text(reason, "reason", REASON_MAX)
    change = _begin(case, actor, Action.REFUSE_HOLD, _given(reason=reason), expected_version,
                    reason=reason)
    _decide(case, "hold", change, False, reason)
    return _commit(change)


def resume(ref: CaseRef, actor: Actor, *, expected_version: int | None = None) -> Case:
    """Restart the clock with the time that was left when the hold began."""
    case = get_case(ref)
    hold_event = db.session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case.id,
                                CaseEvent.action == Action.APPROVE_HOLD.value)
        .order_by(CaseEvent.id.desc()).limit(1))
    change = _begin(case, actor, Action.RESUME, (), expected_version)
    now = change.event.at
    rework_left = hold_event.data.get("rework_seconds_left") if hold_event else None
    _effect(change, {"old_due_at": _iso(case.due_at),
                     "due_at": _iso(_resume(case, now, case.held_seconds_left)),
                     "rework_due_at": _iso(_resume(case, now, rework_left))})
    return _commit(change)


def rectify(ref: CaseRef, actor: Actor, *, note: str, photos: Sequence[media.Photo] = (),
            expected_version: int | None = None) -> Case:
    """Report the fix, with a note and at least one after-photo."""
    note = _text(note, "note", DESCRIPTION_MAX)
    prepared = _photos(photos)
    change = _begin(ref, actor, Action.RECTIFY, _given(note=note, photo=prepared),
                    expected_version, note=note)
    case = change.case
    now = change.event.at
    rules = routing_service.current_rules(case.category)
    verify_rule = rules[(LimitKind.VERIFY, Urgency(case.urgency))]
    _effect(change, {"due_at": _iso(case.due_at), "rework_due_at": _iso(case.rework_due_at),
                     "on_time": case.due_at is None or now <= case.due_at,
                     "verify_due_at": _iso(_due(now, verify_rule.limit))})
    change.photos, change.photo_kind = prepared, "after"
    return _commit(change)


def _photos(photos: Sequence[media.Photo]):
    try:
        return media.prepare(list(photos))
    except InvalidInput as exc:
        _abort(exc)


# -- verification, closure, the resident's word ------------------------------------------------


def verify(ref: CaseRef, actor: Actor, *, passed: bool, note: str | None = None,
           photos: Sequence[media.Photo] = (), expected_version: int | None = None) -> Case:
    """The on-site check: pass closes the case; fail sends it back for rework (counted),
    with a new working deadline for the assignee."""
    note = _text(note, "note", DESCRIPTION_MAX)
    if passed:
        change = _begin(ref, actor, Action.VERIFY_PASS, (), expected_version, note=note)
        _effect(change, {"rectified_at": _iso(change.case.rectified_at),
                         "due_at": _iso(change.case.due_at)})
        return _commit(change)
    prepared = _photos(photos)
    change = _begin(ref, actor, Action.VERIFY_FAIL, _given(note=note, photo=prepared),
                    expected_version, note=note)
    case = change.case
    rules = routing_service.current_rules(case.category)
    limit = rules[(LimitKind.RECTIFY, Urgency(case.urgency))].limit
    _effect(change, {"rework_due_at": _iso(_due(change.event.at, limit)),
                     "rework_count": case.rework_count + 1})
    change.photos, change.photo_kind = prepared, "rework"
    return _commit(change)


def close(ref: CaseRef, actor: Actor, *, reason: str, expected_version: int | None = None) -> Case:
    """A supervisor closes a rectified case without an on-site check (the reason says why)."""
    reason = _text(reason, "reason", REASON_MAX)
    change = _begin(ref, actor, Action.CLOSE, _given(reason=reason), expected_version,
                    reason=reason)
    _effect(change)
    return _commit(change)


def rate(ref: CaseRef, actor: Actor, *, score: int, comment: str = "", channel: str = "web",
         origin: str = "", link_digest: str | None = None) -> Case:
    """A follower's rating: 1 满意, 2 基本满意, 3 不满意 (which asks a supervisor to follow up).
    Once per person and closure: after a reopen and a new closing the case may be rated
    again, and that rating is the one counted. ``origin``: where it came from (a web
    client's network; the channel when not given); ``link_digest``: the signed link it was
    given through, which then rates no more."""
    case = get_case(ref)
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if score not in (1, 2, 3):
        _abort(InvalidInput(_l("A rating is 1, 2 or 3."), field="rating"))
    comment = _text(comment, "comment", REASON_MAX) or ""
    if actor.contact is None:
        _abort(Forbidden(_l("Only the people who reported this case may rate it.")))
    change = _begin(case, actor, Action.RATE, [Input.RATING], None, note=comment or None)
    db.session.add(Rating(case_id=case.id, contact_id=actor.contact.id, score=score,
                          comment=comment, channel=channel, at=change.event.at,
                          closure_at=case.closed_at or case.created_at,
                          needs_follow_up=score == 3, origin=(origin or channel)[:64],
                          link_digest=link_digest))
    change.event.data = {"score": score}
    return _commit(change)


def reopen(ref: CaseRef, actor: Actor, *, reason: str, expected_version: int | None = None) -> Case:
    """回访重办: a dissatisfied follow-up sends the case back to its assignee with a fresh
    rectification limit from now."""
    reason = _text(reason, "reason", REASON_MAX)
    change = _begin(ref, actor, Action.REOPEN, _given(reason=reason), expected_version,
                    reason=reason)
    case = change.case
    now = change.event.at
    rules = routing_service.current_rules(case.category)
    rule = rules[(LimitKind.RECTIFY, Urgency(case.urgency))]
    _effect(change, {"old_due_at": _iso(case.due_at), "closed_at": _iso(case.closed_at),
                     "due_at": _iso(_due(now, rule.limit)), "limit_rule_id": rule.id,
                     "limit_unit": rule.unit})
    return _commit(change)


def self_handle(ref: CaseRef, actor: Actor, *, note: str, photos: Sequence[media.Photo],
                expected_version: int | None = None) -> Case:
    """自行处置: the inspector who has just reported a minor problem fixed it on the spot
    (note + after photo). The case is closed without ``closed_at``: it never entered the
    time-limit loop, so it is counted apart, not among the closed cases of the figures."""
    note = _text(note, "note", DESCRIPTION_MAX)
    prepared = _photos(photos)
    change = _begin(ref, actor, Action.SELF_HANDLE,
                    _given(note=note, photo=prepared or None), expected_version, note=note)
    if change.case.channel != "patrol" or _reporter_user(change.case) != actor.user_id:
        _abort(Forbidden(_l("Only the inspector who reported it may record it as fixed on "
                            "the spot.")))
    change.photos, change.photo_kind = prepared, "after"
    change.event.data = {"self_handled": True}
    return _commit(change)


def _reporter_user(case: Case) -> int | None:
    return db.session.scalar(select(CaseEvent.actor_user_id).where(
        CaseEvent.case_id == case.id, CaseEvent.action == Action.SUBMIT.value))


def add_note(ref: CaseRef, actor: Actor, *, note: str, photos: Sequence[media.Photo] = (),
             expected_version: int | None = None, public: bool = False,
             source: dict[str, Any] | None = None) -> Case:
    """A staff note. ``public``: a comment meant for the public record (a partner system's
    update through Open311), which the updates feed publishes; other notes stay internal.
    ``source``: where it came from (the partner's key), kept on the event."""
    note = _text(note, "note", DESCRIPTION_MAX)
    prepared = _photos(photos)
    change = _begin(ref, actor, Action.ADD_NOTE, _given(note=note), expected_version, note=note)
    change.photos = prepared
    change.event.data = {**change.event.data, **(source or {}),
                         **({"public": True} if public else {})}
    return _commit(change)


def add_photos(ref: CaseRef, actor: Actor, *, photos: Sequence[media.Photo],
               note: str | None = None, link: Callable[[Case], None] | None = None) -> Case:
    """Photos a resident sent after reporting (an MMS fetched by a job), recorded as a note
    event on the case. The state machine keeps ``add_note`` for staff, so, like the note
    that ``merge`` writes on the surviving case, this event is written here directly: only
    for a resident who follows the case, and with the photos checked like web uploads."""
    case = get_case(ref)
    if actor.role is not Role.RESIDENT or actor.contact is None or not can_see(actor, case):
        _abort(NotFound())
    note = _text(note, "note", DESCRIPTION_MAX)
    prepared = _photos(photos)
    if not prepared:
        _abort(InvalidInput(_l("Please give %(what)s.", what=labels.INPUT["photo"]),
                            field="photo"))
    now = clock.now()
    event = CaseEvent(
        at=now, action=Action.ADD_NOTE.value, from_state=case.state, to_state=case.state,
        actor_role=Role.RESIDENT.value, actor_contact_id=actor.contact.id, note=note,
        data={"photos": len(prepared), "source": "mms"},
    )
    transition = Transition(Action.ADD_NOTE, State(case.state), None,
                            frozenset({Role.RESIDENT}))
    change = _Change(case, actor, transition, event, photos=prepared, photo_kind="before")
    if link is not None:
        link(case)
    return _commit(change)


def correct_place(ref: CaseRef, actor: Actor, *, area: Area, address: str,
                  link: Callable[[Case], None] | None = None) -> Case:
    """A resident corrects where their new report is (the SMS receipt named the stretch of
    road it chose), before a dispatcher has triaged it. Like ``add_photos``, the event is
    a resident's note, written here: only by a follower, only while the case is
    submitted; it records the place before and after."""
    case = get_case(ref)
    if actor.role is not Role.RESIDENT or actor.contact is None or not can_see(actor, case):
        _abort(NotFound())
    if State(case.state) is not State.SUBMITTED:
        _abort(NotAllowed(_l("Cannot %(action)s: the case is %(state)s.",
                             action=labels.ACTION[Action.ADD_NOTE],
                             state=labels.STATE[State(case.state)])))
    address = _text(address, "address", ADDRESS_MAX) or ""
    before = {"area_id": case.area_id, "address": case.address}
    _place(case, area)
    case.address = address
    event = CaseEvent(
        at=clock.now(), action=Action.ADD_NOTE.value, from_state=case.state,
        to_state=case.state, actor_role=Role.RESIDENT.value, actor_contact_id=actor.contact.id,
        note=address, data={"source": "sms", "place_before": before,
                            "place_after": {"area_id": area.id, "address": address}},
    )
    transition = Transition(Action.ADD_NOTE, State(case.state), None,
                            frozenset({Role.RESIDENT}))
    change = _Change(case, actor, transition, event)
    if link is not None:
        link(case)
    return _commit(change)


def escalate(ref: CaseRef, *, level: int, reason: str, overdue: bool = True,
             step_key: str | None = None) -> Case:
    """督办: raise the case to a level of command (street 1, district 2, city 3), mark it
    overdue and tell that level's supervisors. With ``step_key`` (from the sweep) the step
    is recorded in the same transaction, so it is taken once however often it is tried."""
    case = get_case(ref)
    if not (1 <= level <= 3) or level <= case.escalation_level:
        _abort(InvalidInput(_l("Escalation goes up one level at a time, to at most 3."),
                            field="level"))
    change = _begin(case, Actor.system(), Action.ESCALATE, [Input.LEVEL], None, reason=reason)
    _effect(change, {"level": level, "from_level": case.escalation_level,
                     "due_at": _iso(case.work_due_at), "overdue": bool(overdue)})
    step = Step(step_key or f"escalate:{level}:manual", "escalate", "rectify",
                LEVEL_AUDIENCE[level], level=level)

    def record(event: CaseEvent) -> None:
        db.session.add(CaseStep(case_id=case.id, key=step.key, kind="escalate", at=event.at))
        timers.write_messages(case, step, event.id)

    change.after_event.append(record)
    return _commit(change)


def _given(**values: Any) -> list[Input]:
    return [Input(k) for k, v in values.items() if v]


# -- administration ----------------------------------------------------------------------------


def hand_over(moves: Sequence[tuple[Area, int, int]], actor: Actor, *,
              reason: str) -> list[Case]:
    """Areas have new road chiefs: for each ``(area, from_user_id, to_user_id)``, every case
    of the area that its old chief holds goes to the new one, with a ``hand_over`` event on
    each. State, deadlines and the limit rule stay as they were (the new chief inherits
    the clock).

    Commits one transaction holding the events *and whatever the caller staged* (the
    areas' new chiefs and their audit entries): the hand-over is whole or not at all."""
    reason = _text(reason, "reason", REASON_MAX)
    changes = []
    try:
        for area, from_user_id, to_user_id in moves:
            _check_assignee(to_user_id, None, area)
            new_chief = db.session.get(User, to_user_id)
            if new_chief.role != Role.ROAD_CHIEF.value:  # type: ignore[union-attr]
                raise InvalidInput(_l("Only a road chief can take over an area."),
                                   field="assignee")
            held = db.session.scalars(
                select(Case).where(Case.area_id == area.id,
                                   Case.assignee_user_id == from_user_id,
                                   Case.state.in_([s.value for s in ASSIGNED_STATES]))
                .order_by(Case.id)
            ).all()
            for case in held:
                change = _begin(case, actor, Action.HAND_OVER, [Input.ASSIGNEE], reason=reason)
                _effect(change, {"area_id": area.id, "from_user_id": from_user_id,
                                 "assignee_user_id": to_user_id,
                                 "due_at": _iso(case.due_at),
                                 "limit_rule_id": case.limit_rule_id})
                case.assignee_user = new_chief
                changes.append(change)
    except InvalidInput as exc:
        _abort(exc)
    if changes:
        return _commit_all(changes)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return []
