"""People as data: staff accounts, road chiefs and teams, agencies; and handing an area to
a new road chief, which moves its open cases with an event on each."""

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from app.extensions import db
from app.models import Agency, AuditEntry, CaseEvent, OutboxMessage, TeamMembership, User
from app.services import cases, clock
from app.services.actors import Actor
from app.services.admin import Invalid, commit, people
from app.services.errors import Conflict
from tests.factories import photo, user


def _staff(**overrides):
    data = {"username": "wangwei", "display_name": "王伟", "role": "dispatcher",
            "phone": "13912345678", "place": "JA", "agency": "", "active": "yes",
            "language": "zh_Hans_CN"}
    data.update(overrides)
    return data


def test_a_new_account_gets_a_temporary_password_that_signs_in(city):
    account, password = people.save_user(city.admin, _staff())
    commit()
    assert account.district_id == city.district.id and account.phone == "+8613912345678"
    assert PasswordHasher().verify(account.password_hash, password)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "user"))
    assert entry.action == "create" and entry.after["username"] == "wangwei"
    assert "password_hash" not in entry.after


def test_a_place_code_sets_district_street_and_area(city):
    account, _ = people.save_user(city.admin, _staff(role="team_member", place="JA01-02"))
    assert (account.district_id, account.street_id, account.area_id) == (
        city.district.id, city.street.id, city.area2.id)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"place": "JA99"}, "place"),  # a place that does not exist
    ({"role": "mayor"}, "role"),
    ({"role": "agency_staff"}, "agency"),  # agency staff without an agency
    ({"agency": "JA:traffic_police"}, "agency"),  # a dispatcher in an agency
    ({"username": "chief"}, "username"),  # taken
    ({"username": "王伟"}, "username"),
    ({"phone": "12345"}, "phone"),
    ({"display_name": ""}, "display_name"),
])
def test_a_bad_account_is_refused_and_nothing_is_written(city, overrides, field):
    count = db.session.scalar(select(func.count()).select_from(User))
    with pytest.raises(Invalid) as refused:
        people.save_user(city.admin, _staff(**overrides))
    db.session.rollback()
    assert field in refused.value.problems
    assert db.session.scalar(select(func.count()).select_from(User)) == count


def test_a_road_chief_of_an_area_cannot_be_deactivated_before_a_hand_over(city):
    data = {**_staff(), "username": "chief", "display_name": "chief", "role": "road_chief",
            "place": "JA01-01", "phone": "", "active": "no"}
    with pytest.raises(Invalid) as refused:
        people.save_user(city.admin, data, city.chief)
    assert "JA01-01" in str(refused.value.problems["role"])


def test_an_administrator_cannot_lock_themself_out(city):
    data = {**_staff(), "username": "admin", "role": "admin", "place": "", "phone": "",
            "active": "no"}
    with pytest.raises(Invalid):
        people.save_user(city.admin, data, city.admin)


def test_a_password_reset_unlocks_the_account(city, t0):
    city.chief.failed_logins, city.chief.locked_until = 5, t0 + timedelta(hours=1)
    db.session.commit()
    password = people.reset_password(city.admin, city.chief)
    commit()
    assert PasswordHasher().verify(city.chief.password_hash, password)
    assert city.chief.failed_logins == 0 and city.chief.locked_until is None


# -- handing an area over ---------------------------------------------------------------------


def _case(city, at, state="dispatched"):
    with clock.travel(at):
        case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                            lat=city.POINT[1], lng=city.POINT[0], phone="13900001111")
        cases.dispatch(case, city.actor(city.dispatcher))
        if state in ("in_progress", "rectified"):
            cases.sign_for(case, city.actor(city.chief))
        if state == "rectified":
            cases.rectify(case, city.actor(city.chief), note="已清理", photos=[photo()])
    return case


def test_handing_an_area_over_moves_its_open_cases_with_an_event_on_each(city, t0):
    waiting = _case(city, t0)
    working = _case(city, t0, "in_progress")
    checking = _case(city, t0, "rectified")
    dues = {c.id: c.due_at for c in (waiting, working, checking)}
    new_chief = user("newchief", "road_chief", "+8613800000099")
    db.session.commit()

    with clock.travel(t0 + timedelta(hours=1)):
        moved = people.set_chief(city.admin, city.area, new_chief, "路长轮岗")

    assert moved == 3
    assert city.area.road_chief_id == new_chief.id
    for case, state in ((waiting, "dispatched"), (working, "in_progress"),
                        (checking, "rectified")):
        db.session.refresh(case)
        assert case.assignee_user_id == new_chief.id
        assert case.state == state and case.due_at == dues[case.id]  # the clock is kept
        event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                  .order_by(CaseEvent.id.desc()).limit(1))
        assert event.action == "hand_over" and event.reason == "路长轮岗"
        assert event.actor_user_id == city.admin.id and event.actor_role == "admin"
        assert event.data["from_user_id"] == city.chief.id
        assert event.data["assignee_user_id"] == new_chief.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "area"))
    assert entry.before == {"road_chief_id": city.chief.id}
    assert entry.after == {"road_chief_id": new_chief.id}


def test_a_hand_over_leaves_closed_cases_and_other_assignees_alone(city, t0):
    closed = _case(city, t0, "rectified")
    with clock.travel(t0 + timedelta(hours=1)):
        cases.verify(closed, city.actor(city.inspector), passed=True)
    delegated = _case(city, t0)
    with clock.travel(t0 + timedelta(minutes=5)):
        cases.reassign(delegated, city.actor(city.chief), assignee_user_id=city.member.id)
    new_chief = user("newchief", "road_chief")
    db.session.commit()

    assert people.set_chief(city.admin, city.area, new_chief) == 0
    db.session.refresh(closed)
    db.session.refresh(delegated)
    assert closed.assignee_user_id == city.chief.id
    assert delegated.assignee_user_id == city.member.id


def test_a_hand_over_is_whole_or_not_at_all(city, t0, monkeypatch):
    first, second = _case(city, t0), _case(city, t0)
    new_chief = user("newchief", "road_chief")
    db.session.commit()
    real_write = cases._write
    calls = []

    def write_then_fail(change):
        calls.append(change.case.id)
        if len(calls) == 2:  # someone changed the second case meanwhile
            from sqlalchemy.orm.exc import StaleDataError
            raise StaleDataError("changed meanwhile")
        return real_write(change)

    monkeypatch.setattr(cases, "_write", write_then_fail)
    with pytest.raises(Conflict):
        people.set_chief(city.admin, city.area, new_chief)
    db.session.expire_all()
    assert db.session.get(type(city.area), city.area.id).road_chief_id == city.chief.id
    assert {db.session.get(type(first), c.id).assignee_user_id for c in (first, second)} == {
        city.chief.id}
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)
                             .where(CaseEvent.action == "hand_over")) == 0


def test_only_an_active_road_chief_can_take_an_area(city):
    with pytest.raises(Invalid):
        people.set_chief(city.admin, city.area, city.member)
    idle = user("idle", "road_chief")
    idle.active = False
    db.session.commit()
    with pytest.raises(Invalid):
        people.set_chief(city.admin, city.area, idle)


def test_an_area_with_open_cases_cannot_be_left_without_a_chief(city, t0):
    _case(city, t0)
    with pytest.raises(Invalid):
        people.set_chief(city.admin, city.area, None)


def test_the_new_chief_is_not_messaged_once_per_case(city, t0):
    _case(city, t0)
    new_chief = user("newchief", "road_chief", "+8613800000099")
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    people.set_chief(city.admin, city.area, new_chief)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before


# -- teams and agencies -------------------------------------------------------------------------


def test_team_members_are_added_with_a_position_and_removed(city):
    volunteer = user("volunteer", "team_member")
    db.session.commit()
    member = people.add_member(city.admin, city.area, volunteer, "volunteer")
    commit()
    assert {m.user_id for m in city.area.team} == {city.member.id, volunteer.id}
    people.remove_member(city.admin, member)
    commit()
    assert db.session.get(TeamMembership, member.id) is None


def test_a_dispatcher_cannot_join_a_road_team(city):
    with pytest.raises(Invalid):
        people.add_member(city.admin, city.area, city.dispatcher, "volunteer")


def test_an_agency_owns_the_categories_it_is_given(city):
    agency = people.save_agency(city.admin, {
        "code": "JA:flood", "handler": "drainage", "district": "JA", "name_zh": "江岸区排水所",
        "name_en": "Jiang'an Drainage Office", "duty_phone": "13912340000",
        "categories": ["HF04", "HF06"]})
    commit()
    assert sorted(c.code for c in agency.categories) == ["HF04", "HF06"]
    people.save_agency(city.admin, {**people.agency_snapshot(agency), "district": "JA",
                                    "categories": ["HF06"]}, agency)
    commit()
    db.session.refresh(agency)
    assert [c.code for c in agency.categories] == ["HF06"]


def test_an_agency_with_an_unknown_district_or_category_is_refused(city):
    with pytest.raises(Invalid) as refused:
        people.save_agency(city.admin, {"code": "X:y", "handler": "drainage", "district": "ZZ",
                                        "name_zh": "x", "name_en": "x",
                                        "categories": ["ZZ99"]})
    assert {"district", "categories"} <= set(refused.value.problems)
    assert db.session.scalar(select(Agency).where(Agency.code == "X:y")) is None
