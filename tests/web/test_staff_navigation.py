"""Staff can move around: one navigation on every staff page by role, and a search box
that opens a case by its tracking code or lists a caller's cases by phone number."""

import pytest

from app.extensions import db
from app.models import CaseEvent
from tests.work_helpers import client_for, dispatched, report


@pytest.mark.parametrize("who, shown, hidden", [
    ("chief", ["/work/"], ["/supervise/", "/admin/", "/ops", "/sms/outbox"]),
    ("dispatcher", ["/work/", "/sms/outbox"], ["/supervise/", "/admin/", "/ops"]),
    ("city_supervisor", ["/work/", "/supervise/", "/ops", "/sms/outbox"], ["/admin/"]),
    ("admin", ["/work/", "/supervise/", "/admin/", "/ops", "/sms/outbox"], []),
])
@pytest.mark.parametrize("page", ["/work/", "/supervise/", "/admin/", "/ops", "/sms/outbox",
                                  "/auth/password"])
def test_every_staff_page_has_the_same_navigation_for_the_role(app, city, who, shown, hidden,
                                                               page):
    client = client_for(app, getattr(city, who))
    response = client.get(page, follow_redirects=True)
    if response.status_code != 200:
        return  # a page this role may not open (tested where it is refused)
    html = response.get_data(as_text=True)
    bar = html[html.index('id="staff-nav"'):html.index("</nav>", html.index('id="staff-nav"'))]
    for href in shown:
        assert f'href="{href}"' in bar, (who, page, href)
    for href in hidden:
        assert f'href="{href}"' not in bar, (who, page, href)
    assert 'id="sign-out"' in bar and 'name="q"' in bar


def test_residents_pages_have_no_staff_navigation(client, city):
    assert 'id="staff-nav"' not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("typed", ["{code}", "{dashed}", "{lower}", " {dashed} "])
def test_a_tracking_code_opens_its_case(app, city, t0, typed):
    case = dispatched(city, t0)
    code = case.code
    q = typed.format(code=code, dashed=f"{code[:4]}-{code[4:]}", lower=code.lower())
    response = client_for(app, city.chief).get("/work/search", query_string={"q": q})
    assert response.status_code == 302 and response.location.endswith(f"/work/cases/{case.id}")


def test_a_case_outside_the_searchers_place_is_not_found(app, city, t0):
    case = dispatched(city, t0, point=city.FAR_POINT)
    response = client_for(app, city.chief, lang="zh_Hans_CN").get(
        "/work/search", query_string={"q": case.code})
    assert response.status_code == 400
    assert "没有您可查看的查询码为" in response.get_data(as_text=True)


def test_a_dispatcher_finds_a_callers_cases_by_phone_shown_masked(app, city, t0):
    first = report(city, t0, phone="13900001111")
    second = report(city, t0, phone="13900001111", code="LD03")
    report(city, t0, phone="13900002222")
    page = client_for(app, city.dispatcher).get(
        "/work/search", query_string={"q": "139 0000 1111"}).get_data(as_text=True)
    assert "139****1111" in page and "13900001111" not in page
    assert f'data-case="{first.id}"' in page and f'data-case="{second.id}"' in page
    assert page.count('class="case-card') == 2


def test_a_road_chief_may_not_look_callers_up_by_phone(app, city, t0):
    report(city, t0, phone="13900001111")
    response = client_for(app, city.chief).get("/work/search",
                                               query_string={"q": "13900001111"})
    assert response.status_code == 400
    assert "Only dispatchers and operators" in response.get_data(as_text=True)


@pytest.mark.parametrize("q", ["", "   ", "x" * 41, "abc\x00def", "DROP TABLE", "12ab"])
def test_bad_searches_are_refused_in_the_users_language_and_write_nothing(app, city, t0, q):
    report(city, t0)
    before = db.session.query(CaseEvent).count()
    response = client_for(app, city.dispatcher, lang="zh_Hans_CN").get(
        "/work/search", query_string={"q": q})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    if "\x00" in q:  # refused by the app-wide guard before the search reads it
        assert "空字符" in html
    else:
        assert 'id="search-error"' in html and ("请输入" in html or "这不是" in html)
    assert db.session.query(CaseEvent).count() == before


def test_tracking_codes_in_staff_lists_link_to_their_case(app, city, t0):
    case = dispatched(city, t0)
    page = client_for(app, city.chief).get("/work/queue").get_data(as_text=True)
    assert f'href="/work/cases/{case.id}" class="code"' in page


def test_a_search_by_number_never_names_the_reporter_of_an_anonymous_report(app, city, t0):
    named = report(city, t0, phone="13900001111")
    hidden = report(city, t0, phone="13900001111", code="LD03", anonymous=True)
    page = client_for(app, city.dispatcher).get(
        "/work/search", query_string={"q": "13900001111"}).get_data(as_text=True)
    assert f'data-case="{named.id}"' in page
    assert f'data-case="{hidden.id}"' not in page
