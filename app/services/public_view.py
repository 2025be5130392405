"""A case as the public may see it: a timeline in plain words, the time limit and whether
it was met, before and after photos, and the recent-cases list. Nothing here carries a
resident's data or a staff member's name: people appear as their unit and role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import labels
from app.extensions import db
from app.models import (
    Agency,
    Area,
    Attachment,
    Case,
    CaseEvent,
    Category,
    District,
    TimeLimitRule,
    User,
)
from app.services import clock
from app.services import routing as routing_service
from app.services.i18n import datetime_in
from app.services.reference_data import kept
from workflows.deadlines import Unit
from workflows.lifecycle import Action, Role, State
from workflows.routing import LimitKind, Urgency

#: Shown on the public list and map; rejected and merged reports are not public cases.
PUBLIC_STATES = (State.SUBMITTED, State.DISPATCHED, State.IN_PROGRESS, State.RETURNED,
                 State.ON_HOLD, State.RECTIFIED, State.CLOSED)
PUBLIC_PHOTO_KINDS = ("before", "after")
RATING = labels.RATING
LEVEL = {1: _l("the street command centre"), 2: _l("the district command centre"),
         3: _l("the city operations centre")}


def _zh() -> bool:
    return not str(get_locale()).startswith("en")


_name = labels.name_in


@dataclass
class Step:
    at: datetime
    kind: str  # a CSS hook: received, dispatched, signed, rectified, verified, closed ...
    text: str
    photos: list[Attachment] = field(default_factory=list)
    link_code: str | None = None


@dataclass
class Deadline:
    due_at: datetime | None
    limit_text: str  # e.g. "2 working hours"
    status: str  # pending, running, met, missed, overdue, held, none
    text: str


def limit_text(amount: int, unit: str) -> str:
    unit_label = labels.UNIT[Unit(unit)]
    return f"{amount}{unit_label}" if _zh() else f"{amount} {unit_label}"


def _limit_words(key, found, language: str) -> str:
    """limit_text of a kept rule, kept too (per language)."""
    return _remember(("limit-text", language, key), lambda: limit_text(*found))


# Reference data the public pages name (rules, units) changes rarely: kept for a minute,
# so a tracking page costs a few indexed queries.
_remember = kept


def rectify_limit(case: Case, language: str | None = None) -> str:
    """The category's time limit for this case's urgency, e.g. "2 working hours"."""
    def rule_of():
        if case.limit_rule_id:
            rule = db.session.get(TimeLimitRule, case.limit_rule_id)
        else:
            category = db.session.get(Category, case.category_id)
            rule = routing_service.current_rules(category).get(
                (LimitKind.RECTIFY, Urgency(case.urgency)))
        return (rule.amount, rule.unit) if rule else None

    key = ("rule", case.limit_rule_id) if case.limit_rule_id else (
        "rule", case.category_id, case.urgency)
    found = _remember(key, rule_of)
    return _limit_words(key, found, language or str(get_locale())) if found else ""


def unit_of(case: Case, user_id: int | None, agency_id: int | None,
            language: str | None = None) -> str:
    """A unit and role in words, never a person's name (in ``language``, the reader's)."""
    key = ("unit", language or str(get_locale()), case.area_id, user_id, agency_id)
    return _remember(key, lambda: _unit_of(case, user_id, agency_id))


def _unit_of(case: Case, user_id: int | None, agency_id: int | None) -> str:
    if agency_id:
        agency = db.session.get(Agency, agency_id)
        if agency:
            return _name(agency)
    if user_id:
        user = db.session.get(User, user_id)
        if user is not None:
            if user.role == Role.AGENCY_STAFF.value and user.agency:
                return _name(user.agency)
            area_id = case.area_id or user.area_id
            area = db.session.get(Area, area_id) if area_id else None
            role = labels.ROLE[Role(user.role)]
            if area is not None and user.role in (Role.ROAD_CHIEF.value, Role.TEAM_MEMBER.value):
                return _("%(role)s of %(area)s", role=role, area=_name(area))
            return str(role)
    return _("the responsible unit")


def _actor_unit(case: Case, event: CaseEvent, language: str) -> str:
    if event.actor_user_id:
        return unit_of(case, event.actor_user_id, None, language)
    return str(labels.ROLE[Role(event.actor_role)])


def timeline(case: Case) -> list[Step]:
    """The case's record in plain words. Internal steps (notes, requests, refusals) and
    everything personal are left out."""
    language = str(get_locale())
    photos: dict[int | None, list[Attachment]] = {}
    for a in case.attachments:
        if a.kind in PUBLIC_PHOTO_KINDS and getattr(a, "hidden_at", None) is None:
            photos.setdefault(a.event_id, []).append(a)
    steps = []
    for e in case.events:
        action, data = Action(e.action), e.data or {}
        text, kind, link = None, e.action, None
        if action is Action.SUBMIT:
            text, kind = _("Report received."), "received"
        elif action is Action.DISPATCH:
            unit = unit_of(case, data.get("assignee_user_id"), data.get("assignee_agency_id"),
                           language)
            text, kind = _("Dispatched to %(unit)s.", unit=unit), "dispatched"
        elif action is Action.REASSIGN:
            unit = unit_of(case, data.get("assignee_user_id"), data.get("assignee_agency_id"),
                           language)
            text, kind = _("Passed on to %(unit)s.", unit=unit), "dispatched"
        elif action is Action.SIGN_FOR:
            text, kind = _("Signed for by %(unit)s.", unit=_actor_unit(case, e, language)), "signed"
        elif action is Action.RETURN:
            text = _("Returned to the dispatch centre to be sent to the right unit.")
        elif action is Action.REJECT:
            text, kind = _("Not accepted: %(reason)s", reason=e.reason or ""), "rejected"
        elif action is Action.MERGE:
            link = data.get("into")
            text, kind = _("The same problem was already reported: follow that case."), "merged"
        elif action is Action.APPROVE_EXTENSION:
            due = data.get("due_at")
            text = _("Time limit extended to %(due)s.",
                     due=datetime_in(language, datetime.fromisoformat(due)) if due else "")
        elif action is Action.APPROVE_HOLD:
            text = _("Put on hold (for example for a legal procedure); the clock is stopped.")
        elif action is Action.RESUME:
            text = _("Work resumed; the clock runs again.")
        elif action is Action.RECTIFY:
            text = _("Reported fixed by %(unit)s.", unit=_actor_unit(case, e, language))
            kind = "rectified"
        elif action is Action.VERIFY_FAIL:
            text = _("Checked on site: not fixed yet. Sent back for rework.")
        elif action is Action.VERIFY_PASS:
            text, kind = _("Checked on site and confirmed fixed. Case closed."), "closed"
        elif action is Action.CLOSE:
            text, kind = _("Closed by the supervisor."), "closed"
        elif action is Action.SELF_HANDLE:
            text, kind = _("Fixed on the spot by the inspector who found it. Case closed."), \
                "closed"
        elif action is Action.RATE:
            text = _("A resident rated the result: %(rating)s.",
                     rating=RATING.get(data.get("score"), ""))
        elif action is Action.REOPEN:
            text = _("Reopened after a resident's follow-up: being handled again.")
        elif action is Action.ESCALATE:
            text = _("Escalated to %(level)s.", level=LEVEL.get(data.get("level"), ""))
        if text is None:
            continue  # support (counted above the timeline), notes, requests
        steps.append(Step(e.at, kind, str(text), photos.get(e.id, []), link))
    return steps


def deadline(case: Case, limit: str | None = None) -> Deadline:
    """The time limit and whether it was (or is being) met. ``limit`` (``rectify_limit`` of
    the case) is given by a caller that words many cases for one answer, once for all."""
    return DeadlineWords().of(case, limit)


class DeadlineWords:
    """The time-limit notices in one language at one moment, each sentence looked up in
    the catalogue once: an answer that words a thousand cases formats a date per case and
    nothing more (the due date makes nearly every notice different)."""

    def __init__(self, language: str | None = None, now: datetime | None = None):
        self.language = language or str(get_locale())
        self.now = now
        self.zone = clock.zone()
        self._sentences: dict[str, str] = {}

    def _sentence(self, status: str, translate) -> str:
        if status not in self._sentences:
            self._sentences[status] = translate()  # the template: formatted by the caller
        return self._sentences[status]

    def of(self, case, limit: str | None = None) -> Deadline:
        limit = rectify_limit(case, self.language) if limit is None else limit
        state = State(case.state)
        if state in (State.REJECTED, State.MERGED):
            return Deadline(None, limit, "none", "")
        if case.due_at is None:
            return Deadline(None, limit, "pending", self._sentence(
                "pending", lambda: _("Time limit: %(limit)s once dispatched.")
            ) % {"limit": limit})
        due = datetime_in(self.language, case.due_at, self.zone)
        if case.rectified_at is not None:
            if case.rectified_at <= case.due_at:
                return Deadline(case.due_at, limit, "met", self._sentence(
                    "met", lambda: _("Fixed within the time limit (due %(due)s).")
                ) % {"due": due})
            return Deadline(case.due_at, limit, "missed", self._sentence(
                "missed", lambda: _("Fixed after the time limit (due %(due)s).")
            ) % {"due": due})
        if state is State.ON_HOLD:
            return Deadline(case.due_at, limit, "held", self._sentence(
                "held", lambda: _("On hold: the clock is stopped.")))
        if (self.now or clock.now()) > case.due_at:
            return Deadline(case.due_at, limit, "overdue", self._sentence(
                "overdue", lambda: _("Overdue: it was due %(due)s.")) % {"due": due})
        return Deadline(case.due_at, limit, "running", self._sentence(
            "running", lambda: _("To be fixed by %(due)s (%(limit)s).")
        ) % {"due": due, "limit": limit})


def is_public(photo, case) -> bool:
    """A photo the public may see: a before or after photo, not hidden by staff, of a
    case a dispatcher has accepted (a report's photos wait for that look first)."""
    return (photo.kind in PUBLIC_PHOTO_KINDS and getattr(photo, "hidden_at", None) is None
            and getattr(case, "dispatched_at", None) is not None)


def photos_of(case: Case, kind: str) -> list[Attachment]:
    return [a for a in case.attachments if a.kind == kind and is_public(a, case)]


@dataclass
class Result:
    """What a resident rates: the rectification note and the photos before and after."""

    note: str
    before: list[Attachment]
    after: list[Attachment]


def result(case: Case) -> Result:
    """The latest reported rectification (the one that closed the case) with its note and
    after photos, beside the photos the residents took."""
    fixes = [e for e in case.events if e.action == Action.RECTIFY.value]
    last = fixes[-1] if fixes else None
    after = [a for a in photos_of(case, "after") if last is None or a.event_id == last.id]
    return Result(note=(last.note or "") if last else "", before=photos_of(case, "before"),
                  after=after)


def place_words(case: Case) -> str:
    from app.services.places import choice

    area = choice(case.area_id)
    if area is not None:
        return area.words(str(get_locale()))
    return _("Not yet placed in a responsibility area")


def recent(category: str | None = None, state: str | None = None, district: str | None = None,
           before: int | None = None, limit: int = 50) -> list[Case]:
    """Recent public cases, newest first, keyset-paged by id."""
    states = [s.value for s in PUBLIC_STATES]
    query = select(Case).options(selectinload(Case.category), selectinload(Case.area)
                                 .selectinload(Area.street))
    if state in states:
        query = query.where(Case.state == state)
    else:
        query = query.where(Case.state.in_(states))
    if category:
        query = query.join(Category, Category.id == Case.category_id).where(
            Category.code == category)
    if district:
        query = query.join(District, District.id == Case.district_id).where(
            District.code == district)
    if before:
        query = query.where(Case.id < before)
    return list(db.session.scalars(query.order_by(Case.id.desc()).limit(limit)))


def places_bounds():
    from app.services.places import city_bounds

    return city_bounds()
