"""Task lists (任务清单): a supervisor of the city or a district turns the hotspots and the
high-frequency categories of a period into a draft list of tasks (place, problem, the
cases behind it), edits it, assigns each task to a street, an agency or a road chief with
a due date, and publishes it — all or nothing. Assignees see their tasks in their queue
and close them with a note and photos.

Who may do what: city supervisors and administrators everywhere; district supervisors
create and edit lists of their district; other supervisors read the lists of their
district, showing the tasks in their own place. Every operation writes one log line."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, or_, select, true, update
from sqlalchemy import case as sql_case

from app.extensions import db
from app.models import Agency, Area, Case, Category, District, Street, User
from app.models.supervision_tasks import Campaign, Task, TaskCase, TaskList, TaskPhoto
from app.services import clock, media
from app.services import metrics_dashboard as metrics
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.plain_text import has_controls
from workflows import supervision
from workflows.lifecycle import Role

log = logging.getLogger(__name__)

EVIDENCE_LINKED = 100  # cases linked to one task; the count says how many there were
TITLE_MAX, PLACE_MAX, PROBLEM_MAX, NOTE_MAX = 80, 120, 1000, 1000
DEFAULT_DAYS = 14  # a draft task's due date: two weeks from today
MAX_DUE_DAYS = 366
HIGH_FREQUENCY_TOP = 5
SKIPPED_STATES = ("rejected", "merged")


def today() -> date:
    return clock.to_local(clock.now()).date()


# -- who may do what ---------------------------------------------------------------------


def district_of(user: User) -> int | None:
    """The district of a person's place (None: the city)."""
    if user.role == Role.ADMIN.value or user.level == "city":
        return None
    if user.district_id:
        return user.district_id
    if user.street_id:
        return db.session.get(Street, user.street_id).district_id
    if user.area_id:
        return db.session.get(Area, user.area_id).street.district_id
    return None


def is_supervisor(user: User) -> bool:
    return user.role in (Role.SUPERVISOR.value, Role.ADMIN.value)


def may_create(user: User) -> bool:
    """Supervisors of the city or of a district (and administrators) draw lists."""
    return user.role == Role.ADMIN.value or (
        user.role == Role.SUPERVISOR.value and user.level in ("city", "district"))


def require_supervisor(user: User) -> None:
    if not is_supervisor(user):
        raise Forbidden(_l("Only supervisors may see task lists and campaigns."))


def require_creator(user: User) -> None:
    if not may_create(user):
        raise Forbidden(_l("Only supervisors of the city or of a district may draw task "
                           "lists and campaigns."))


def lists_clause(user: User):
    """The lists a supervisor may read: the city's and their district's (all for the
    city)."""
    mine = district_of(user)
    if mine is None:
        return true()
    return or_(TaskList.district_id.is_(None), TaskList.district_id == mine)


def tasks_clause(user: User):
    """The tasks of a list a supervisor may read: those in their own place."""
    if user.role == Role.ADMIN.value or user.level == "city":
        return true()
    if user.level == "district":
        return Task.district_id == user.district_id
    if user.level == "street":
        return or_(Task.street_id == user.street_id, Task.assignee_street_id == user.street_id)
    return Task.area_id == user.area_id


def may_edit(user: User, task_list: TaskList) -> bool:
    if not may_create(user):
        return False
    mine = district_of(user)
    return mine is None or task_list.district_id == mine


def get_list(user: User, list_id: int) -> TaskList:
    require_supervisor(user)
    found = db.session.scalar(select(TaskList).where(TaskList.id == list_id, lists_clause(user)))
    if found is None:
        raise NotFound(_l("No such task list."))
    return found


def visible_lists(user: User) -> list[TaskList]:
    require_supervisor(user)
    return list(db.session.scalars(select(TaskList).where(lists_clause(user))
                                   .order_by(TaskList.id.desc()).limit(200)))


def visible_tasks(user: User, task_list: TaskList) -> list[Task]:
    return list(db.session.scalars(select(Task).where(Task.task_list_id == task_list.id,
                                                      tasks_clause(user))
                                   .order_by(Task.position, Task.id)))


# -- progress ------------------------------------------------------------------------------


@dataclass
class Progress:
    total: int
    closed: int
    overdue: int

    @property
    def share(self) -> float | None:
        return self.closed / self.total if self.total else None


def is_overdue(task: Task, on: date | None = None) -> bool:
    return supervision.task_overdue(task.status, task.due_on, on or today())


def progress_of(list_ids: list[int]) -> dict[int, Progress]:
    """Tasks, closed and overdue per list, in one query."""
    if not list_ids:
        return {}
    now = today()
    rows = db.session.execute(
        select(Task.task_list_id, func.count(),
               func.sum(sql_case((Task.status == "closed", 1), else_=0)),
               func.sum(sql_case((and_(Task.status == "open", Task.due_on < now), 1),
                                 else_=0)))
        .where(Task.task_list_id.in_(list_ids)).group_by(Task.task_list_id))
    out = {i: Progress(0, 0, 0) for i in list_ids}
    for list_id, total, closed, overdue in rows:
        out[list_id] = Progress(total, closed or 0, overdue or 0)
    return out


# -- drawing a draft -----------------------------------------------------------------------


def high_frequency(where: metrics.Slice, first: date, last: date,
                   top: int = HIGH_FREQUENCY_TOP) -> list[tuple[Category, int]]:
    """The categories reported most in the place over the period (rejected and merged
    reports left out), most first."""
    start, end = metrics.day_start(first), metrics.day_start(last + timedelta(days=1))
    rows = db.session.execute(
        select(Case.category_id, func.count().label("n"))
        .where(Case.created_at >= start, Case.created_at < end,
               Case.state.not_in(SKIPPED_STATES), *where.case_filters())
        .group_by(Case.category_id).order_by(func.count().desc(), Case.category_id)
        .limit(top)).all()
    cats = {c.id: c for c in db.session.scalars(
        select(Category).where(Category.id.in_([r.category_id for r in rows])))}
    return [(cats[r.category_id], r.n) for r in rows if r.category_id in cats]


def _text(raw: str | None, limit: int, message, required: bool = True) -> str:
    value = (raw or "").strip()
    if (required and not value) or len(value) > limit or has_controls(value):
        raise InvalidInput(message)
    return value


def draft(user: User, where: metrics.Slice, district_id: int | None, first: date, last: date,
          title: str, spots: list[metrics.Hotspot], radius_m: float,
          category_ids: list[int], campaign_id: int | None = None) -> TaskList:
    """A draft list: one task per chosen hotspot (the cases of its category within its
    radius) and one per chosen high-frequency category (its busiest street's cases), each
    with a suggested assignee and a due date two weeks away."""
    require_creator(user)
    mine = district_of(user)
    if mine is not None and district_id != mine:
        raise Forbidden(_l("That is outside the place you supervise."))
    title = _text(title, TITLE_MAX, _l("Give the list a title of 1 to %(n)s characters.",
                                       n=TITLE_MAX))
    if not spots and not category_ids:
        raise InvalidInput(_l("Choose at least one hotspot or category to draw tasks from."))
    campaign = _campaign_for(user, campaign_id)
    task_list = TaskList(title=title, district_id=district_id, first=first, last=last,
                         status="draft", created_by_id=user.id, created_at=clock.now(),
                         campaign_id=campaign.id if campaign else None)
    db.session.add(task_list)
    due = today() + timedelta(days=DEFAULT_DAYS)
    position = 0
    for spot in spots:
        position += 1
        task = _hotspot_task(where, first, last, spot, radius_m, position, due)
        if task.district_id is None:  # no case there has an area: the list's own place
            task.district_id = task_list.district_id
        task_list.tasks.append(task)
    for category_id in category_ids:
        task = _category_task(where, first, last, category_id, position + 1, due)
        if task is not None:
            position += 1
            task_list.tasks.append(task)
    if not task_list.tasks:
        db.session.rollback()
        raise InvalidInput(_l("No case lies behind what was chosen; nothing was drawn."))
    db.session.flush()
    _write_links(task_list)
    db.session.commit()
    log.info("task list drawn: user=%s list=%s tasks=%s", user.id, task_list.id,
             len(task_list.tasks))
    return task_list


def _campaign_for(user: User, campaign_id: int | None) -> Campaign | None:
    if campaign_id is None:
        return None
    campaign = db.session.get(Campaign, campaign_id)
    mine = district_of(user)
    if campaign is None or (mine is not None and campaign.district_id not in (None, mine)):
        raise NotFound(_l("No such campaign."))
    return campaign


def _in_city_language(text) -> str:
    """A task's words as the assignee will read them: in the city's language, whatever the
    drafting supervisor's own page language is."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(text)


def _scope(where: metrics.Slice, first: date, last: date):
    start, end = metrics.day_start(first), metrics.day_start(last + timedelta(days=1))
    return [Case.created_at >= start, Case.created_at < end,
            Case.state.not_in(SKIPPED_STATES), *where.case_filters()]


def _hotspot_task(where, first, last, spot: metrics.Hotspot, radius_m: float, position: int,
                  due: date) -> Task:
    dy = radius_m / metrics.METRES_PER_DEGREE
    dx = radius_m / (metrics.METRES_PER_DEGREE * max(0.2, math.cos(math.radians(spot.lat))))
    rows = db.session.execute(
        select(Case.id, Case.lat, Case.lng, Case.area_id, Case.street_id, Case.district_id)
        .where(*_scope(where, first, last), Case.category_id == spot.category_id,
               Case.lat.between(spot.lat - 2 * dy, spot.lat + 2 * dy),
               Case.lng.between(spot.lng - 2 * dx, spot.lng + 2 * dx))
        .order_by(Case.id)).all()
    near = [r for r in rows
            if metrics._metres(spot.lng, spot.lat, r.lng, r.lat, spot.lat) <= 2 * radius_m]
    area_id = Counter(r.area_id for r in near if r.area_id).most_common(1)
    area = db.session.get(Area, area_id[0][0]) if area_id else None
    category = db.session.get(Category, spot.category_id)
    place = (f"{area.name_zh} ({spot.lat:.5f}, {spot.lng:.5f})" if area
             else f"{spot.lat:.5f}, {spot.lng:.5f}")
    label = category.code + " " + category.name_zh
    task = Task(position=position, place=place[:PLACE_MAX],
                problem=_in_city_language(_l(
                    "%(category)s keeps coming back here: %(n)s reports in the period.",
                    category=label, n=len(near) or spot.count)),
                category_id=spot.category_id, lat=spot.lat, lng=spot.lng,
                area_id=area.id if area else None,
                street_id=area.street_id if area else None,
                district_id=area.street.district_id if area else None,
                evidence_count=len(near), due_on=due, status="open")
    if area is not None and area.road_chief_id:
        task.assignee_kind, task.assignee_user_id = "chief", area.road_chief_id
    _link(task, [r.id for r in near])
    return task


def _category_task(where, first, last, category_id: int, position: int, due: date
                   ) -> Task | None:
    category = db.session.get(Category, category_id)
    if category is None:
        raise InvalidInput(_l("No such category."))
    busiest = db.session.execute(
        select(Case.street_id, func.count().label("n"))
        .where(*_scope(where, first, last), Case.category_id == category_id,
               Case.street_id.is_not(None))
        .group_by(Case.street_id).order_by(func.count().desc(), Case.street_id).limit(1)).first()
    if busiest is None:
        return None
    street = db.session.get(Street, busiest.street_id)
    ids = list(db.session.scalars(
        select(Case.id).where(*_scope(where, first, last), Case.category_id == category_id,
                              Case.street_id == street.id)
        .order_by(Case.id.desc()).limit(EVIDENCE_LINKED)))
    label = category.code + " " + category.name_zh
    task = Task(position=position, place=street.name_zh[:PLACE_MAX],
                problem=_in_city_language(_l(
                    "%(category)s is among the most reported problems: %(n)s reports in this "
                    "street in the period.", category=label, n=busiest.n)),
                category_id=category_id, street_id=street.id, district_id=street.district_id,
                evidence_count=busiest.n, due_on=due, status="open",
                assignee_kind="street", assignee_street_id=street.id)
    _link(task, ids)
    return task


def _link(task: Task, case_ids: list[int]) -> None:
    task._evidence = case_ids[:EVIDENCE_LINKED]  # written once the task has its id


def _write_links(task_list: TaskList) -> None:
    for task in task_list.tasks:
        ids = getattr(task, "_evidence", None)
        if ids:
            db.session.add_all(TaskCase(task_id=task.id, case_id=i) for i in ids)


# -- editing and publishing -------------------------------------------------------------------

ASSIGNEE = re.compile(r"^(street|agency|chief):([0-9]{1,9})$")


@dataclass
class Edit:
    """What the edit form sent for one task (raw text)."""

    place: str | None = None
    problem: str | None = None
    assignee: str | None = None
    due: str | None = None


def assignee_options(task: Task) -> dict[str, list[tuple[str, str]]]:
    """The units a task may go to, near its place: streets of its district, agencies of
    its district and the city-wide ones, road chiefs of its street (or district)."""
    streets = select(Street).order_by(Street.code)
    agencies = select(Agency).order_by(Agency.code)
    chiefs = (select(User, Area).join(Area, Area.road_chief_id == User.id)
              .join(Street, Street.id == Area.street_id).order_by(Area.code))
    if task.district_id:
        streets = streets.where(Street.district_id == task.district_id)
        agencies = agencies.where(or_(Agency.district_id.is_(None),
                                      Agency.district_id == task.district_id))
        chiefs = chiefs.where(Street.district_id == task.district_id)
    if task.street_id:
        chiefs = chiefs.where(Area.street_id == task.street_id)
    return {
        "street": [(f"street:{s.id}", s.name_zh) for s in db.session.scalars(streets)],
        "agency": [(f"agency:{a.id}", a.name_zh) for a in db.session.scalars(agencies)],
        "chief": [(f"chief:{u.id}", f"{u.display_name} · {a.name_zh}")
                  for u, a in db.session.execute(chiefs.limit(300))],
    }


def assignee_value(task: Task) -> str:
    kind = task.assignee_kind
    ident = {"street": task.assignee_street_id, "agency": task.assignee_agency_id,
             "chief": task.assignee_user_id}.get(kind or "")
    return f"{kind}:{ident}" if kind and ident else ""


def assignee_name(task: Task) -> str:
    if task.assignee_kind == "street" and task.assignee_street:
        return task.assignee_street.name_zh
    if task.assignee_kind == "agency" and task.assignee_agency:
        return task.assignee_agency.name_zh
    if task.assignee_kind == "chief" and task.assignee_user:
        return task.assignee_user.display_name
    return ""


def save(user: User, task_list: TaskList, title: str | None, edits: dict[int, Edit],
         campaign_id: int | None = None) -> None:
    """Apply the edit form to a draft: every field checked before anything is written."""
    _apply(user, task_list, title, edits, campaign_id)
    db.session.commit()
    log.info("task list saved: user=%s list=%s", user.id, task_list.id)


def save_and_publish(user: User, task_list: TaskList, title: str | None,
                     edits: dict[int, Edit], campaign_id: int | None = None) -> None:
    """The edits and the publication in one transaction: if publishing is refused, the
    caller rolls back and nothing of the request is kept."""
    _apply(user, task_list, title, edits, campaign_id)
    publish(user, task_list)


def _apply(user: User, task_list: TaskList, title: str | None, edits: dict[int, Edit],
           campaign_id: int | None) -> None:
    _editable(user, task_list)
    title_value = _text(title, TITLE_MAX, _l("Give the list a title of 1 to %(n)s "
                                             "characters.", n=TITLE_MAX))
    campaign = _campaign_for(user, campaign_id)
    tasks = {t.id: t for t in task_list.tasks}
    planned = []
    for task_id, edit in edits.items():
        task = tasks.get(task_id)
        if task is None:
            raise NotFound(_l("No such task."))
        planned.append((task, _checked(task_list, task, edit)))
    task_list.title = title_value
    task_list.campaign_id = campaign.id if campaign else None
    for task, values in planned:
        for key, value in values.items():
            setattr(task, key, value)


def _editable(user: User, task_list: TaskList) -> None:
    if not may_edit(user, task_list):
        raise Forbidden(_l("Only supervisors of the list's place may change it."))
    if task_list.status != "draft":
        raise InvalidInput(_l("This list is published; its tasks stay as published."))


def _checked(task_list: TaskList, task: Task, edit: Edit) -> dict:
    n = task.position
    values: dict = {}
    if edit.place is not None:
        values["place"] = _text(edit.place, PLACE_MAX, _l(
            "Task %(n)s: the place is text of 1 to %(max)s characters.", n=n, max=PLACE_MAX))
    if edit.problem is not None:
        values["problem"] = _text(edit.problem, PROBLEM_MAX, _l(
            "Task %(n)s: the problem is text of 1 to %(max)s characters.", n=n,
            max=PROBLEM_MAX))
    if edit.due is not None:
        raw = edit.due.strip()
        if not raw:
            values["due_on"] = None
        else:
            try:
                due = date.fromisoformat(raw)
            except ValueError:
                raise InvalidInput(_l("Task %(n)s: the due date is a date (YYYY-MM-DD).",
                                      n=n)) from None
            if not today() <= due <= today() + timedelta(days=MAX_DUE_DAYS):
                raise InvalidInput(_l("Task %(n)s: the due date must be between today and a "
                                      "year from now.", n=n))
            values["due_on"] = due
    if edit.assignee is not None:
        values.update(_assignee(task_list, task, edit.assignee.strip()))
    return values


def _assignee(task_list: TaskList, task: Task, raw: str) -> dict:
    empty = {"assignee_kind": None, "assignee_street_id": None, "assignee_agency_id": None,
             "assignee_user_id": None}
    if not raw:
        return empty
    match = ASSIGNEE.match(raw)
    bad = InvalidInput(_l("Task %(n)s: choose a street, an agency or a road chief from the "
                          "list.", n=task.position))
    if match is None:
        raise bad
    kind, ident = match.group(1), int(match.group(2))
    district = None
    if kind == "street":
        street = db.session.get(Street, ident)
        if street is None:
            raise bad
        district = street.district_id
        empty["assignee_street_id"] = ident
    elif kind == "agency":
        agency = db.session.get(Agency, ident)
        if agency is None:
            raise bad
        district = agency.district_id
        empty["assignee_agency_id"] = ident
    else:
        chief = db.session.get(User, ident)
        if chief is None or chief.role != Role.ROAD_CHIEF.value or not chief.active:
            raise bad
        area = chief.area or db.session.scalar(select(Area).where(Area.road_chief_id == ident)
                                               .limit(1))
        district = area.street.district_id if area else district_of(chief)
        if district is None and task_list.district_id is not None:
            raise bad  # a chief of no known place cannot take a district's task
        empty["assignee_user_id"] = ident
    if task_list.district_id is not None and district not in (None, task_list.district_id):
        raise InvalidInput(_l("Task %(n)s: that unit is outside the list's place.",
                              n=task.position))
    empty["assignee_kind"] = kind
    return empty


def publish(user: User, task_list: TaskList) -> None:
    """All or nothing: every task must have an assignee and a due date not yet past;
    otherwise nothing is published and the message names every task that is not ready."""
    _editable(user, task_list)
    if not task_list.tasks:
        raise InvalidInput(_l("A list without tasks cannot be published."))
    problems = []
    for task in task_list.tasks:
        if not assignee_value(task):
            problems.append(str(_l("task %(n)s (%(place)s) has no assignee", n=task.position,
                                   place=task.place)))
        if task.due_on is None:
            problems.append(str(_l("task %(n)s (%(place)s) has no due date", n=task.position,
                                   place=task.place)))
        elif task.due_on < today():
            problems.append(str(_l("task %(n)s (%(place)s) is due in the past",
                                   n=task.position, place=task.place)))
    if problems:
        raise InvalidInput(_l("Nothing was published: %(problems)s.",
                              problems="; ".join(problems)))
    task_list.status = "published"
    task_list.published_at = clock.now()
    task_list.published_by_id = user.id
    db.session.commit()
    log.info("task list published: user=%s list=%s tasks=%s", user.id, task_list.id,
             len(task_list.tasks))


# -- the assignee's side ---------------------------------------------------------------------


def assigned_clause(user: User):
    """Tasks assigned to the person: a road chief's own, their agency's, or their street's
    (for the street's supervisors and inspectors)."""
    role = user.role
    if role == Role.ROAD_CHIEF.value:
        return Task.assignee_user_id == user.id
    if role == Role.AGENCY_STAFF.value and user.agency_id:
        return Task.assignee_agency_id == user.agency_id
    if role in (Role.SUPERVISOR.value, Role.INSPECTOR.value) and user.level == "street":
        return Task.assignee_street_id == user.street_id
    return false()


def my_tasks(user: User, include_closed: bool = False, limit: int = 50) -> list[Task]:
    """The person's tasks of published lists: open ones by due date (overdue first)."""
    clause = assigned_clause(user)
    stmt = (select(Task).join(TaskList, TaskList.id == Task.task_list_id)
            .where(TaskList.status == "published", clause))
    if not include_closed:
        stmt = stmt.where(Task.status == "open")
    return list(db.session.scalars(stmt.order_by(Task.status.desc(), Task.due_on, Task.id)
                                   .limit(limit)))


def may_close(user: User, task: Task) -> bool:
    return db.session.scalar(select(func.count()).select_from(Task).where(
        Task.id == task.id, assigned_clause(user))) == 1


def may_read(user: User, task: Task) -> bool:
    """The assignee, or a supervisor who may read the list and the task's place."""
    if task.task_list.status == "published" and may_close(user, task):
        return True
    if not is_supervisor(user):
        return False
    return db.session.scalar(
        select(func.count()).select_from(Task).join(TaskList, TaskList.id == Task.task_list_id)
        .where(Task.id == task.id, lists_clause(user), tasks_clause(user))) == 1


def get_task(user: User, task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or not may_read(user, task):
        raise NotFound(_l("No such task."))
    return task


def close(user: User, task: Task, note: str | None, photos: list[media.Photo]) -> None:
    """The assignee closes a task with a note and at least one photo."""
    if task.task_list.status != "published" or not may_close(user, task):
        raise Forbidden(_l("Only the task's assignee may close it."))
    if task.status == "closed":
        raise InvalidInput(_l("This task is closed already."))
    text = _text(note, NOTE_MAX, _l("Say what was done, in 1 to %(n)s characters.",
                                    n=NOTE_MAX))
    if not photos:
        raise InvalidInput(_l("Add at least one photo of the result."), field="photo")
    prepared = media.prepare(photos)
    now = clock.now()
    # Closed only if still open: of two people closing it at the same instant, one does.
    closed = db.session.execute(
        update(Task).where(Task.id == task.id, Task.status == "open")
        .values(status="closed", closed_at=now, closed_by_id=user.id, close_note=text))
    if closed.rowcount != 1:
        db.session.rollback()
        raise InvalidInput(_l("This task is closed already."))
    for kept in media.store(0, "task", prepared, None):
        task.photos.append(TaskPhoto(storage_key=kept.storage_key,
                                     content_type=kept.content_type, size=kept.size,
                                     width=kept.width, height=kept.height, created_at=now))
    db.session.commit()
    log.info("task closed: user=%s task=%s list=%s photos=%s", user.id, task.id,
             task.task_list_id, len(photos))


def evidence(task: Task, limit: int = EVIDENCE_LINKED) -> list[Case]:
    return list(db.session.scalars(
        select(Case).join(TaskCase, TaskCase.case_id == Case.id)
        .where(TaskCase.task_id == task.id).order_by(Case.id).limit(limit)))


def tasks_of_case(case_id: int) -> list[Task]:
    """The tasks of published lists a case is evidence for (the staff case page lists
    them; a draft is its supervisor's until published)."""
    return list(db.session.scalars(
        select(Task).join(TaskCase, TaskCase.task_id == Task.id)
        .join(TaskList, TaskList.id == Task.task_list_id)
        .where(TaskCase.case_id == case_id, TaskList.status == "published")
        .order_by(Task.id)))


def district_name(district_id: int | None) -> str:
    if district_id is None:
        return str(_l("Whole city"))
    district = db.session.get(District, district_id)
    return district.name_zh if district else ""
