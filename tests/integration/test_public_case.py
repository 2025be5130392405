"""The tracking page's one-statement read (services/public_case) gives what the mapped
case gives: the same columns, events in order with aware UTC times, public photos only,
the code of the case it was merged into. Runs on SQLite and on PostgreSQL (CI)."""

from datetime import UTC, timedelta

from app.extensions import db
from app.models import Case
from app.services import cases, clock, public_case
from app.services.actors import Actor
from tests.factories import photo
from tests.resident_helpers import close_by_staff, fresh_limits  # noqa: F401 - autouse


def _reported(city, t0, phone="13900001111", **kw):
    lng, lat = city.POINT
    with clock.travel(t0):
        return cases.submit(Actor.resident(), category_code=kw.pop("category", "LD04"),
                            description="井盖缺失 <b>危险</b>", lat=lat, lng=lng, phone=phone,
                            photos=[photo()], **kw)


def _mapped(code: str) -> Case:
    db.session.expire_all()
    return db.session.query(Case).filter_by(code=code).one()


def test_a_closed_case_reads_as_the_mapped_case_does(city, t0):
    case = _reported(city, t0)
    with clock.travel(t0 + timedelta(minutes=5)):
        cases.add_note(case, city.actor(city.dispatcher), note="内部备注", photos=[photo()])
    with clock.travel(t0 + timedelta(minutes=10)):
        close_by_staff(city, case)
    mapped = _mapped(case.code)
    read = public_case.load(case.code)

    for name in ("id", "code", "state", "urgency", "category_id", "limit_rule_id", "area_id",
                 "due_at", "rectified_at", "updated_at", "version", "description"):
        assert getattr(read, name) == getattr(mapped, name), name
    assert read.due_at.tzinfo is not None and read.due_at.utcoffset() == timedelta(0)
    assert read.state_enum is mapped.state_enum
    assert [(e.id, e.at, e.action, e.data, e.reason, e.actor_user_id, e.actor_role)
            for e in read.events] == [
        (e.id, e.at, e.action, e.data or {}, e.reason, e.actor_user_id, e.actor_role)
        for e in mapped.events]
    assert all(e.at.tzinfo is not None and e.at.utcoffset() == timedelta(0)
               for e in read.events)
    # The staff-only note photo stays out; before and after come in the mapped order.
    assert [(p.id, p.event_id, p.kind, p.storage_key) for p in read.attachments] == [
        (a.id, a.event_id, a.kind, a.storage_key) for a in mapped.attachments
        if a.kind in ("before", "after")]
    assert {p.kind for p in read.attachments} == {"before", "after"}
    assert "note" in {a.kind for a in mapped.attachments}
    assert read.category.name("en") == mapped.category.name_en
    assert read.category.name("zh_Hans_CN") == mapped.category.name_zh
    assert read.merged_into_code is None


def test_a_merged_case_names_the_case_it_joined_and_an_unknown_code_reads_nothing(city, t0):
    kept = _reported(city, t0)
    duplicate = _reported(city, t0, phone="13900002222")
    with clock.travel(t0 + timedelta(minutes=1)):
        cases.merge(duplicate, city.actor(city.dispatcher), into=kept)
    read = public_case.load(duplicate.code)
    assert read.state == "merged" and read.merged_into_code == kept.code
    assert [e.action for e in read.events] == ["submit", "merge"]
    assert read.events[-1].data == _mapped(duplicate.code).events[-1].data
    assert public_case.load("ZZZZZZZZ") is None


def test_a_case_without_photos_or_time_limit_reads_empty_lists_and_none(city, t0):
    lng, lat = city.POINT
    with clock.travel(t0):
        case = cases.submit(Actor.resident(), category_code="LD03", description="x",
                            lat=lat, lng=lng)
    read = public_case.load(case.code)
    assert read.attachments == [] and read.due_at is None and read.rectified_at is None
    assert [e.action for e in read.events] == ["submit"]
    assert read.events[0].at == _mapped(case.code).events[0].at.astimezone(UTC)
