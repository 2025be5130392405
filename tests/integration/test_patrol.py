"""A patrolling inspector's report: the place from the position or the photo's GPS tag,
the category rule (barred, dispatched at once, or left to a dispatcher), fixed on the spot,
the inspector's reports of today — and bad input that writes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, Case, CaseEvent
from app.services import cases, clock, patrol
from app.services.errors import Forbidden, InvalidInput
from tests.factories import photo
from tests.intake_helpers import gps_jpeg, gps_photo, rule


def _report(city, **kw) -> patrol.PatrolReport:
    lng, lat = city.POINT
    values = dict(category="LD09", note="电线杆上贴满小广告", lat=lat, lng=lng,
                  photos=[gps_photo(None, None)])
    values.update(kw)
    return patrol.PatrolReport(**values)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _files(app) -> set[str]:
    folder = Path(app.config["UPLOAD_DIR"])
    return {p.name for p in folder.glob("*") if p.is_file()} if folder.exists() else set()


def test_the_camera_gps_tag_is_read_from_the_original_photo(ctx):
    point = patrol.photo_point(gps_jpeg(30.602, 114.302))
    assert point == patrol.Point(30.602, 114.302)
    assert patrol.photo_point(gps_jpeg(None, None)) is None
    assert patrol.photo_point(b"not a photo") is None


def test_a_patrol_report_enters_the_loop_with_channel_patrol_and_the_inspector_as_reporter(
        city, t0):
    with clock.travel(t0):
        case = patrol.submit(city.inspector, _report(city))
    case = cases.get_case(case.id)
    assert case.channel == "patrol" and case.state == "submitted"
    assert case.area_id == city.area.id and case.reporter_contact_id is None
    submit = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id))
    assert submit.action == "submit" and submit.actor_user_id == city.inspector.id
    assert submit.data["channel"] == "patrol" and submit.data["place_from"] == "given"


def test_without_a_position_the_place_comes_from_the_photo_and_its_tag_is_not_kept(city, t0,
                                                                                 app):
    lng, lat = city.POINT2
    with clock.travel(t0):
        case = patrol.submit(city.inspector, _report(
            city, lat=None, lng=None, photos=[gps_photo(lat, lng)]))
    case = cases.get_case(case.id)
    assert (case.lat, case.lng) == (pytest.approx(lat), pytest.approx(lng))
    assert case.area_id == city.area2.id
    stored = db.session.scalar(select(Attachment).where(Attachment.case_id == case.id))
    kept = (Path(app.config["UPLOAD_DIR"]) / stored.storage_key).read_bytes()
    assert patrol.photo_point(kept) is None  # the stored copy carries no location


def test_a_category_rule_dispatches_a_patrol_report_at_once(city, t0):
    rule("patrol", "LD09", at_once=True)
    with clock.travel(t0):
        case = patrol.submit(city.inspector, _report(city))
    case = cases.get_case(case.id)
    assert case.state == "dispatched" and case.assignee_user_id == city.chief.id
    dispatch = db.session.scalar(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "dispatch"))
    assert dispatch.actor_role == "system" and dispatch.data["route"] == "auto"


def test_without_a_rule_a_patrol_report_waits_for_a_dispatcher(city, t0):
    rule("patrol", "LD04", at_once=True)  # another category's rule changes nothing here
    with clock.travel(t0):
        case = patrol.submit(city.inspector, _report(city))
    assert cases.get_case(case.id).state == "submitted"


def test_fixed_on_the_spot_is_closed_with_the_after_photo_and_kept_out_of_the_closed_count(
        city, t0):
    with clock.travel(t0):
        case = patrol.submit(city.inspector, _report(
            city, fixed=True, note="已当场清除", after_photos=[photo((200, 200, 200))]))
    case = cases.get_case(case.id)
    assert case.state == "closed" and case.closed_at is None and case.dispatched_at is None
    kinds = sorted(a.kind for a in db.session.scalars(
        select(Attachment).where(Attachment.case_id == case.id)))
    assert kinds == ["after", "before"]
    last = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.id.desc()))
    assert last.action == "self_handle" and last.note == "已当场清除"
    from app.services.metrics_booking import record_of
    from workflows.metrics import facts

    # Neither due nor closed in the figures: counted apart (by its self_handle event).
    assert not facts(record_of(case), clock.zone()).counts


def test_the_inspector_sees_their_own_reports_of_today_with_their_state(city, t0):
    with clock.travel(t0 - timedelta(days=1)):
        patrol.submit(city.inspector, _report(city, note="昨天的"))
    with clock.travel(t0):
        first = patrol.submit(city.inspector, _report(city))
        fixed = patrol.submit(city.inspector, _report(
            city, category="LD04", fixed=True, after_photos=[photo()]))
        mine = patrol.today(city.inspector)
    assert [(c.id, f) for c, f in mine] == [(fixed.id, True), (first.id, False)]


def test_the_most_used_categories_come_first(city, t0):
    from app.services import intake

    with clock.travel(t0):
        for _ in range(2):
            patrol.submit(city.inspector, _report(city, category="HF02"))
        patrol.submit(city.inspector, _report(city, category="LD07"))
        order = [c.code for c in intake.usual_first(city.inspector, "patrol")]
    assert order[:2] == ["HF02", "LD07"]
    assert order.index("LD01") < order.index("LD02")  # then the catalogue's order


@pytest.mark.parametrize("change, field", [
    (dict(lat=None, lng=None), "location"),  # no position and a photo without GPS
    (dict(lat=30.40, lng=114.20), "location"),  # outside the city
    (dict(lat=30.6040, lng=114.3135), "location"),  # in the city, outside every area
    (dict(category="XX99"), "category"),
    (dict(photos=[]), "photos"),
    (dict(fixed=True, after_photos=[]), "after_photos"),
    (dict(urgency="whenever"), "urgency"),
])
def test_bad_input_gets_a_clear_message_and_writes_nothing(city, t0, app, change, field):
    files_before, cases_before = _files(app), _count(Case)
    with clock.travel(t0), pytest.raises(InvalidInput) as refused:
        patrol.submit(city.inspector, _report(city, **change))
    assert refused.value.field == field and str(refused.value.message)
    db.session.rollback()
    assert _count(Case) == cases_before and _count(CaseEvent) == 0
    assert _files(app) == files_before


def test_a_category_barred_for_patrol_is_refused(city, t0):
    rule("patrol", "HF05", allowed=False)
    with clock.travel(t0), pytest.raises(Forbidden) as refused:
        patrol.submit(city.inspector, _report(city, category="HF05"))
    assert "HF05" not in str(refused.value.message)  # named in words, not by its code
    assert refused.value.field == "category" and _count(Case) == 0


def test_a_report_that_fails_while_being_written_leaves_no_photo_behind(city, t0, app,
                                                                       monkeypatch):
    from app.services import notifications

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(notifications, "for_event", broken)
    files_before = _files(app)
    with clock.travel(t0), pytest.raises(RuntimeError):
        patrol.submit(city.inspector, _report(city))
    assert _files(app) == files_before and _count(Case) == 0


def test_only_the_reporting_inspector_may_record_fixed_on_the_spot(city, t0):
    from tests.factories import user

    other = user("inspector2", "inspector", district_id=city.district.id,
                 street_id=city.street.id)
    db.session.commit()
    with clock.travel(t0):
        case = patrol.submit(city.inspector, _report(city))
    with pytest.raises(Forbidden):
        cases.self_handle(case.id, city.actor(other), note="x", photos=[photo()])
    assert cases.get_case(case.id).state == "submitted"
