"""The demo city's supervision work, so that its first screens are not empty: a running
special campaign in 江岸区 (parking and stacking, 乱停乱放) and a published task list of
the campaign drawn from the district's high-frequency problems of the last 30 days, with
a task for the demo road chief (``chief``) and one for the demo agency (``agency``).
Idempotent: a second run finds the campaign and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Agency, Area, Case, Category, District, User
from app.models.supervision_tasks import Campaign, Task, TaskCase, TaskList
from app.services import clock, tasks
from app.services.metrics_dashboard import Slice

CAMPAIGN_NAME = "江岸区乱停乱放专项整治"
CATEGORIES = ("LD03", "LD04", "HF02")


def seed() -> None:
    if db.session.scalar(select(Campaign.id).where(Campaign.name == CAMPAIGN_NAME)):
        return
    district = db.session.scalar(select(District).where(District.code == "JA"))
    supervisor = db.session.scalar(select(User).where(User.username == "district_supervisor"))
    if district is None or supervisor is None:
        return
    today = tasks.today()
    categories = list(db.session.scalars(select(Category).where(Category.code.in_(CATEGORIES))
                                         .order_by(Category.code)))
    campaign = Campaign(name=CAMPAIGN_NAME, district_id=district.id, district_ids=[],
                        street_ids=[], area_ids=[], category_ids=[c.id for c in categories],
                        first=today - timedelta(days=30), last=today + timedelta(days=30),
                        target_on_time=0.98, owner_id=supervisor.id,
                        created_by_id=supervisor.id, created_at=clock.now())
    db.session.add(campaign)
    db.session.commit()

    where = Slice(district_id=district.id)
    first, last = today - timedelta(days=30), today - timedelta(days=1)
    frequent = [c.id for c, _n in tasks.high_frequency(where, first, last, top=3)]
    title = f"江岸区{first.month}月高频问题任务清单"
    if frequent:
        task_list = tasks.draft(supervisor, where, district.id, first, last, title, [], 100,
                                frequent, campaign.id)
    else:  # a city without recent cases still gets its list, with the two demo tasks
        task_list = TaskList(title=title, district_id=district.id, campaign_id=campaign.id,
                             first=first, last=last, status="draft",
                             created_by_id=supervisor.id, created_at=clock.now())
        db.session.add(task_list)
    _demo_assignees(task_list, today)
    tasks.publish(supervisor, task_list)


def _demo_assignees(task_list, today) -> None:
    """A task for the demo road chief's area and one for the demo agency, so that both
    demo logins find work in their queues."""
    chief = db.session.scalar(select(User).where(User.username == "chief"))
    agency_user = db.session.scalar(select(User).where(User.username == "agency"))
    due = today + timedelta(days=tasks.DEFAULT_DAYS)
    position = len(task_list.tasks)
    if chief is not None and chief.area_id:
        area = db.session.get(Area, chief.area_id)
        recent = list(db.session.scalars(select(Case.id).where(Case.area_id == area.id)
                                         .order_by(Case.id.desc()).limit(10)))
        position += 1
        task = Task(position=position, place=area.name_zh, district_id=area.street.district_id,
                    street_id=area.street_id, area_id=area.id, evidence_count=len(recent),
                    problem="责任区内问题反复出现：请组织“1+2+N”力量集中整治，清理小广告和乱堆放。",
                    assignee_kind="chief", assignee_user_id=chief.id, due_on=due,
                    status="open")
        task_list.tasks.append(task)
        db.session.flush()
        db.session.add_all(TaskCase(task_id=task.id, case_id=i) for i in recent)
    if agency_user is not None and agency_user.agency_id:
        agency = db.session.get(Agency, agency_user.agency_id)
        parking = db.session.scalar(select(Category).where(Category.code == "LD03"))
        recent = list(db.session.scalars(
            select(Case.id).where(Case.category_id == parking.id,
                                  Case.district_id == agency.district_id)
            .order_by(Case.id.desc()).limit(10)))
        position += 1
        task = Task(position=position, place="江岸区主次干道", district_id=agency.district_id,
                    category_id=parking.id, evidence_count=len(recent),
                    problem="LD03 乱停：早晚高峰机动车占道停放集中，请加强巡查和查处。",
                    assignee_kind="agency", assignee_agency_id=agency.id, due_on=due,
                    status="open")
        task_list.tasks.append(task)
        db.session.flush()
        db.session.add_all(TaskCase(task_id=task.id, case_id=i) for i in recent)
    db.session.commit()
