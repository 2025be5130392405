"""Every staff page is scoped by role and place: lists are filtered in SQL, and a case
the person may not see is "not found", even when its URL is typed by hand."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Attachment, Case, User
from app.services import cases, clock, queues
from app.services.actors import Actor, can_see
from tests.work_helpers import (
    act,
    client_for,
    closed,
    dispatched,
    fresh,
    in_progress,
    rectified,
    report,
)


@pytest.fixture()
def spread(city, t0):
    """Cases in every state over three areas, another district and nowhere."""
    made = [
        report(city, t0),
        report(city, t0, point=city.NOWHERE),
        dispatched(city, t0),
        dispatched(city, t0, code="LD03"),  # traffic police
        dispatched(city, t0, code="LD07"),  # sanitation
        in_progress(city, t0, point=city.POINT2),
        in_progress(city, t0, point=city.POINT3),
        rectified(city, t0),
        rectified(city, t0, point=city.POINT3),
        closed(city, t0),
        dispatched(city, t0, point=city.FAR_POINT),
        rectified(city, t0, point=city.FAR_POINT),
    ]
    member_case = dispatched(city, t0)
    with clock.travel(t0 + timedelta(minutes=20)):
        cases.reassign(member_case, city.actor(city.chief), assignee_user_id=city.member.id)
    return made + [member_case]


def test_the_sql_scope_agrees_with_can_see_for_every_person_and_case(city, spread):
    everyone = db.session.scalars(select(User)).all()
    all_cases = db.session.scalars(select(Case)).all()
    for user in everyone:
        in_sql = set(db.session.scalars(select(Case.id).where(queues.visible_clause(user))))
        by_rule = {c.id for c in all_cases if can_see(Actor.staff(user), c)}
        assert in_sql == by_rule, user.username


def test_a_road_chief_gets_404_for_another_streets_case_even_by_url(city, app, t0):
    other = in_progress(city, t0, point=city.POINT3)  # chief3's street
    with clock.travel(t0):
        cases.add_note(other, city.actor(city.chief3), note="看过了")
    chief = client_for(app, city.chief)
    assert chief.get(f"/work/cases/{other.id}").status_code == 404
    assert act(chief, other, "add_note", note="偷看").status_code == 404
    assert act(chief, other, "rectify", note="x", photos=1).status_code == 404
    photo = db.session.scalar(select(Attachment).where(Attachment.case_id == other.id))
    assert chief.get(f"/work/photos/{photo.id}").status_code == 404
    assert fresh(other).state == "in_progress" and fresh(other).version == 4  # untouched


def test_a_missing_case_is_the_same_404(city, app):
    assert client_for(app, city.chief).get("/work/cases/999999").status_code == 404


def test_the_404_page_speaks_the_users_language(city, app, t0):
    other = dispatched(city, t0, point=city.POINT3)
    page = client_for(app, city.chief, lang="zh_Hans_CN").get(f"/work/cases/{other.id}")
    assert page.status_code == 404 and "您访问的页面不存在" in page.get_data(as_text=True)


def test_a_dispatcher_sees_their_district_and_unrouted_reports_only(city, app, t0):
    mine, nowhere = report(city, t0), report(city, t0, point=city.NOWHERE)
    far = report(city, t0, point=city.FAR_POINT)
    client = client_for(app, city.dispatcher)
    assert client.get(f"/work/cases/{mine.id}").status_code == 200
    assert client.get(f"/work/cases/{nowhere.id}").status_code == 200
    assert client.get(f"/work/cases/{far.id}").status_code == 404
    page = client.get("/work/triage").get_data(as_text=True)
    assert mine.code in page and far.code not in page


def test_a_team_member_sees_only_what_is_assigned_to_them(city, app, t0):
    theirs = dispatched(city, t0)
    with clock.travel(t0 + timedelta(minutes=20)):
        cases.reassign(theirs, city.actor(city.chief), assignee_user_id=city.member.id)
    chiefs = dispatched(city, t0)
    client = client_for(app, city.member)
    assert client.get(f"/work/cases/{theirs.id}").status_code == 200
    assert client.get(f"/work/cases/{chiefs.id}").status_code == 404
    page = client.get("/work/queue").get_data(as_text=True)
    assert theirs.code in page and chiefs.code not in page


def test_agency_staff_see_their_agencys_cases_only(city, app, t0):
    parking = dispatched(city, t0, code="LD03")  # traffic police
    litter = dispatched(city, t0, code="LD07")  # sanitation
    traffic = client_for(app, city.traffic_staff)
    assert traffic.get(f"/work/cases/{parking.id}").status_code == 200
    assert traffic.get(f"/work/cases/{litter.id}").status_code == 404
    page = traffic.get("/work/queue").get_data(as_text=True)
    assert parking.code in page and litter.code not in page


def test_an_inspector_sees_rectified_cases_of_their_street_only(city, app, t0):
    here = rectified(city, t0)
    there = rectified(city, t0, point=city.POINT3)  # another street
    client = client_for(app, city.inspector)
    page = client.get("/work/verify").get_data(as_text=True)
    assert here.code in page and there.code not in page
    assert client.get(f"/work/cases/{there.id}").status_code == 404


def test_a_street_supervisor_does_not_see_the_next_street(city, app, t0):
    there = in_progress(city, t0, point=city.POINT3)
    assert client_for(app, city.street_supervisor).get(
        f"/work/cases/{there.id}").status_code == 404
    assert client_for(app, city.district_supervisor).get(
        f"/work/cases/{there.id}").status_code == 200


def test_an_action_of_another_role_is_refused_with_a_message_and_changes_nothing(city, app,
                                                                                 t0):
    case = dispatched(city, t0)
    member = client_for(app, city.chief)  # may see it, may not dispatch or verify
    response = act(member, case, "verify_pass")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Cannot pass the verification: the case is Dispatched." in page
    assert fresh(case).state == "dispatched" and fresh(case).version == 2


def test_an_action_not_in_the_list_is_404(city, app, t0):
    case = dispatched(city, t0)
    client = client_for(app, city.chief)
    assert act(client, case, "escalate").status_code == 404
    assert act(client, case, "no_such_thing").status_code == 404
    assert act(client, case, "rate").status_code == 404
