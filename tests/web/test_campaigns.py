"""Special campaigns (专项整治) over HTTP: started by a supervisor of the city or a district
within their place, refused when they overlap another, with the plan's figures restricted
to their scope (from the daily counters), a before/after comparison, their task lists and
a printable report; read only where the reader's place allows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Category
from app.models.supervision_tasks import Campaign
from app.services import clock
from tests.metrics_helpers import at, closed, rate
from tests.resident_helpers import fresh_limits  # noqa: F401 - an autouse fixture
from tests.work_helpers import client_for

NOW = "2026-12-02 09:00"
ZH = "zh-CN"


def cat(code: str) -> int:
    return db.session.scalar(select(Category.id).where(Category.code == code))


@pytest.fixture()
def history(city):
    """November: flyers (LD09) in street 1, two on time and one late; graffiti (LD10) in
    street 1; flyers in street 2. October: one flyer case in street 1 (before)."""
    good = closed(city, "2026-11-25 09:00", rectified="2026-11-25 11:00",
                  verified="2026-11-25 12:00")
    rate(good, "2026-11-25 13:00", 1)
    closed(city, "2026-11-24 09:00", rectified="2026-11-24 15:00", verified="2026-11-24 16:00",
           point=city.POINT2, phone=None)
    closed(city, "2026-11-16 09:00", rectified="2026-11-19 10:00", verified="2026-11-19 11:00",
           phone=None)  # late
    closed(city, "2026-11-17 09:00", code="LD10", rectified="2026-11-17 10:00",
           verified="2026-11-17 11:00", phone=None)
    closed(city, "2026-11-18 09:00", point=city.POINT3, rectified="2026-11-18 10:00",
           verified="2026-11-18 11:00", phone=None)  # street 2
    closed(city, "2026-10-20 09:00", rectified="2026-10-20 10:00", verified="2026-10-20 11:00",
           phone=None)
    return city


def get(client, path, lang="en"):
    with clock.travel(at(NOW)):
        return client.get(path, headers={"Accept-Language": lang})


def post(client, path, data, lang="en"):
    with clock.travel(at(NOW)):
        return client.post(path, data={"csrf_token": client.csrf, **data},
                           headers={"Accept-Language": lang})


def start(client, city, **changes):
    data = {"name": "十一月小广告专项整治", "places": [f"street:{city.street.id}"],
            "categories": [str(cat("LD09"))], "first": "2026-11-01", "last": "2026-11-30",
            "target": "98"}
    data.update(changes)
    return post(client, "/supervise/campaigns", data)


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Campaign))


def test_a_district_supervisor_starts_a_campaign_and_sees_its_figures(app, history):
    client = client_for(app, history.district_supervisor)
    response = start(client, history)
    assert response.status_code == 303, response.text
    campaign = db.session.scalar(select(Campaign))
    assert campaign.target_on_time == pytest.approx(0.98)
    assert campaign.owner_id == history.district_supervisor.id
    page = get(client, f"/supervise/campaigns/{campaign.id}").text
    # Only flyers in street 1 in November: 2 of 3 on time; graffiti and street 2 left out.
    assert "2 on time of 3 due" in page
    assert "target ≥ 98.0%" in page
    # before: October's one flyer case in street 1
    before_after = page[page.index('id="before-after"'):]
    assert '<tr data-row="due"><th>Due cases</th><td class="num">1</td><td class="num">3</td>' \
        in before_after.replace("\n", "")
    assert "200.0%" in before_after  # three times October's volume


def test_the_campaign_page_splits_by_street_and_category(app, history):
    client = client_for(app, history.district_supervisor)
    start(client, history, places=[], categories=[])  # the whole district, every category
    campaign = db.session.scalar(select(Campaign))
    page = get(client, f"/supervise/campaigns/{campaign.id}").text
    assert "4 on time of 5 due" in page
    by_street = page[page.index('data-by="street"'):page.index('data-by="category"')]
    assert "Dazhi" in by_street or "大智街道" in by_street
    assert "Yiyuan" in by_street or "一元街道" in by_street


def test_overlapping_campaigns_are_refused_with_a_message(app, history):
    client = client_for(app, history.district_supervisor)
    assert start(client, history).status_code == 303
    # same category, the district holds street 1, overlapping period
    response = start(client, history, name="小广告再整治",
                     places=[f"district:{history.district.id}"], first="2026-11-20",
                     last="2026-12-20")
    assert response.status_code == 422
    assert "overlaps “十一月小广告专项整治”" in response.text
    # every category (none chosen) overlaps too
    response = start(client, history, name="全类别", categories=[])
    assert response.status_code == 422
    assert count() == 1
    # another category, another street, or another period is fine
    assert start(client, history, name="乱画", categories=[str(cat("LD10"))]).status_code == 303
    assert start(client, history, name="一元", places=[f"street:{history.street2.id}"]) \
        .status_code == 303
    assert start(client, history, name="十二月", first="2026-12-01", last="2026-12-31") \
        .status_code == 303
    assert count() == 4


@pytest.mark.parametrize("field,value,message", [
    ("name", "", "name of 1 to 80"),
    ("name", "x" * 81, "name of 1 to 80"),
    ("name", "a\x07b", None),
    ("target", "abc", "percentage from 50 to 100"),
    ("target", "120", "percentage from 50 to 100"),
    ("target", "NaN", "percentage from 50 to 100"),
    ("target", "1e309", "percentage from 50 to 100"),
    ("first", "2026-13-01", "first and last day"),
    ("last", "2026-10-01", "ends before it begins"),
    ("last", "2029-01-01", "at most 732 days"),
    ("first", "1999-01-01", "between 2000 and 2099"),
    ("categories", ["99999"], "Choose categories from the list."),
    ("categories", ["x"], "Choose categories from the list."),
    ("places", ["street:99999"], "Choose places from the list."),
    ("places", ["road:1"], "Choose places from the list."),
    ("owner", "99999", "Choose the owner from the list."),
])
def test_bad_input_is_refused_and_nothing_is_written(app, history, field, value, message):
    client = client_for(app, history.district_supervisor)
    response = start(client, history, **{field: value})
    assert response.status_code in (400, 422)
    if message:
        assert message in response.text
    assert count() == 0


def test_a_district_supervisor_may_not_reach_another_district(app, history):
    client = client_for(app, history.district_supervisor)
    far_street = history.far_area.street_id
    response = start(client, history, places=[f"street:{far_street}"])
    assert response.status_code == 403
    assert count() == 0


def test_a_street_supervisor_reads_but_may_not_start(app, history):
    start(client_for(app, history.district_supervisor), history)
    campaign = db.session.scalar(select(Campaign))
    client = client_for(app, history.street_supervisor)
    assert 'id="new-campaign"' not in get(client, "/supervise/campaigns").text
    assert start(client, history, name="x").status_code == 403
    page = get(client, f"/supervise/campaigns/{campaign.id}").text
    assert "2 on time of 3 due" in page
    # street 2's supervisor reads the campaign restricted to their own street: none of it
    page = get(client_for(app, history.street2_supervisor),
               f"/supervise/campaigns/{campaign.id}").text
    assert "0 on time of 0 due" in page


def test_another_districts_supervisor_cannot_read_it(app, history):
    from tests.factories import user

    start(client_for(app, history.district_supervisor), history)
    campaign = db.session.scalar(select(Campaign))
    other = user("wc_sup", "supervisor", district_id=history.other_district.id)
    db.session.commit()
    client = client_for(app, other)
    assert get(client, f"/supervise/campaigns/{campaign.id}").status_code == 404
    assert get(client, f"/supervise/campaigns/{campaign.id}/report").status_code == 404
    assert "十一月小广告专项整治" not in get(client, "/supervise/campaigns").text


def test_a_city_campaign_is_read_by_a_district_within_its_district(app, history):
    client = client_for(app, history.city_supervisor)
    assert start(client, history, places=[]).status_code == 303
    campaign = db.session.scalar(select(Campaign))
    assert campaign.district_id is None
    page = get(client_for(app, history.district_supervisor),
               f"/supervise/campaigns/{campaign.id}").text
    assert "3 on time of 4 due" in page  # flyers in both streets of 江岸区


def test_the_report_prints_with_a_masthead(app, history):
    client = client_for(app, history.district_supervisor)
    start(client, history)
    campaign = db.session.scalar(select(Campaign))
    page = get(client_for(app, history.district_supervisor, lang="zh_Hans_CN"),
               f"/supervise/campaigns/{campaign.id}/report?issuer=江岸区城市运行管理中心",
               lang=ZH).text
    assert 'id="masthead"' in page and "江岸区城市运行管理中心" in page
    assert "专项整治通报" in page and "十一月小广告专项整治" in page
    assert "js/print.js" in page and "supervise.css" in page
    bad = get(client, f"/supervise/campaigns/{campaign.id}/report?issuer=%01")
    assert bad.status_code == 422


def test_a_task_list_of_the_campaign_shows_on_its_page(app, history):
    from tests.web.test_supervision_tasks import form_of

    client = client_for(app, history.district_supervisor)
    start(client, history)
    campaign = db.session.scalar(select(Campaign))
    with clock.travel(at(NOW)):
        response = client.post("/supervise/tasks/draft?month=2026-11&radius=100&min=2",
                               data={"csrf_token": client.csrf, "title": "小广告任务",
                                     "spot": "1", "campaign": str(campaign.id)})
    assert response.status_code == 303, response.text
    from app.models.supervision_tasks import TaskList

    task_list = db.session.scalar(select(TaskList))
    assert task_list.campaign_id == campaign.id
    post(client, f"/supervise/tasks/{task_list.id}", form_of(task_list, publish="1",
                                                              campaign=str(campaign.id)))
    page = get(client, f"/supervise/campaigns/{campaign.id}").text
    assert f'data-list="{task_list.id}"' in page and "小广告任务" in page
    assert "Progress: 0 of 1 tasks closed" in page


def test_campaign_forms_need_the_token(app, history):
    client = client_for(app, history.district_supervisor)
    with clock.travel(at(NOW)):
        response = client.post("/supervise/campaigns", data={"name": "x"})
    assert response.status_code == 400
    assert count() == 0


def test_unknown_campaigns_are_not_found(app, history):
    client = client_for(app, history.city_supervisor)
    for path in ("/supervise/campaigns/999", "/supervise/campaigns/999/report",
                 "/supervise/tasks/999"):
        assert get(client, path).status_code == 404


def test_the_pages_carry_no_inline_script(app, history):
    from tests.web.test_guards import INLINE_HANDLER, INLINE_SCRIPT
    from tests.web.test_supervision_tasks import drawn

    client = client_for(app, history.district_supervisor)
    start(client, history)
    campaign = db.session.scalar(select(Campaign))
    task_list = drawn(app, history, data={"spot": "", "category": str(cat("LD09"))})
    for path in ("/supervise/tasks", f"/supervise/tasks/{task_list.id}", "/supervise/campaigns",
                 f"/supervise/campaigns/{campaign.id}",
                 f"/supervise/campaigns/{campaign.id}/report",
                 f"/work/tasks/{task_list.tasks[0].id}", "/supervise/hotspots?month=2026-11"):
        response = get(client, path)
        assert response.status_code == 200, path
        page = response.text
        assert not INLINE_SCRIPT.search(page) and not INLINE_HANDLER.search(page), path
