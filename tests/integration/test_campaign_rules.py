"""The campaign and task-list rules in the services: what counts as an overlap (places by
their hierarchy, categories with "none" meaning all, periods inclusive), a campaign's
figures recomputed independently from the per-case facts, and task-list progress."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Category, MetricCase
from app.models.supervision_tasks import Campaign, Task, TaskList
from app.services import campaigns, clock, tasks
from app.services.errors import Forbidden, InvalidInput
from tests.metrics_helpers import at, closed

NOW = "2026-12-02 09:00"


def cat(code: str) -> int:
    return db.session.scalar(select(Category.id).where(Category.code == code))


def form(city, **changes) -> campaigns.Form:
    values = dict(name="整治", places=[f"street:{city.street.id}"],
                  categories=[str(cat("LD09"))], first="2026-11-01", last="2026-11-30",
                  target="98")
    values.update(changes)
    return campaigns.Form(**values)


def create(city, user=None, **changes) -> Campaign:
    with clock.travel(at(NOW)):
        return campaigns.create(user or city.district_supervisor, form(city, **changes))


@pytest.mark.parametrize("places,categories,first,last,clash", [
    (["area:{area}"], ["LD09"], "2026-11-15", "2026-12-15", True),  # an area of the street
    (["district:{district}"], ["LD09"], "2026-11-30", "2026-12-30", True),  # one day shared
    ([], ["LD09"], "2026-11-01", "2026-11-30", True),  # the whole district
    (["area:{area}"], [], "2026-11-01", "2026-11-30", True),  # every category
    (["street:{street2}"], ["LD09"], "2026-11-01", "2026-11-30", False),  # beside it
    (["area:{area3}"], ["LD09"], "2026-11-01", "2026-11-30", False),  # in the other street
    (["street:{street}"], ["LD10"], "2026-11-01", "2026-11-30", False),  # another category
    (["street:{street}"], ["LD09"], "2026-12-01", "2026-12-31", False),  # the next day on
])
def test_what_overlaps(city, places, categories, first, last, clash):
    create(city)
    ids = {"area": city.area.id, "district": city.district.id, "street2": city.street2.id,
           "area3": city.area3.id, "street": city.street.id}
    changes = dict(name="第二个", places=[p.format(**ids) for p in places],
                   categories=[str(cat(c)) for c in categories], first=first, last=last)
    if clash:
        with pytest.raises(InvalidInput, match="重叠|overlaps"):
            create(city, **changes)
    else:
        create(city, **changes)


def test_a_city_campaign_overlaps_a_district_one(city):
    create(city)
    with pytest.raises(InvalidInput, match="重叠|overlaps"):
        create(city, user=city.city_supervisor, name="全市", places=[])


def test_a_district_supervisor_stays_in_their_district(city):
    with pytest.raises(Forbidden):
        create(city, places=[f"area:{city.far_area.id}"])
    with pytest.raises(Forbidden):
        create(city, user=city.street_supervisor)


def test_the_figures_agree_with_the_per_case_facts(city):
    """Recomputed from ``metric_case`` (each case's own facts), not from the daily
    counters the page reads."""
    for day, rectified in ((10, "10:00"), (11, "10:30"), (12, None), (13, "09:30")):
        when = f"2026-11-{day} 09:00"
        fix = f"2026-11-{day} {rectified}" if rectified else f"2026-11-{day + 3} 10:00"
        verified = (f"2026-11-{day} 11:00" if rectified else f"2026-11-{day + 3} 11:00")
        closed(city, when, rectified=fix, verified=verified, phone=None)
    closed(city, "2026-11-14 09:00", code="LD10", rectified="2026-11-14 10:00",
           verified="2026-11-14 11:00", phone=None)
    closed(city, "2026-11-15 09:00", point=city.POINT3, rectified="2026-11-15 10:00",
           verified="2026-11-15 11:00", phone=None)
    campaign = create(city)
    with clock.travel(at(NOW)):
        figures = campaigns.figures(campaign)
    facts = db.session.scalars(select(MetricCase).where(
        MetricCase.category_id == cat("LD09"), MetricCase.street_id == city.street.id,
        MetricCase.due_day.between(date(2026, 11, 1), date(2026, 11, 30)))).all()
    assert figures.during.due == len(facts) == 4
    assert figures.during.on_time == sum(f.on_time for f in facts) == 3
    assert figures.before.due == 0
    assert figures.before_first == date(2026, 10, 2) and figures.before_last == date(2026, 10, 31)


@pytest.mark.parametrize("places,categories", [
    (["street:{street}"], ["LD09"]),  # the street-category table, days before too
    (["district:{district}"], []),  # its days from it, the days before by street
    (["district:{district}", "street:{far_street}"], ["LD09", "LD10"]),
])
def test_a_campaign_over_districts_or_streets_reads_the_same_figures_as_metric_day(
        city, monkeypatch, places, categories):
    from app.models import MetricDay, MetricDayStreetCategory

    for day in ("2026-10-24", "2026-11-03", "2026-11-10"):  # before it and during it
        closed(city, f"{day} 09:00", rectified=f"{day} 10:00", verified=f"{day} 11:00",
               phone=None)
    closed(city, "2026-11-14 09:00", code="LD10", rectified="2026-11-17 10:00",
           verified="2026-11-17 11:00", phone=None)
    closed(city, "2026-11-15 09:00", point=city.POINT3, rectified="2026-11-15 10:00",
           verified="2026-11-15 11:00", phone=None)
    ids = {"district": city.district.id, "street": city.street.id,
           "far_street": city.far_area.street_id}
    campaign = create(city, user=city.city_supervisor,
                      places=[p.format(**ids) for p in places],
                      categories=[str(cat(c)) for c in categories])
    assert campaigns.tables(campaign)[0] is MetricDayStreetCategory.__table__
    with clock.travel(at(NOW)):
        read = campaigns.figures(campaign)
        monkeypatch.setattr(campaigns, "tables",
                            lambda *_: (MetricDay.__table__, MetricDay.__table__))
        from_metric_day = campaigns.figures(campaign)
    assert read.during.due >= 2 and read.before.due >= 1
    assert read == from_metric_day


def test_a_campaign_over_areas_still_reads_metric_day(city):
    from app.models import MetricDay

    campaign = create(city, places=[f"area:{city.area.id}"])
    assert campaigns.tables(campaign) == (MetricDay.__table__, MetricDay.__table__)


def test_progress_counts_closed_and_overdue_tasks(city):
    today = date(2026, 12, 2)
    task_list = TaskList(title="清单", first=today, last=today, status="published",
                         created_by_id=city.city_supervisor.id, created_at=at(NOW))
    for i, (status, due) in enumerate([("open", -1), ("open", 3), ("closed", -5)], start=1):
        task_list.tasks.append(Task(position=i, place="x", problem="y", status=status,
                                    due_on=today + timedelta(days=due)))
    db.session.add(task_list)
    db.session.commit()
    with clock.travel(at(NOW)):
        progress = tasks.progress_of([task_list.id])[task_list.id]
    assert (progress.total, progress.closed, progress.overdue) == (3, 1, 1)
    assert progress.share == pytest.approx(1 / 3)
