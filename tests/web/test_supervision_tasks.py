"""Task lists (任务清单) over HTTP: a supervisor draws a draft from the hotspots, edits and
assigns it, publishes it (all or nothing); the assignee sees the task in their queue and
closes it with a note and a photo; the list shows progress and overdue tasks; cases and
tasks link both ways. Every route checks role and place; bad input is refused with a
message and nothing is written."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case
from app.models.supervision_tasks import Task, TaskCase, TaskList
from app.services import clock
from tests.metrics_helpers import at, report
from tests.resident_helpers import fresh_limits  # noqa: F401 - an autouse fixture
from tests.work_helpers import client_for, photo_file

NOW = "2026-12-02 09:00"
ZH = "zh-CN"


@pytest.fixture()
def spot(city):
    """Five reports of flyers at one spot of area JA01-01 in November, one of graffiti in
    street 2."""
    for day in range(10, 15):
        report(city, f"2026-11-{day} 09:00", "LD09", point=city.POINT, phone=None)
    report(city, "2026-11-16 09:00", "LD10", point=city.POINT3, phone=None)
    return city


def get(client, path, lang="en"):
    with clock.travel(at(NOW)):
        return client.get(path, headers={"Accept-Language": lang})


def post(client, path, data, lang="en", when=NOW, **kw):
    with clock.travel(at(when)):
        return client.post(path, data={"csrf_token": client.csrf, **data},
                           headers={"Accept-Language": lang}, **kw)


def draw(client, data=None, query="month=2026-11&radius=100&min=3"):
    return post(client, f"/supervise/tasks/draft?{query}",
                {"title": "十一月任务清单", "spot": "1", **(data or {})})


def drawn(app, city, **kw) -> TaskList:
    client = client_for(app, city.district_supervisor)
    response = draw(client, **kw)
    assert response.status_code == 303, response.get_data(as_text=True)
    list_id = int(response.location.rsplit("/", 1)[1])
    return db.session.get(TaskList, list_id)


def form_of(task_list: TaskList, **changes) -> dict:
    data = {"title": task_list.title}
    for t in task_list.tasks:
        value = {"street": t.assignee_street_id, "agency": t.assignee_agency_id,
                 "chief": t.assignee_user_id}.get(t.assignee_kind or "")
        data[f"task-{t.id}-place"] = t.place
        data[f"task-{t.id}-problem"] = t.problem
        data[f"task-{t.id}-assignee"] = f"{t.assignee_kind}:{value}" if value else ""
        data[f"task-{t.id}-due"] = t.due_on.isoformat() if t.due_on else ""
    data.update(changes)
    return data


def published(app, city, task_list: TaskList | None = None) -> TaskList:
    task_list = task_list or drawn(app, city)
    client = client_for(app, city.district_supervisor)
    response = post(client, f"/supervise/tasks/{task_list.id}",
                    form_of(task_list, publish="1"))
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    return db.session.get(TaskList, task_list.id)


# -- drawing -------------------------------------------------------------------------------


def test_the_hotspots_page_offers_to_draw_a_task_list(app, spot):
    page = get(client_for(app, spot.district_supervisor), "/supervise/hotspots?month=2026-11",
               lang=ZH).text
    assert 'id="draw-tasks"' in page and 'name="spot" value="1"' in page
    assert "LD09" in page  # among the high-frequency categories


def test_a_street_supervisor_reads_hotspots_but_may_not_draw(app, spot):
    client = client_for(app, spot.street_supervisor)
    assert 'id="draw-tasks"' not in get(client, "/supervise/hotspots?month=2026-11").text
    response = draw(client)
    assert response.status_code == 403
    assert "Only supervisors of the city or of a district" in response.text
    assert db.session.scalar(select(func.count()).select_from(TaskList)) == 0


def test_a_draft_holds_the_hotspot_with_its_cases_and_a_suggested_road_chief(app, spot):
    task_list = drawn(app, spot)
    assert task_list.status == "draft" and task_list.district_id == spot.district.id
    [task] = task_list.tasks
    assert task.assignee_kind == "chief" and task.assignee_user_id == spot.chief.id
    assert task.evidence_count == 5 and "解放大道沿线" in task.place
    # drawn from an English page, but written for the road chief in the city's language
    assert "反复出现" in task.problem, task.problem
    linked = set(db.session.scalars(select(TaskCase.case_id).where(TaskCase.task_id == task.id)))
    flyers = set(db.session.scalars(select(Case.id).where(Case.category_id == task.category_id)))
    assert linked == flyers


def test_a_high_frequency_category_becomes_a_task_for_its_busiest_street(app, spot):
    from app.models import Category

    graffiti = db.session.scalar(select(Category).where(Category.code == "LD10"))
    task_list = drawn(app, spot, data={"spot": "", "category": str(graffiti.id)})
    [task] = task_list.tasks
    assert task.assignee_kind == "street" and task.assignee_street_id == spot.street2.id
    assert task.evidence_count == 1


def test_drawing_from_nothing_is_refused(app, spot):
    client = client_for(app, spot.district_supervisor)
    response = draw(client, {"spot": ""})
    assert response.status_code == 422 and "Choose at least one hotspot" in response.text
    response = draw(client, {"spot": "x"})
    assert response.status_code == 422
    response = draw(client, {"title": "  "})
    assert response.status_code == 422 and "title" in response.text
    response = draw(client, {"title": "a\x01b"})
    assert response.status_code in (400, 422)
    assert db.session.scalar(select(func.count()).select_from(TaskList)) == 0


def test_a_district_supervisor_draws_only_in_their_district(app, spot):
    client = client_for(app, spot.district_supervisor)
    response = draw(client, query=f"month=2026-11&district={spot.other_district.id}")
    assert response.status_code == 403


def test_drawing_needs_the_form_token(app, spot):
    client = client_for(app, spot.district_supervisor)
    with clock.travel(at(NOW)):
        response = client.post("/supervise/tasks/draft?month=2026-11",
                               data={"title": "x", "spot": "1"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(TaskList)) == 0


# -- editing and publishing ------------------------------------------------------------------


def test_a_task_without_an_assignee_refuses_the_whole_publication(app, spot):
    task_list = drawn(app, spot)
    [task] = task_list.tasks
    client = client_for(app, spot.district_supervisor)
    response = post(client, f"/supervise/tasks/{task_list.id}",
                    form_of(task_list, publish="1", title="改过的标题",
                            **{f"task-{task.id}-assignee": ""}), lang=ZH)
    assert response.status_code == 422
    assert "没有发布" in response.text or "Nothing was published" in response.text
    db.session.expire_all()
    again = db.session.get(TaskList, task_list.id)
    assert again.status == "draft" and again.title == "十一月任务清单"  # nothing kept
    assert again.tasks[0].assignee_user_id == spot.chief.id


def test_saving_a_draft_keeps_the_edits(app, spot):
    task_list = drawn(app, spot)
    [task] = task_list.tasks
    client = client_for(app, spot.district_supervisor)
    response = post(client, f"/supervise/tasks/{task_list.id}", form_of(
        task_list, **{f"task-{task.id}-assignee": f"agency:{spot.traffic.id}",
                      f"task-{task.id}-due": "2026-12-20",
                      f"task-{task.id}-place": "解放大道88号"}))
    assert response.status_code == 303
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert (task.assignee_kind, task.assignee_agency_id, task.assignee_user_id) == \
        ("agency", spot.traffic.id, None)
    assert task.due_on.isoformat() == "2026-12-20" and task.place == "解放大道88号"


@pytest.mark.parametrize("field,value,message", [
    ("due", "2026-13-45", "due date is a date"),
    ("due", "2026-11-01", "between today and a year"),
    ("due", "2099-01-01", "between today and a year"),
    ("assignee", "chief:999999", "choose a street, an agency or a road chief"),
    ("assignee", "user:1", "choose a street, an agency or a road chief"),
    ("assignee", "chief:99999999999999999999", "choose a street, an agency or a road chief"),
    ("place", "", "the place is text"),
    ("place", "x" * 121, "the place is text"),
])
def test_bad_edits_are_refused_and_nothing_is_written(app, spot, field, value, message):
    task_list = drawn(app, spot)
    [task] = task_list.tasks
    client = client_for(app, spot.district_supervisor)
    response = post(client, f"/supervise/tasks/{task_list.id}",
                    form_of(task_list, title="新标题", **{f"task-{task.id}-{field}": value}))
    assert response.status_code == 422
    assert message in response.text
    db.session.expire_all()
    assert db.session.get(TaskList, task_list.id).title == "十一月任务清单"


def test_a_unit_outside_the_lists_place_is_refused(app, spot):
    task_list = drawn(app, spot)
    [task] = task_list.tasks
    client = client_for(app, spot.district_supervisor)
    response = post(client, f"/supervise/tasks/{task_list.id}", form_of(
        task_list, **{f"task-{task.id}-assignee": f"chief:{spot.far_chief.id}"}))
    assert response.status_code == 422 and "outside the list's place" in response.text


def test_a_published_list_is_frozen(app, spot):
    task_list = published(app, spot)
    assert task_list.status == "published" and task_list.published_at is not None
    client = client_for(app, spot.district_supervisor)
    page = get(client, f"/supervise/tasks/{task_list.id}").text
    assert 'id="task-form"' not in page and 'data-status="published"' in page
    response = post(client, f"/supervise/tasks/{task_list.id}", form_of(task_list, title="x"))
    assert response.status_code == 422 and "published" in response.text


def test_another_districts_supervisor_cannot_see_or_change_the_list(app, spot):
    from tests.factories import user

    task_list = drawn(app, spot)
    other = user("wc_sup", "supervisor", district_id=spot.other_district.id)
    db.session.commit()
    client = client_for(app, other)
    assert get(client, f"/supervise/tasks/{task_list.id}").status_code == 404
    assert post(client, f"/supervise/tasks/{task_list.id}",
                form_of(task_list, publish="1")).status_code == 404
    assert "十一月任务清单" not in get(client, "/supervise/tasks").text


def test_a_street_supervisor_reads_the_list_without_editing(app, spot):
    task_list = drawn(app, spot)
    client = client_for(app, spot.street_supervisor)
    page = get(client, f"/supervise/tasks/{task_list.id}").text
    assert 'id="task-form"' not in page and "解放大道沿线" in page
    response = post(client, f"/supervise/tasks/{task_list.id}", form_of(task_list))
    assert response.status_code == 403
    # street 2's supervisor sees the list but not street 1's task
    page = get(client_for(app, spot.street2_supervisor), f"/supervise/tasks/{task_list.id}").text
    assert "解放大道沿线" not in page


@pytest.mark.parametrize("who", ["chief", "dispatcher", "traffic_staff", "inspector"])
def test_other_roles_may_not_open_task_lists_or_campaigns(app, spot, who):
    client = client_for(app, getattr(spot, who))
    for path in ("/supervise/tasks", "/supervise/campaigns"):
        response = get(client, path)
        assert response.status_code == 403, path


# -- the assignee ------------------------------------------------------------------------------


def test_the_assignee_sees_the_published_task_in_their_queue(app, spot):
    task_list = drawn(app, spot)
    chief = client_for(app, spot.chief)
    assert 'id="my-tasks"' not in get(chief, "/work/queue").text  # a draft is nobody's work
    published(app, spot, task_list)
    page = get(chief, "/work/queue").text
    assert 'id="my-tasks"' in page and f'data-task="{task_list.tasks[0].id}"' in page
    assert 'id="my-tasks"' not in get(client_for(app, spot.chief2), "/work/queue").text


def test_a_street_task_shows_on_the_street_supervisors_page(app, spot):
    task_list = drawn(app, spot)
    [task] = task_list.tasks
    client = client_for(app, spot.district_supervisor)
    post(client, f"/supervise/tasks/{task_list.id}", form_of(
        task_list, publish="1", **{f"task-{task.id}-assignee": f"street:{spot.street.id}"}))
    page = get(client_for(app, spot.street_supervisor), "/work/supervise").text
    assert f'data-task="{task.id}"' in page


def test_the_assignee_closes_the_task_with_a_note_and_a_photo(app, spot):
    task_list = published(app, spot)
    [task] = task_list.tasks
    chief = client_for(app, spot.chief)
    path = f"/work/tasks/{task.id}/close"
    response = post(chief, path, {"note": "已清理小广告"}, content_type="multipart/form-data")
    assert response.status_code == 422 and "at least one photo" in response.text
    response = post(chief, path, {"note": " ", "photos": [(photo_file(), "a.jpg")]},
                    content_type="multipart/form-data")
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == "open"
    response = post(chief, path, {"note": "已清理小广告", "photos": [(photo_file(), "a.jpg")]},
                    content_type="multipart/form-data")
    assert response.status_code == 303
    page = get(chief, f"/work/tasks/{task.id}").text
    assert 'data-task-status="closed"' in page and "已清理小广告" in page
    photo_url = re.search(r'src="(/work/tasks/photos/\d+\?size=thumb)"', page).group(1)
    assert get(chief, photo_url).status_code == 200
    assert get(client_for(app, spot.chief2), photo_url).status_code == 404
    # the supervisor's list shows the progress
    page = get(client_for(app, spot.district_supervisor), f"/supervise/tasks/{task_list.id}").text
    assert 'data-closed="1" data-total="1"' in page
    # closing twice is refused
    response = post(chief, path, {"note": "again", "photos": [(photo_file(), "a.jpg")]},
                    content_type="multipart/form-data")
    assert response.status_code in (403, 422)


def test_only_the_assignee_may_close(app, spot):
    task_list = published(app, spot)
    [task] = task_list.tasks
    response = post(client_for(app, spot.chief2), f"/work/tasks/{task.id}/close",
                    {"note": "x", "photos": [(photo_file(), "a.jpg")]},
                    content_type="multipart/form-data")
    assert response.status_code == 404
    response = post(client_for(app, spot.district_supervisor), f"/work/tasks/{task.id}/close",
                    {"note": "x", "photos": [(photo_file(), "a.jpg")]},
                    content_type="multipart/form-data")
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == "open"


def test_an_overdue_task_is_marked_on_the_list(app, spot):
    task_list = published(app, spot)
    client = client_for(app, spot.district_supervisor)
    with clock.travel(at("2026-12-30 09:00")):
        page = client.get(f"/supervise/tasks/{task_list.id}").text
        index = client.get("/supervise/tasks").text
        queue = client_for(app, spot.chief).get("/work/queue").text
    assert 'data-overdue="1"' in page and 'data-overdue="1" ' not in page.split("progress")[0]
    assert re.search(r'data-overdue="1"', page)
    assert 'class="rate below">1<' in index
    assert 'data-due="overdue"' in queue


def test_the_case_page_shows_the_tasks_it_is_behind(app, spot):
    task_list = drawn(app, spot)
    [task] = task_list.tasks
    case_id = db.session.scalar(select(TaskCase.case_id).where(TaskCase.task_id == task.id)
                                .limit(1))
    page = get(client_for(app, spot.chief), f"/work/cases/{case_id}").text
    assert f'data-task="{task.id}"' not in page  # a draft is its supervisor's until published
    published(app, spot, task_list)
    page = get(client_for(app, spot.district_supervisor), f"/work/cases/{case_id}").text
    assert 'id="case-tasks"' in page and f'data-task="{task.id}"' in page
    # and the task's page lists the case
    code = db.session.get(Case, case_id).code
    assert code in get(client_for(app, spot.district_supervisor), f"/work/tasks/{task.id}").text


def test_the_pages_are_in_chinese_first(app, spot):
    task_list = published(app, spot)
    page = get(client_for(app, spot.district_supervisor, lang="zh_Hans_CN"),
               f"/supervise/tasks/{task_list.id}", lang=ZH).text
    assert "任务清单" in page and "已发布" in page
    page = get(client_for(app, spot.chief, lang="zh_Hans_CN"), "/work/queue", lang=ZH).text
    assert "我的任务" in page
