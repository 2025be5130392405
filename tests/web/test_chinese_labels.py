"""Chinese screens and exports show names, never raw codes or English identifiers in
their place: states, urgencies, events, handlers, holidays, system reasons, service
states; rates are percentages in XLSX; two staff with one name are told apart."""

import csv
import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook

from app.extensions import db
from app.models import CalendarDay
from app.services import cases, clock
from app.services.actors import Actor
from tests.factories import user
from tests.web.test_supervise import get, history, login  # noqa: F401 - the fixture

ZH = "zh-CN,zh;q=0.9"


def test_the_cases_export_in_chinese_names_states_urgencies_and_events(client, history):  # noqa: F811
    response = get(login(client, history.city_supervisor),
                   "/supervise/export/cases.csv?month=2026-11", lang=ZH)
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    states = {r[header.index("状态")] for r in body}
    assert "已结案" in states and "closed" not in states
    assert {r[header.index("紧急程度")] for r in body} == {"一般"}
    events = " ".join(r[-1] for r in body)
    assert "派遣" in events and not re.search(r"\b(dispatch|rectify|verify_pass|submit)\b",
                                                events)


def test_rates_in_xlsx_are_percentages_excel_shows_as_such(client, history):  # noqa: F811
    response = get(login(client, history.city_supervisor),
                   "/supervise/export/summary.xlsx?month=2026-11")
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("On-time rate") + 1)
    assert cell.number_format == "0.0%"
    assert 0 < cell.value < 1  # still a number a spreadsheet computes with
    due = sheet.cell(row=2, column=header.index("Due") + 1)
    assert due.number_format == "General"


def test_two_road_chiefs_with_one_name_are_told_apart_in_the_ranking(client, city, t0):
    city.chief.display_name = city.chief2.display_name = "张伟"
    db.session.commit()
    for point in (city.POINT, city.POINT2):
        with clock.travel(t0 - timedelta(days=14)):
            case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                                lat=point[1], lng=point[0], phone=None)
            cases.dispatch(case, city.actor(city.dispatcher))
    response = get(login(client, city.city_supervisor),
                   "/supervise/export/ranking.csv?month=2026-11&by=chief", lang=ZH)
    text = response.text
    assert "张伟（解放大道沿线）" in text and "张伟（黄浦路沿线）" in text


def test_admin_pages_name_handlers_and_holidays(client, city):
    login(client, city.admin)
    catalogue = client.get("/admin/catalogue", headers={"Accept-Language": ZH}).text
    assert "交警" in catalogue and "城管执法" in catalogue
    spring = db.session.query(CalendarDay).filter(CalendarDay.day == date(2026, 2, 17)).one()
    assert spring.name == "Spring Festival"
    calendar = client.get("/admin/calendar?year=2026", headers={"Accept-Language": ZH}).text
    assert "春节" in calendar and "国庆节" in calendar and "official holiday" not in calendar


def test_the_resident_home_page_shows_category_names_without_codes(client, city):
    page = client.get("/", headers={"Accept-Language": ZH}).text
    shown = re.sub(r"<[^>]+>", " ", page)  # the text a reader sees, not the links' URLs
    assert "乱停" in shown and "LD03" not in shown and "HF01" not in shown


def test_the_period_pickers_to_reads_as_the_end_of_a_range(client, history):  # noqa: F811
    page = get(login(client, history.city_supervisor), "/supervise/?month=2026-11",
               lang=ZH).text
    assert "至 <input" in page and "接收号码" not in page


def test_the_operations_page_speaks_chinese_and_local_time(client, city):
    from app.services.sweep import beat

    beat(started=clock.now() - timedelta(seconds=3), finished=clock.now())
    db.session.commit()
    page = get(login(client, city.city_supervisor), "/ops", lang=ZH).text
    assert "正常" in page and ">ok<" not in page
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", page)  # no raw ISO/UTC stamps


def test_an_escalation_reason_on_the_case_page_is_translated(client, city, t0):
    with clock.travel(t0):
        case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                            lat=city.POINT[1], lng=city.POINT[0], phone=None)
        cases.dispatch(case, city.actor(city.dispatcher))
    with clock.travel(t0 + timedelta(days=5)):
        cases.escalate(case.id, level=1, reason="overdue", step_key="escalate:1")
    page = get(login(client, city.street_supervisor), f"/work/cases/{case.id}", lang=ZH).text
    assert "已超过处置时限" in page and "原因：overdue" not in page


def test_an_agency_account_shows_its_agency_beside_the_name(city):
    from app.services.staff_names import staff_names

    twin = user("twin", "agency_staff", agency_id=city.traffic.id)
    twin.display_name = city.chief.display_name
    db.session.commit()
    names = staff_names([twin.id, city.chief.id])
    assert names[twin.id] != names[city.chief.id]
