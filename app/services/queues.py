"""The staff work lists, each filtered in SQL by the person's role and place — never by
loading cases and sorting them out in Python — so they stay fast with millions of cases.

The place rules mirror :func:`app.services.actors.can_see` (which decides a single case):
a dispatcher sees their district and every unrouted case; an inspector or supervisor
what lies under their street, district or the city (``User.level``); a road chief the
cases of the areas they lead and whatever is assigned to them; a team member what is
assigned to them; agency staff what is assigned to their agency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy import case as sql_case
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import ColumnElement

from app import labels
from app.extensions import db
from app.models import (
    Agency,
    Area,
    Attachment,
    Case,
    CaseEvent,
    CaseFollower,
    CaseRequest,
    Category,
    Rating,
    Street,
    TeamMembership,
    User,
)
from app.services import clock
from app.services.actors import chief_area_ids
from workflows.deadlines import Unit, remaining
from workflows.lifecycle import Action, Role, State

PAGE_SIZE = 50
#: States in which a case sits with its assignee (the assignee queues show these).
ASSIGNEE_STATES = (State.DISPATCHED, State.IN_PROGRESS, State.ON_HOLD, State.RECTIFIED)
#: States in which the assignee's clock runs.
RUNNING_STATES = (State.DISPATCHED, State.IN_PROGRESS)
#: States a case can still be merged into, or be a duplicate of.
LIVE_STATES = (State.SUBMITTED, State.DISPATCHED, State.IN_PROGRESS, State.RETURNED,
               State.ON_HOLD, State.RECTIFIED)
TRIAGE_LISTS = ("new", "returned", "unrouted")
NEARBY_METRES = 300
NEAR_DUE_SHARE = 0.2  # the last fifth of the time allowed ...
NEAR_DUE_FLOOR = timedelta(hours=1)  # ... or the last hour, whichever is longer


def _values(states) -> list[str]:
    return [State(s).value for s in states]


def work_due() -> ColumnElement:
    """SQL twin of ``Case.work_due_at``: the deadline the assignee works to now."""
    return func.coalesce(Case.rework_due_at, Case.due_at)


# -- who sees what ---------------------------------------------------------------------------


def place_clause(user: User) -> ColumnElement[bool]:
    """Cases under the user's place: the city, a district, a street or an area."""
    level = user.level
    if level == "city":
        return true()
    if level == "district":
        return Case.district_id == user.district_id
    if level == "street":
        return Case.street_id == user.street_id
    return Case.area_id == user.area_id


def visible_clause(user: User) -> ColumnElement[bool]:
    """The SQL form of ``can_see`` for a staff user."""
    role = Role(user.role)
    if role is Role.ADMIN:
        return true()
    if role is Role.DISPATCHER:
        return or_(Case.district_id.is_(None), place_clause(user))
    if role in (Role.SUPERVISOR, Role.INSPECTOR, Role.OPERATOR):
        return place_clause(user)
    if role is Role.ROAD_CHIEF:
        areas = sorted(chief_area_ids(user))
        mine = Case.assignee_user_id == user.id
        return or_(mine, Case.area_id.in_(areas)) if areas else mine
    if role is Role.TEAM_MEMBER:
        return Case.assignee_user_id == user.id
    if role is Role.AGENCY_STAFF:
        return Case.assignee_agency_id == user.agency_id if user.agency_id else false()
    return false()


def assigned_clause(user: User) -> ColumnElement[bool]:
    """What an assignee's queue holds: for a road chief their own cases and their road
    team's (cases of their areas held by a person); for a team member their own; for
    agency staff their agency's."""
    role = Role(user.role)
    if role is Role.ROAD_CHIEF:
        areas = sorted(chief_area_ids(user))
        mine = Case.assignee_user_id == user.id
        if not areas:
            return mine
        return or_(mine, and_(Case.area_id.in_(areas), Case.assignee_user_id.is_not(None)))
    if role is Role.TEAM_MEMBER:
        return Case.assignee_user_id == user.id
    if role is Role.AGENCY_STAFF and user.agency_id:
        return Case.assignee_agency_id == user.agency_id
    return false()


# -- pages of cases --------------------------------------------------------------------------


@dataclass
class Page:
    items: list[Any]
    total: int
    number: int
    size: int = PAGE_SIZE

    @property
    def has_next(self) -> bool:
        return self.number * self.size < self.total

    @property
    def has_prev(self) -> bool:
        return self.number > 1


def _page(query, count_where, number: int, size: int = PAGE_SIZE) -> Page:
    number = max(1, number)
    total = db.session.scalar(select(func.count()).select_from(Case).where(*count_where)) or 0
    items = list(db.session.scalars(query.limit(size).offset((number - 1) * size)))
    return Page(items, total, number, size)


def _with_refs(query):
    """Load what a list card shows in a few queries (and not the areas' polygons)."""
    return query.options(selectinload(Case.category), _area(),
                         selectinload(Case.assignee_user), selectinload(Case.assignee_agency))


def _area():
    return selectinload(Case.area).defer(Area.polygon)


# dispatcher triage


def triage_clause(user: User, which: str) -> list[ColumnElement[bool]]:
    """new: reports waiting for triage in the user's place; returned: cases an assignee
    sent back; unrouted: reports (new or returned) that no area holds yet."""
    if which == "unrouted":
        return [Case.state.in_(_values([State.SUBMITTED, State.RETURNED])),
                Case.district_id.is_(None), visible_clause(user)]
    state = State.SUBMITTED if which == "new" else State.RETURNED
    return [Case.state == state.value, Case.district_id.is_not(None), visible_clause(user)]


def triage(user: User, which: str, number: int = 1) -> Page:
    """Longest waiting first."""
    where = triage_clause(user, which)
    order = Case.updated_at if which == "returned" else Case.created_at
    query = _with_refs(select(Case).where(*where).order_by(order, Case.id))
    return _page(query, where, number)


def triage_counts(user: User) -> dict[str, int]:
    return {
        which: db.session.scalar(
            select(func.count()).select_from(Case).where(*triage_clause(user, which))) or 0
        for which in TRIAGE_LISTS
    }


# assignees: road chief, team member, agency staff


def queue_states(state: str | None) -> list[str]:
    if state and state in _values(ASSIGNEE_STATES):
        return [state]
    return _values(ASSIGNEE_STATES)


def my_queue(user: User, state: str | None = None, category_id: int | None = None,
             number: int = 1) -> Page:
    """Cases with the clock running first, by time left (overdue at the top); then those
    waiting for verification and those on hold."""
    where = [assigned_clause(user), Case.state.in_(queue_states(state))]
    if category_id:
        where.append(Case.category_id == category_id)
    waiting = sql_case((Case.state.in_(_values(RUNNING_STATES)), 0), else_=1)
    query = _with_refs(select(Case).where(*where)
                       .order_by(waiting, work_due().asc().nulls_last(), Case.id))
    return _page(query, where, number)


def my_queue_counts(user: User, category_id: int | None = None) -> dict[str, int]:
    where = [assigned_clause(user), Case.state.in_(_values(ASSIGNEE_STATES))]
    if category_id:
        where.append(Case.category_id == category_id)
    rows = db.session.execute(
        select(Case.state, func.count()).where(*where).group_by(Case.state)).all()
    return dict(rows)


# inspector


def to_verify(user: User, number: int = 1) -> Page:
    """Rectified cases in the inspector's place, the oldest check deadline first."""
    where = [Case.state == State.RECTIFIED.value, visible_clause(user)]
    query = _with_refs(select(Case).where(*where)
                       .order_by(Case.verify_due_at.asc().nulls_last(), Case.id))
    return _page(query, where, number)


# supervisor


def pending_requests(user: User, limit: int = PAGE_SIZE
                     ) -> list[tuple[CaseRequest, Case, str]]:
    """Extension and hold requests waiting for a decision: (request, case, requester)."""
    rows = db.session.execute(
        select(CaseRequest, Case, User.display_name)
        .join(Case, Case.id == CaseRequest.case_id)
        .join(User, User.id == CaseRequest.requested_by_id)
        .where(CaseRequest.status == "pending", visible_clause(user))
        .order_by(CaseRequest.requested_at, CaseRequest.id).limit(limit)
        .options(selectinload(Case.category), _area())
    ).all()
    return [(r, c, n) for r, c, n in rows]


def escalated(user: User, limit: int = PAGE_SIZE) -> Page:
    where = [Case.escalation_level > 0, Case.state.in_(_values(LIVE_STATES)),
             visible_clause(user)]
    query = _with_refs(select(Case).where(*where)
                       .order_by(Case.escalation_level.desc(), work_due().asc().nulls_last()))
    return _page(query, where, 1, limit)


def overdue(user: User, now: datetime, limit: int = PAGE_SIZE) -> Page:
    """Cases whose assignee is past the deadline they work to, the longest late first."""
    where = [Case.state.in_(_values(RUNNING_STATES)), work_due() < now, visible_clause(user)]
    query = _with_refs(select(Case).where(*where).order_by(work_due().asc(), Case.id))
    return _page(query, where, 1, limit)


def dissatisfied(user: User, limit: int = PAGE_SIZE) -> list[tuple[Rating, Case]]:
    """不满意 ratings on cases still closed and not reopened since the rating."""
    reopened = select(CaseEvent.id).where(
        CaseEvent.case_id == Rating.case_id, CaseEvent.action == Action.REOPEN.value,
        CaseEvent.at >= Rating.at).exists()
    rows = db.session.execute(
        select(Rating, Case).join(Case, Case.id == Rating.case_id)
        .where(Rating.needs_follow_up, Case.state == State.CLOSED.value,
               ~reopened, visible_clause(user))
        .order_by(Rating.at, Rating.id).limit(limit)
        .options(selectinload(Case.category), _area())
    ).all()
    return [(r, c) for r, c in rows]


# -- one case --------------------------------------------------------------------------------


def timeline(case: Case) -> list[CaseEvent]:
    return list(db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        .options(selectinload(CaseEvent.actor_user))))


def attachments(case: Case) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)))


def first_photos(case_ids: list[int], kind: str | None = None, latest: bool = False
                 ) -> dict[int, Attachment]:
    """One photo per case for list thumbnails: its first (or latest) of a kind."""
    if not case_ids:
        return {}
    where = [Attachment.case_id.in_(case_ids)]
    if kind:
        where.append(Attachment.kind == kind)
    pick = func.max(Attachment.id) if latest else func.min(Attachment.id)
    first = select(pick).where(*where).group_by(Attachment.case_id).scalar_subquery()
    rows = db.session.scalars(select(Attachment).where(Attachment.id.in_(first)))
    return {a.case_id: a for a in rows}


def pending_request(case: Case, kind: str) -> CaseRequest | None:
    return db.session.scalar(select(CaseRequest).where(
        CaseRequest.case_id == case.id, CaseRequest.kind == kind,
        CaseRequest.status == "pending"))


def supporters(case: Case) -> int:
    return db.session.scalar(select(func.count()).select_from(CaseFollower).where(
        CaseFollower.case_id == case.id, CaseFollower.kind == "supporter")) or 0


def ratings(case: Case) -> list[Rating]:
    return list(db.session.scalars(
        select(Rating).where(Rating.case_id == case.id).order_by(Rating.id)))


def nearby_open(case: Case, user: User, metres: int = NEARBY_METRES, limit: int = 8
                ) -> list[tuple[Case, int]]:
    """Live cases within ``metres`` of this one that the user may see, the same category
    first, then the nearest: the likely duplicates. (case, distance in metres) pairs."""
    if case.lat is None or case.lng is None:
        return []
    dlat = metres / 111_320
    dlng = metres / (111_320 * max(0.1, math.cos(math.radians(case.lat))))
    kx = 111_320 * math.cos(math.radians(case.lat))
    dy, dx = (Case.lat - case.lat) * 111_320, (Case.lng - case.lng) * kx
    dist2 = dy * dy + dx * dx
    other = sql_case((Case.category_id == case.category_id, 0), else_=1)
    rows = db.session.execute(
        select(Case, dist2).where(
            Case.state.in_(_values(LIVE_STATES)), Case.id != case.id,
            Case.lat.between(case.lat - dlat, case.lat + dlat),
            Case.lng.between(case.lng - dlng, case.lng + dlng),
            visible_clause(user), dist2 <= metres * metres)
        .order_by(other, dist2, Case.id).limit(limit)
        .options(selectinload(Case.category))
    ).all()
    return [(c, round(math.sqrt(d))) for c, d in rows]


def assignee_choices(case: Case, area: Area | None = None) -> dict[str, list]:
    """People and agencies a case in this area may be given to: the area's road chief and
    road team, and the agencies of its district (or city-wide ones)."""
    area = area or case.area
    people: list[User] = []
    if area is not None:
        ids = [area.road_chief_id] if area.road_chief_id else []
        ids += list(db.session.scalars(
            select(TeamMembership.user_id).where(TeamMembership.area_id == area.id)))
        found = {u.id: u for u in db.session.scalars(
            select(User).where(User.id.in_(ids), User.active.is_(True)))}
        people = [found[i] for i in ids if i in found]
    district_id = area.street.district_id if area is not None else case.district_id
    agencies = list(db.session.scalars(
        select(Agency).where(or_(Agency.district_id == district_id,
                                 Agency.district_id.is_(None)))
        .order_by(Agency.district_id.is_(None), Agency.code)))
    return {"people": people, "agencies": agencies}


def areas_in(district_id: int | None) -> list[Area]:
    """The areas a dispatcher may route to: their district's, or all for the city."""
    query = select(Area).join(Street, Street.id == Area.street_id).order_by(Area.code)
    if district_id is not None:
        query = query.where(Street.district_id == district_id)
    return list(db.session.scalars(query))


def categories() -> list[Category]:
    return list(db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort)))


def names(user_ids, agency_ids, locale: str) -> dict[tuple[str, int], str]:
    """Display names for the people and agencies an event's data mentions."""
    out: dict[tuple[str, int], str] = {}
    user_ids = {i for i in user_ids if i}
    agency_ids = {i for i in agency_ids if i}
    if user_ids:
        for u in db.session.scalars(select(User).where(User.id.in_(user_ids))):
            out[("user", u.id)] = u.display_name
    if agency_ids:
        for a in db.session.scalars(select(Agency).where(Agency.id.in_(agency_ids))):
            out[("agency", a.id)] = labels.name_in(a, locale)
    return out


# -- time left -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeStatus:
    """How a case stands against its deadline, for a colour *and* a word on screen."""

    level: str  # overdue, near, ok, stopped, waiting, none
    word: Any  # a (lazy) translated word: "Overdue", "Due soon" ...
    detail: str = ""  # "3 hours left", "2 days late"
    due: datetime | None = None


_LEFT = {
    "working_hours": _l("%(n)s working hours left"),
    "working_days": _l("%(n)s working days left"),
    "calendar_hours": _l("%(n)s hours left"),
    "working_minutes": _l("%(n)s working minutes left"),
    "minutes": _l("%(n)s minutes left"),
}


def time_left_text(case: Case, now: datetime, due: datetime) -> str:
    """Time left in the limit's own unit: a working-time limit counts working time only,
    and says so when the clock stands still (outside office hours)."""

    from app.services.calendar import working_calendar

    unit = Unit(case.limit_unit or Unit.CALENDAR_HOURS)
    left = remaining(clock.to_local(now), clock.to_local(due), unit, working_calendar())
    amount = int(left.amount) if float(left.amount).is_integer() else left.amount
    text = str(_LEFT[left.unit]) % {"n": amount}
    if left.clock_stopped:
        text += _(" (clock stopped outside office hours)")
    return text


def time_status(case: Case, now: datetime) -> TimeStatus:
    state = case.state_enum
    if state is State.ON_HOLD:
        return TimeStatus("stopped", _l("On hold"), _("clock stopped"))
    if state is State.RECTIFIED:
        return TimeStatus("waiting", _l("Awaiting check"), "", case.verify_due_at)
    due = case.work_due_at
    if state not in RUNNING_STATES or due is None:
        return TimeStatus("none", "", "")
    left = due - now
    if left <= timedelta(0):
        return TimeStatus("overdue", _l("Overdue"),
                          _("%(time)s late", time=format_timedelta(-left, threshold=1)), due)
    start = case.dispatched_at or case.created_at
    near = max(NEAR_DUE_FLOOR, (due - start) * NEAR_DUE_SHARE)
    text = time_left_text(case, now, due)
    if left <= near:
        return TimeStatus("near", _l("Due soon"), text, due)
    return TimeStatus("ok", _l("On time"), text, due)
