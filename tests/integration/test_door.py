"""The one door: the closed loop end to end, through the real database."""

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, CaseEvent, CaseFollower, CaseRequest, OutboxMessage, Rating
from app.services import cases, clock
from app.services.actors import Actor
from app.services.errors import Conflict, Forbidden, InvalidInput, NotAllowed, NotFound
from tests.factories import photo

PHONE = "13900001111"


def report(city, at, code="LD09", point=None, phone=PHONE, **kw):
    lng, lat = point or city.POINT
    with clock.travel(at):
        return cases.submit(Actor.resident(), category_code=code, lat=lat, lng=lng,
                            description="解放大道路灯杆上贴满了小广告", phone=phone, **kw)


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def events(case):
    return [e.action for e in db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))]


def test_the_whole_loop_from_report_to_rating(city, t0):
    case = report(city, t0)
    assert case.state == "submitted" and case.area_id == city.area.id
    assert case.district_id == city.district.id and len(case.code) == 8
    dispatcher, chief = city.actor(city.dispatcher), city.actor(city.chief)

    with clock.travel(t0 + timedelta(minutes=10)):
        cases.dispatch(case, dispatcher)
    # Flyers belong to the road chief: 1 working day, ending at 17:30 local the next day.
    assert case.state == "dispatched" and case.assignee_user_id == city.chief.id
    assert clock.to_local(case.due_at).isoformat() == "2026-11-26T17:30:00"
    assert clock.to_local(case.response_due_at).isoformat() == "2026-11-25T11:10:00"

    with clock.travel(t0 + timedelta(minutes=30)):
        cases.sign_for(case, chief)
    with clock.travel(t0 + timedelta(hours=3)):
        cases.rectify(case, chief, note="已清理", photos=[photo()])
    assert case.state == "rectified" and case.verify_due_at is not None
    with clock.travel(t0 + timedelta(hours=5)):
        cases.verify(case, city.actor(city.inspector), passed=True)
    assert case.state == "closed"
    resident = Actor.resident(case.reporter)
    with clock.travel(t0 + timedelta(hours=6)):
        cases.rate(case, resident, score=1, comment="很快")

    assert events(case) == ["submit", "dispatch", "sign_for", "rectify", "verify_pass", "rate"]
    assert case.version == 6  # one version per event
    texts = db.session.scalars(select(OutboxMessage.body).where(
        OutboxMessage.case_id == case.id, OutboxMessage.to_phone == "+8613900001111")).all()
    assert len(texts) == 4  # received, dispatched, rectified, closed-and-please-rate
    assert "查询码" in texts[0] or "Tracking code" in texts[0]
    staff = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_phone == city.chief.phone)).all()
    assert len(staff) == 1 and staff[0].status == "sent"  # delivered in-process


def test_agency_categories_are_dispatched_to_the_district_agency(city, t0):
    case = report(city, t0, code="LD03")  # illegal parking: traffic police, 2 working hours
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher))
    assert case.assignee_agency_id == city.traffic.id and case.assignee_user_id is None
    assert clock.to_local(case.due_at).isoformat() == "2026-11-25T11:00:00"
    with clock.travel(t0 + timedelta(minutes=5)):
        cases.sign_for(case, city.actor(city.traffic_staff))
    with pytest.raises(NotFound):  # another agency cannot even see it
        cases.rectify(case, city.actor(city.sanitation_staff), note="x", photos=[photo()])


def test_a_dispatcher_may_override_the_route_and_urgency(city, t0):
    case = report(city, t0)
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher), assignee_user_id=city.member.id,
                       urgency="critical")
    assert case.assignee_user_id == city.member.id and case.urgency == "critical"
    assert case.due_at - t0 == timedelta(hours=2)  # critical: 2 calendar hours
    event = db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "dispatch")).one()
    assert event.data["route"] == "override" and event.data["limit_rule_id"]


def test_a_point_outside_every_area_is_kept_unrouted_for_a_dispatcher(city, t0):
    case = report(city, t0, point=city.NOWHERE)
    assert case.id and case.state == "submitted"
    assert case.area_id is None and case.unrouted_reason == "no_area"
    with clock.travel(t0), pytest.raises(InvalidInput) as refused:
        cases.dispatch(case, city.actor(city.dispatcher))
    assert refused.value.field == "assignee"
    assert case.state == "submitted"
    # Any dispatcher sees it, and places it by hand, inside their own district only.
    with clock.travel(t0), pytest.raises(Forbidden):
        cases.dispatch(case, city.actor(city.far_dispatcher), area_id=city.area.id)
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher), area_id=city.area.id)
    assert case.state == "dispatched" and case.assignee_user_id == city.chief.id


def test_unknown_category_is_refused_and_nothing_is_written(city, t0):
    with clock.travel(t0), pytest.raises(InvalidInput) as refused, force_locale("en"):
        cases.submit(Actor.resident(), category_code="XX99", description="?", lat=30.6,
                     lng=114.3, phone=PHONE)
    assert refused.value.field == "category"
    with force_locale("en"):
        assert str(refused.value) == "Unknown category."
    assert count(Case) == 0 and count(CaseEvent) == 0


def test_errors_speak_chinese_by_default(city, t0):
    with clock.travel(t0), pytest.raises(InvalidInput) as refused:
        cases.submit(Actor.resident(), category_code="XX99", description="?", phone=PHONE)
    assert str(refused.value) == "未知的问题类别。"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"description": "x" * 4001}, "description"),
        ({"description": "   "}, "description"),
        ({"address": "路" * 201}, "address"),
        ({"phone": "12345"}, "phone"),
        ({"urgency": "whenever"}, "urgency"),
        ({"lat": 30.6, "lng": None}, "location"),
        ({"lat": 95.0, "lng": 114.3}, "location"),
    ],
)
def test_bad_report_input_gets_a_clear_error_and_writes_nothing(city, t0, kw, field):
    args = {"category_code": "LD09", "description": "有小广告", "lat": 30.602, "lng": 114.302,
            "phone": PHONE} | kw
    with clock.travel(t0), pytest.raises(InvalidInput) as refused:
        cases.submit(Actor.resident(), **args)
    assert refused.value.field == field and str(refused.value)
    assert count(Case) == 0 and count(CaseEvent) == 0


def test_a_file_that_is_not_a_photo_is_refused(city, t0):
    from app.services.media import Photo

    with clock.travel(t0), pytest.raises(InvalidInput) as refused:
        report(city, t0, photos=[Photo(b"<?php echo 1; ?>", "x.jpg")])
    assert refused.value.field == "photo"
    assert count(Case) == 0


def test_an_action_the_state_does_not_allow_names_state_and_action(city, t0):
    case = report(city, t0)
    with force_locale("en"), pytest.raises(NotAllowed) as refused:
        cases.sign_for(case, city.actor(city.chief))
    with force_locale("en"):
        assert str(refused.value) == "Cannot sign for: the case is Waiting for triage."
    assert case.state == "submitted" and events(case) == ["submit"]


def test_a_role_that_may_not_act_is_forbidden(city, t0):
    case = report(city, t0)
    with pytest.raises(Forbidden):
        cases.dispatch(case, city.actor(city.chief))
    with pytest.raises(Forbidden):
        cases.reject(case, city.actor(city.admin), reason="x")


def test_place_scoping_hides_other_places_cases(city, t0):
    case = report(city, t0)
    with pytest.raises(NotFound):
        cases.dispatch(case, city.actor(city.far_dispatcher))
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher))
    with pytest.raises(NotFound):  # another area's road chief: not even found
        cases.sign_for(case, city.actor(city.chief2))
    with pytest.raises(NotFound):  # a team member the case is not assigned to
        cases.sign_for(case, city.actor(city.member))
    with clock.travel(t0):
        cases.sign_for(case, city.actor(city.chief))
        cases.request_hold(case, city.actor(city.chief), reason="需走法定程序")
    with pytest.raises(NotFound):  # the supervisor of another street
        cases.approve_hold(case, city.actor(city.street2_supervisor))
    with clock.travel(t0):
        cases.approve_hold(case, city.actor(city.district_supervisor))
    assert case.state == "on_hold"


def test_a_stale_version_is_a_conflict_and_changes_nothing(city, t0):
    case = report(city, t0)
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher), expected_version=case.version)
    stale = case.version - 1
    with pytest.raises(Conflict):
        cases.sign_for(case, city.actor(city.chief), expected_version=stale)
    assert case.state == "dispatched" and events(case) == ["submit", "dispatch"]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c, city: cases.reject(c, city.actor(city.dispatcher), reason=""), "reason"),
        (lambda c, city: cases.reject(c, city.actor(city.dispatcher), reason="x" * 501),
         "reason"),
    ],
)
def test_missing_or_overlong_required_input_is_refused(city, t0, call, field):
    case = report(city, t0)
    with pytest.raises(InvalidInput) as refused:
        call(case, city)
    assert refused.value.field == field
    assert case.state == "submitted"


def test_rectify_needs_a_note_and_an_after_photo(city, t0):
    case = report(city, t0)
    chief = city.actor(city.chief)
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher))
        cases.sign_for(case, chief)
    with pytest.raises(InvalidInput) as no_photo:
        cases.rectify(case, chief, note="已清理")
    assert no_photo.value.field == "photo"
    with pytest.raises(InvalidInput) as no_note:
        cases.rectify(case, chief, note="", photos=[photo()])
    assert no_note.value.field == "note"
    assert case.state == "in_progress"


def test_reject_tells_the_resident_why(city, t0):
    case = report(city, t0)
    with clock.travel(t0):
        cases.reject(case, city.actor(city.dispatcher), reason="属于私人小区内部管理")
    assert case.state == "rejected"
    last = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert "属于私人小区内部管理" in last.body


def test_merge_moves_reporter_and_supporters_to_the_surviving_case(city, t0):
    first = report(city, t0)
    dup = report(city, t0 + timedelta(minutes=5), phone="13900002222")
    with clock.travel(t0 + timedelta(minutes=10)):
        cases.merge(dup, city.actor(city.dispatcher), into=first)
    assert dup.state == "merged" and dup.merged_into_id == first.id
    followers = db.session.scalars(select(CaseFollower).where(
        CaseFollower.case_id == first.id)).all()
    assert {f.kind for f in followers} == {"reporter", "supporter"}
    assert events(first)[-1] == "add_note"  # the survivor records what joined it
    with pytest.raises(InvalidInput):
        cases.merge(first, city.actor(city.dispatcher), into=first)


def test_merge_into_a_closed_case_is_refused(city, t0):
    done = report(city, t0)
    with clock.travel(t0):
        cases.reject(done, city.actor(city.dispatcher), reason="重复")
    dup = report(city, t0 + timedelta(minutes=5))
    with pytest.raises(InvalidInput) as refused:
        cases.merge(dup, city.actor(city.dispatcher), into=done)
    assert refused.value.field == "target_case" and dup.state == "submitted"


def test_a_resident_supports_an_open_case_instead_of_duplicating_it(city, t0):
    case = report(city, t0)
    with clock.travel(t0 + timedelta(minutes=3)):
        cases.support(case, Actor.resident(), phone="13900003333")
        cases.support(case, Actor.resident())  # anonymous support is counted too
    assert cases.support_count(case) == 2
    kinds = sorted(db.session.scalars(select(CaseFollower.kind).where(
        CaseFollower.case_id == case.id)))
    assert kinds == ["reporter", "supporter"]
    with clock.travel(t0 + timedelta(minutes=10)):
        cases.dispatch(case, city.actor(city.dispatcher))
    # The supporter hears about the dispatch like the reporter does.
    assert count(OutboxMessage, OutboxMessage.to_phone == "+8613900003333") == 1
    with clock.travel(t0):
        cases.reject(report(city, t0), city.actor(city.dispatcher), reason="x")
    closed = db.session.scalars(select(Case).where(Case.state == "rejected")).one()
    with pytest.raises(NotAllowed):
        cases.support(closed, Actor.resident(), phone="13900003333")


def test_return_goes_back_to_the_dispatcher_and_redispatch_restarts_the_clock(city, t0):
    case = report(city, t0, code="LD03")
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher))
    with clock.travel(t0 + timedelta(minutes=20)):
        cases.return_case(case, city.actor(city.traffic_staff), reason="非机动车，不属交警")
    assert case.state == "returned" and case.assignee_agency_id is None and case.due_at is None
    with clock.travel(t0 + timedelta(hours=1)):
        cases.dispatch(case, city.actor(city.dispatcher), assignee_user_id=city.chief.id)
    assert case.assignee_user_id == city.chief.id
    assert clock.to_local(case.due_at).isoformat() == "2026-11-25T12:00:00"  # 10:00 + 2 h


def test_reassign_within_the_team_keeps_the_deadline(city, t0):
    case = report(city, t0)
    chief = city.actor(city.chief)
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher))
        cases.sign_for(case, chief)
    due = case.due_at
    with pytest.raises(InvalidInput):  # not on this area's team
        cases.reassign(case, chief, assignee_user_id=city.outsider_member.id)
    with clock.travel(t0 + timedelta(minutes=5)):
        cases.reassign(case, chief, assignee_user_id=city.member.id)
    assert case.state == "dispatched" and case.assignee_user_id == city.member.id
    assert case.due_at == due
    with clock.travel(t0 + timedelta(minutes=10)):
        cases.sign_for(case, city.actor(city.member))
        cases.rectify(case, city.actor(city.member), note="已清理", photos=[photo()])
    assert case.state == "rectified"


def test_an_approved_extension_moves_the_deadline_and_is_counted(city, t0):
    case = report(city, t0)
    chief = city.actor(city.chief)
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher))
        cases.sign_for(case, chief)
    new_due = case.due_at + timedelta(days=2)
    with pytest.raises(InvalidInput):
        cases.request_extension(case, chief, reason="需协调", new_due_at=case.due_at)
    with clock.travel(t0 + timedelta(hours=1)):
        cases.request_extension(case, chief, reason="需协调产权单位", new_due_at=new_due)
    with pytest.raises(InvalidInput):  # one pending request at a time
        cases.request_extension(case, chief, reason="再次申请", new_due_at=new_due)
    with clock.travel(t0 + timedelta(hours=2)):
        cases.approve_extension(case, city.actor(city.street_supervisor))
    assert case.due_at == new_due and case.extension_count == 1
    with pytest.raises(InvalidInput):  # nothing left to decide
        cases.approve_extension(case, city.actor(city.street_supervisor))
    assert db.session.scalar(select(CaseRequest.status)) == "approved"


def test_a_refused_extension_leaves_the_deadline(city, t0):
    case = report(city, t0)
    chief = city.actor(city.chief)
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher))
        due = case.due_at
        cases.request_extension(case, chief, reason="人手不足", new_due_at=due + timedelta(days=1))
        cases.refuse_extension(case, city.actor(city.street_supervisor), reason="可当日完成")
    assert case.due_at == due and case.extension_count == 0


def test_a_hold_stops_the_clock_until_resumed(city, t0):
    case = report(city, t0, code="LD02")  # illegal construction: 15 working days
    chief_staff = city.actor(city.traffic_staff)
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher), assignee_user_id=city.chief.id)
        cases.sign_for(case, city.actor(city.chief))
        cases.request_hold(case, city.actor(city.chief), reason="已立案查处，走法定程序")
    with pytest.raises(NotFound):
        cases.request_hold(case, chief_staff, reason="x")
    with clock.travel(t0 + timedelta(hours=1)):  # 10:00 local
        cases.approve_hold(case, city.actor(city.street_supervisor))
    assert case.state == "on_hold" and case.held_seconds_left > 0
    left = case.held_seconds_left
    with clock.travel(t0 + timedelta(days=30)):
        cases.resume(case, city.actor(city.street_supervisor))
    assert case.state == "in_progress" and case.held_seconds_left is None
    # The same working time is left after the hold as before it.
    from app.services.calendar import working_calendar

    after = working_calendar().working_seconds_between(
        clock.to_local(t0 + timedelta(days=30)), clock.to_local(case.due_at))
    assert after == left


def test_failed_verification_sends_it_back_for_rework_with_a_new_deadline(city, t0):
    case = report(city, t0)
    chief, inspector = city.actor(city.chief), city.actor(city.inspector)
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher))
        cases.sign_for(case, chief)
        cases.rectify(case, chief, note="已清理", photos=[photo()])
    due = case.due_at
    with pytest.raises(InvalidInput):  # a failure needs a note and a photo
        cases.verify(case, inspector, passed=False, note="仍有残留")
    with clock.travel(t0 + timedelta(hours=2)):
        cases.verify(case, inspector, passed=False, note="仍有残留", photos=[photo((200, 0, 0))])
    assert case.state == "in_progress" and case.rework_count == 1
    assert case.rework_due_at is not None and case.due_at == due  # the metric deadline stays
    with clock.travel(t0 + timedelta(hours=3)):
        cases.rectify(case, chief, note="已彻底清理", photos=[photo()])
        cases.verify(case, inspector, passed=True)
    assert case.state == "closed"


def test_only_followers_rate_and_only_once_and_dissatisfied_asks_for_follow_up(city, t0):
    case = report(city, t0)
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher))
        cases.sign_for(case, city.actor(city.chief))
        cases.rectify(case, city.actor(city.chief), note="已清理", photos=[photo()])
    resident = Actor.resident(case.reporter)
    with pytest.raises(NotAllowed):  # not closed yet
        cases.rate(case, resident, score=1)
    with clock.travel(t0 + timedelta(hours=1)):
        cases.verify(case, city.actor(city.inspector), passed=True)
    stranger = Actor.resident(cases.find_contact("13900009999"))
    with pytest.raises(NotFound):
        cases.rate(case, stranger, score=1)
    with pytest.raises(InvalidInput):
        cases.rate(case, resident, score=5)
    with clock.travel(t0 + timedelta(hours=2)):
        cases.rate(case, resident, score=3, comment="没有清理干净")
    with pytest.raises(Conflict):
        cases.rate(case, resident, score=1)
    rating = db.session.scalars(select(Rating)).one()
    assert rating.score == 3 and rating.needs_follow_up
    with clock.travel(t0 + timedelta(days=1)):
        cases.reopen(case, city.actor(city.street_supervisor), reason="回访不满意，重新整改")
    assert case.state == "in_progress" and case.closed_at is None and case.due_at > t0


def test_supervisor_close_needs_a_reason(city, t0):
    case = report(city, t0)
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher))
        cases.sign_for(case, city.actor(city.chief))
        cases.rectify(case, city.actor(city.chief), note="已清理", photos=[photo()])
    with pytest.raises(InvalidInput):
        cases.close(case, city.actor(city.street_supervisor), reason="")
    with clock.travel(t0 + timedelta(hours=1)):
        cases.close(case, city.actor(city.street_supervisor), reason="照片可证明，免现场核查")
    assert case.state == "closed"


def test_escalation_climbs_one_level_at_a_time(city, t0):
    case = report(city, t0)
    with clock.travel(t0):
        cases.dispatch(case, city.actor(city.dispatcher))
        cases.escalate(case, level=1, reason="overdue")
    assert case.escalation_level == 1 and case.overdue
    with pytest.raises(InvalidInput):
        cases.escalate(case, level=1, reason="again")
    with pytest.raises(InvalidInput):
        cases.escalate(case, level=4, reason="too high")


def test_notes_can_be_added_in_any_state_and_events_are_append_only(city, t0):
    case = report(city, t0)
    with clock.travel(t0):
        cases.reject(case, city.actor(city.dispatcher), reason="重复")
        cases.add_note(case, city.actor(city.district_supervisor), note="已电话告知市民")
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).first()
    event.note = "rewritten"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).first()
    db.session.delete(event)
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert count(CaseEvent, CaseEvent.case_id == case.id) == 3  # submit, reject, note


def test_anonymous_reports_keep_the_contact_for_the_resident_only(city, t0):
    case = report(city, t0, anonymous=True)
    assert case.anonymous and case.reporter is not None
    # The resident still hears back.
    assert count(OutboxMessage, OutboxMessage.to_phone == "+8613900001111") == 1


def test_tracking_codes_are_unique_and_easy_to_read(city, t0):
    codes = {report(city, t0).code for _ in range(20)}
    assert len(codes) == 20
    assert all(set(c) <= set(cases.CODE_ALPHABET) for c in codes)
    assert cases.get_case(f"{next(iter(codes))[:4].lower()}-{next(iter(codes))[4:]}")


def test_a_code_already_taken_is_drawn_again_and_nothing_is_lost(city, t0, monkeypatch):
    taken = report(city, t0).code
    drawn = iter([taken, taken, "K7QM4D2X"])
    monkeypatch.setattr(cases, "new_code", lambda: next(drawn))
    case = report(city, t0, phone="13900002468")
    assert case.code == "K7QM4D2X" and cases.get_case(taken).id != case.id
    assert events(case) == ["submit"] and count(Case) == 2
    assert count(CaseFollower, CaseFollower.case_id == case.id) == 1


def test_two_first_reports_from_one_new_number_at_once_share_one_contact(city, t0, app):
    """All reports are kept and the number gets one contact row (the upsert waits for
    the other transaction instead of failing on the unique phone)."""
    import threading

    from app.models import Contact
    from tests.conftest import IS_POSTGRES, need

    need("PostgreSQL", IS_POSTGRES)
    db.session.commit()
    db.session.remove()
    made, failed = [], []

    def one():
        with app.app_context():
            try:
                made.append(report(city, t0, phone="13900013579").id)
            except Exception as exc:  # noqa: BLE001 - the assertion below shows it
                failed.append(exc)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert failed == [] and len(made) == 4
    assert count(Contact, Contact.phone == "+8613900013579") == 1
    assert count(CaseFollower, CaseFollower.case_id.in_(made)) == 4


def test_a_report_on_an_area_removed_meanwhile_is_refused_and_nothing_is_stored(city, t0):
    """This worker still has the area in its one-minute index; the database no longer."""
    from sqlalchemy import text

    from app.models import Area, Contact
    from app.services import reference_data, routing
    from tests.conftest import IS_POSTGRES, need
    from tests.factories import box

    need("PostgreSQL (foreign keys enforced)", IS_POSTGRES)
    area = Area(code="JA01-09", street_id=city.area.street_id, name_zh="临时区域",
                name_en="Temporary", polygon=box(114.320, 30.620))
    db.session.add(area)
    db.session.commit()
    spare = area.id
    reference_data.invalidate()
    assert routing.placement(spare) is not None  # now kept by this worker
    db.session.execute(text("DELETE FROM road WHERE area_id = :a"), {"a": spare})
    db.session.execute(text("DELETE FROM area WHERE id = :a"), {"a": spare})
    db.session.commit()
    with pytest.raises(InvalidInput) as refused, clock.travel(t0):
        cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                     area_id=spare, phone="13900005757")
    assert refused.value.field == "area"
    assert count(Case) == 0 and count(Contact) == 0  # nothing half-written
    assert routing.placement(spare) is None  # and the worker forgot the area

