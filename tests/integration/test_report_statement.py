"""A new report on PostgreSQL that is all its caller writes is written in one statement
outside the session (app/services/report_statement.py); SQLite, and reports with photos
or a linked SMS, take separate statements in the session's transaction. Both ways must
write the same rows: these tests make the same reports both ways and compare what is
stored."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, func, insert, inspect, select, text

from app.extensions import db, holds_writes
from app.models import Case, CaseEvent, CaseFollower, Contact, OutboxMessage, SmsOptOut
from app.services import cases, clock, direct, routing
from app.services.actors import Actor
from app.services.errors import InvalidInput
from tests.conftest import IS_POSTGRES, need

SHANGHAI = (121.47, 31.23)  # on the map, outside every area of the city: unrouted


def _submit(city, at, *, point=None, phone="13900001111", **kw):
    lng, lat = point or city.POINT
    with clock.travel(at):
        return cases.submit(Actor.resident(), category_code="LD09", lat=lat, lng=lng,
                            description="解放大道路灯杆上贴满了小广告", phone=phone,
                            alone=True, **kw)


def _rows(case_id: int) -> dict:
    """Everything stored for a case, its reporter's contact included, with the values that
    differ by nature between two reports (ids, the drawn code, the reporter's number)
    replaced by what they refer to."""
    def plain(table, *where, drop=()):
        rows = db.session.execute(select(table).where(*where).order_by(table.c.id)).mappings()
        return [{k: v for k, v in row.items() if k not in ("id", *drop)} for row in rows]

    case = db.session.get(Case, case_id)
    code, reporter = case.code, case.reporter
    event_ids = db.session.scalars(select(CaseEvent.id).where(CaseEvent.case_id == case_id)
                                   .order_by(CaseEvent.id)).all()

    def who(row: dict, *names: str) -> dict:
        for name in names:
            if reporter is not None and row[name] == reporter.id:
                row[name] = "reporter"
            elif reporter is not None and row[name] == reporter.phone:
                row[name] = "the reporter's number"
        return row

    messages = plain(OutboxMessage.__table__, OutboxMessage.case_id == case_id,
                     drop=("case_id",))
    for m in messages:
        m["event_id"] = event_ids.index(m["event_id"])
        m["dedupe_key"] = m["dedupe_key"].replace(f"e{event_ids[m['event_id']]}:", "e#:")
        m["dedupe_key"] = m["dedupe_key"].replace(f":c{reporter.id}", ":c#")
        m["body"] = m["body"].replace(f"{code[:4]}-{code[4:]}", "CODE").replace(code, "CODE")
        who(m, "contact_id", "to_phone")
    return {
        "case": [who(r, "reporter_contact_id") for r in plain(
            Case.__table__, Case.__table__.c.id == case_id, drop=("code",))],
        "events": [who(r, "actor_contact_id") for r in plain(
            CaseEvent.__table__, CaseEvent.case_id == case_id, drop=("case_id",))],
        "followers": [who(r, "contact_id") for r in plain(
            CaseFollower.__table__, CaseFollower.case_id == case_id, drop=("case_id",))],
        "messages": messages,
        "reporter": [who(r, "phone") for r in plain(
            Contact.__table__, Contact.id == (reporter.id if reporter else None))],
    }


@pytest.fixture()
def statements(monkeypatch):
    """The SQL statements sent while the fixture is in use: through the session, and
    straight on the driver's cursor (services/direct)."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    fetch_one = direct.fetch_one

    def fetch_and_record(statement, values):
        sent.append(statement.sql)
        return fetch_one(statement, values)

    monkeypatch.setattr(direct, "fetch_one", fetch_and_record)
    event.listen(db.engine, "before_cursor_execute", record)
    yield sent
    event.remove(db.engine, "before_cursor_execute", record)


def _at_once(sql: str) -> bool:
    return sql.lstrip().startswith(("WITH new_contact", "WITH new_case"))


REPORTS = {
    "a new number": dict(phone="13900001111"),
    "a known number that reads English": dict(phone="13900002222", known_language="en"),
    "anonymous, with a number": dict(phone="13900003333", anonymous=True),
    "no number at all": dict(phone=None),
    "a number that texted TD": dict(phone="13900004444", opted_out=True),
    "a point outside every area": dict(phone="13900005555", point=SHANGHAI),
    "through Open311": dict(phone="13900006666", channel="open311",
                            source={"open311_key": 7}),
}


@pytest.mark.parametrize("name", REPORTS)
def test_one_statement_and_separate_ones_write_the_same_rows(city, t0, monkeypatch, statements,
                                                             name):
    need("PostgreSQL", IS_POSTGRES)
    given = dict(REPORTS[name])
    language = given.pop("known_language", None)
    known = given.pop("opted_out", False) or language
    if known:
        with clock.travel(t0):
            contact = cases.find_contact(given["phone"], language or "zh_Hans_CN")
            if language is None:
                db.session.add(SmsOptOut(phone=contact.phone, at=t0))
        db.session.commit()
    stored = {}
    for one_statement in (True, False):
        monkeypatch.setattr(cases, "REPORT_IN_ONE_STATEMENT", one_statement)
        statements.clear()
        phone = given.get("phone")
        if phone and not known and not one_statement:  # each way makes its own contact
            phone = phone[:-1] + "9"
        case = _submit(city, t0, **{**given, "phone": phone})
        written_at_once = any(_at_once(s) for s in statements)
        assert written_at_once is one_statement
        if one_statement:  # the contact too: one statement writes everything
            assert len([s for s in statements if "INSERT" in s]) == 1
        stored[one_statement] = _rows(case.id)
        db.session.remove()  # what a new request sees
    assert stored[True] == stored[False]
    case_rows = stored[True]
    # and what was written is what the door writes for a report
    assert case_rows["case"][0]["state"] == "submitted"
    assert [e["action"] for e in case_rows["events"]] == ["submit"]
    reporter = given["phone"] is not None
    assert len(case_rows["followers"]) == (1 if reporter else 0)
    texted = reporter and name != "a number that texted TD"
    assert len(case_rows["messages"]) == (1 if texted else 0)
    if language == "en":
        assert case_rows["messages"][0]["body"].startswith("[roadchief] We received")
        assert case_rows["messages"][0]["language"] == "en"


def test_the_report_written_at_once_comes_back_whole_and_its_text_is_delivered(city, t0,
                                                                             statements):
    need("PostgreSQL", IS_POSTGRES)
    case = _submit(city, t0)
    sent = [s for s in statements if "INSERT" in s]
    # one statement for everything, the new number's contact included
    assert len(sent) == 1 and _at_once(sent[0])
    assert case.code and case.version == 1 and case.category.code == "LD09"
    # detached: written and committed, outside this request's session
    assert inspect(case).detached and case.id and case not in db.session
    assert case.reporter_contact_id == cases.find_contact("13900001111").id
    message = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.case_id == case.id)).one()
    assert message.status == "sent"  # delivered in-process after the commit
    assert cases.get_case(case.code).reporter.phone == "+8613900001111"


@pytest.mark.parametrize("one_statement", [True, False])
def test_a_place_removed_meanwhile_is_a_clear_error_and_nothing_is_kept(
        city, t0, monkeypatch, one_statement):
    """The area index is kept for a minute: an area an administrator removed in that
    minute makes the database refuse the case, the resident is asked to choose again
    and nothing of the report stays (not on either way). PostgreSQL only: SQLite, as the
    embedded default opens it, does not enforce foreign keys."""
    need("PostgreSQL", IS_POSTGRES)
    monkeypatch.setattr(cases, "REPORT_IN_ONE_STATEMENT", one_statement)
    street, district = city.area.street_id, city.area.street.district_id
    monkeypatch.setattr(routing, "placement", lambda area_id: (987654, street, district))
    with pytest.raises(InvalidInput) as raised:
        _submit(city, t0, area_id=987654, phone="13900007777")
    assert raised.value.field == "area"
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == 0
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_number_another_request_is_adding_this_moment_ends_with_one_contact(
        city, t0, app, statements):
    """The statement makes the reporter's contact or finds it; a number that another
    request is adding at that moment (not committed yet) is neither: the report waits
    for it, writes nothing, and runs again, following that one contact (in its
    language)."""
    need("PostgreSQL", IS_POSTGRES)
    other = db.engine.connect()
    adding = other.begin()
    other.execute(insert(Contact.__table__).values(phone="+8613900008888", language="en",
                                                   created_at=t0))
    done = {}

    def report():
        with app.app_context():
            case = _submit(city, t0, phone="13900008888")
            done.update(case_id=case.id, reporter=case.reporter_contact_id)

    thread = threading.Thread(target=report)
    thread.start()
    try:
        for _ in range(100):  # until the report waits for the other request's row
            waiting = db.session.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"))
            db.session.rollback()
            if waiting:
                break
            time.sleep(0.1)
        assert waiting == 1 and "case_id" not in done
    finally:
        adding.commit()
        other.close()
        thread.join(30)
    contacts = db.session.scalars(select(Contact.id).where(
        Contact.phone == "+8613900008888")).all()
    assert len(contacts) == 1 and done["reporter"] == contacts[0]
    message = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.case_id == done["case_id"])).one()
    assert message.contact_id == contacts[0] and message.language == "en"
    assert message.body.startswith("[roadchief] We received")
    assert len([s for s in statements if _at_once(s)]) == 2  # once in vain, once written


def test_a_report_alone_after_writes_not_committed_yet_is_committed_with_them(
        city, t0, statements):
    """``alone`` is the caller's word that the report is all it writes; a session that
    holds writes all the same (here a contact made by our own INSERT, which leaves the
    session looking clean) gets the separate statements, in its own transaction, and
    everything is committed together (the one statement, on another connection, would
    wait for that uncommitted contact for ever)."""
    need("PostgreSQL", IS_POSTGRES)
    with clock.travel(t0):
        contact = cases.find_contact("13900009999")
    assert not (db.session.new or db.session.dirty) and holds_writes(db.session)
    case = _submit(city, t0, phone="13900009999")
    assert not any(_at_once(s) for s in statements)
    assert not holds_writes(db.session)  # committed
    code, contact_id = case.code, contact.id
    db.session.remove()
    assert cases.get_case(code).reporter.id == contact_id
