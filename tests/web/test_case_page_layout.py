"""The case page serves the person acting: what and where before the buttons, one state
mark, and time left counted in the limit's own unit."""

from datetime import timedelta

from app.services import clock
from tests.work_helpers import client_for, dispatched


def page_at(app, user, case, moment, lang="zh_Hans_CN"):
    client = client_for(app, user, lang=lang)
    with clock.travel(moment):
        return client.get(f"/work/cases/{case.id}").get_data(as_text=True)


def test_the_description_place_and_photos_come_before_the_actions(app, city, t0):
    case = dispatched(city, t0)
    page = page_at(app, city.chief, case, t0 + timedelta(minutes=10))
    assert page.index('id="report"') < page.index('id="photos"') < page.index('id="what-to-do"')


def test_a_two_working_hour_limit_shows_working_time_left(app, city, t0):
    case = dispatched(city, t0, code="LD03")  # 乱停: 2 working hours, Wed 09:05 local
    page = page_at(app, city.traffic_staff, case, t0 + timedelta(minutes=35), lang="en")
    assert "working hours left" in page or "working minutes left" in page
    assert "clock stopped" not in page


def test_over_lunch_the_page_says_the_working_clock_is_stopped(app, city, t0):
    case = dispatched(city, t0)  # 乱贴: 1 working day
    lunch = t0 + timedelta(hours=3, minutes=30)  # 12:30 local: outside office hours
    page = page_at(app, city.chief, case, lunch)
    assert "非工作时间，计时暂停" in page
    assert "剩余" in page


def test_the_state_is_marked_once(app, city, t0):
    case = dispatched(city, t0)
    page = page_at(app, city.chief, case, t0 + timedelta(minutes=10), lang="en")
    head = page[page.index('class="card case-head"'):page.index('id="report"')]
    assert head.count("Dispatched") == 1
