"""The server enforces place on every action, not only the screens: every argument of a
case action that names a place, a person or an agency is tried from outside the actor's
place, and each is refused with nothing changed."""

from __future__ import annotations

import inspect
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Agency, CaseEvent
from app.services import cases, clock
from app.services.errors import Forbidden, InvalidInput, NotFound
from tests.work_helpers import act, client_for, dispatched, fresh, report

#: Arguments of the door's functions that name a place, a person or an agency.
PLACE_ARGUMENT = re.compile(r"(area|street|district|user|agency|assignee)(_id)?$|_user_id$|"
                            r"_agency_id$|^into$")
#: Every (action, argument) this test tries from outside; a new argument must join it.
TRIED = {("dispatch", "area_id"), ("dispatch", "assignee_user_id"),
         ("dispatch", "assignee_agency_id"), ("reassign", "assignee_user_id"),
         ("reassign", "assignee_agency_id"), ("merge", "into")}
#: Arguments with no place to keep: a report may be made about any place (by a resident,
#: or by a staff member who saw a problem elsewhere), and its reporter may correct the place
#: by SMS before triage (a resident has no place of their own).
NOT_PLACE_BOUND = {("submit", "area_id"), ("correct_place", "area")}


def test_every_argument_of_the_door_that_names_a_place_is_tried_from_outside():
    named = set()
    for name, function in inspect.getmembers(cases, inspect.isfunction):
        if name.startswith("_") or function.__module__ != cases.__name__:
            continue
        for parameter in inspect.signature(function).parameters:
            if PLACE_ARGUMENT.search(parameter):
                named.add((name, parameter))
    assert named - NOT_PLACE_BOUND == TRIED


def far_agency() -> Agency:
    return db.session.scalar(select(Agency).where(Agency.code == "WC:traffic_police"))


def near_agency() -> Agency:
    return db.session.scalar(select(Agency).where(Agency.code == "JA:sanitation"))


def snapshot(case):
    case = fresh(case)
    events = db.session.scalar(select(func.count()).select_from(CaseEvent)
                               .where(CaseEvent.case_id == case.id))
    return (case.state, case.version, case.area_id, case.assignee_user_id,
            case.assignee_agency_id, case.due_at, events)


REFUSED = (Forbidden, NotFound, InvalidInput)


def outsiders(city, who: str) -> dict[str, list]:
    """What lies outside each actor's place: areas, people and agencies."""
    far = {"areas": [city.far_area], "people": [city.far_chief], "agencies": [far_agency()]}
    if who in ("street_supervisor", "chief"):  # another street of the same district too
        far["areas"].append(city.area3)
        far["people"].append(city.chief3)
    return far


DISPATCHERS = ("dispatcher", "district_supervisor", "street_supervisor")
REASSIGNERS = ("dispatcher", "district_supervisor", "street_supervisor", "chief")


@pytest.mark.parametrize("who, unrouted", [(who, False) for who in DISPATCHERS]
                         # an unrouted case has no place yet: only dispatchers see it
                         + [("dispatcher", True)])
def test_dispatch_refuses_every_area_person_and_agency_from_outside(city, t0, who, unrouted):
    actor = city.actor(getattr(city, who))
    far = outsiders(city, who)
    tries = ([{"area_id": a.id} for a in far["areas"]]
             + [{"area_id": city.area.id, "assignee_user_id": u.id} for u in far["people"]]
             + [{"area_id": city.area.id, "assignee_agency_id": a.id} for a in far["agencies"]])
    case = report(city, t0, point=city.NOWHERE if unrouted else None)
    before = snapshot(case)
    for arguments in tries:
        with clock.travel(t0 + timedelta(minutes=5)), pytest.raises(REFUSED) as refused:
            cases.dispatch(case, actor, **arguments)
        assert snapshot(case) == before, arguments
        assert refused.value.field in ("area", "assignee", None), arguments
    # Inside the place, the same actor routes the case.
    with clock.travel(t0 + timedelta(minutes=6)):
        cases.dispatch(case, actor, area_id=city.area.id, assignee_user_id=city.chief.id)
    assert fresh(case).state == "dispatched"


@pytest.mark.parametrize("who", REASSIGNERS)
def test_reassign_refuses_every_person_and_agency_from_outside(city, t0, who):
    actor = city.actor(getattr(city, who))
    far = outsiders(city, who)
    case = dispatched(city, t0)  # JA01-01, to its road chief
    before = snapshot(case)
    tries = ([{"assignee_user_id": u.id} for u in far["people"]]
             + [{"assignee_agency_id": a.id} for a in far["agencies"]])
    for arguments in tries:
        with clock.travel(t0 + timedelta(minutes=20)), pytest.raises(REFUSED):
            cases.reassign(case, actor, reason="换人", **arguments)
        assert snapshot(case) == before, arguments
    with clock.travel(t0 + timedelta(minutes=21)):
        cases.reassign(case, actor, reason="交给环卫", assignee_agency_id=near_agency().id)
    assert fresh(case).assignee_agency_id == near_agency().id


@pytest.mark.parametrize("who", DISPATCHERS)
def test_merge_refuses_a_case_from_outside(city, t0, who):
    actor = city.actor(getattr(city, who))
    case = report(city, t0)
    elsewhere = report(city, t0, point=city.FAR_POINT)
    before = snapshot(case)
    with clock.travel(t0 + timedelta(minutes=5)), pytest.raises(REFUSED):
        cases.merge(case, actor, into=elsewhere)
    assert snapshot(case) == before


def test_a_district_supervisor_cannot_reassign_to_another_districts_chief(city, t0):
    case = dispatched(city, t0)
    with clock.travel(t0 + timedelta(minutes=20)), pytest.raises(Forbidden) as refused:
        cases.reassign(case, city.actor(city.district_supervisor), reason="换人",
                       assignee_user_id=city.far_chief.id)
    assert refused.value.field == "assignee"
    assert fresh(case).assignee_user_id == city.chief.id


def test_the_city_supervisor_may_route_anywhere(city, t0):
    case = dispatched(city, t0)
    with clock.travel(t0 + timedelta(minutes=20)):
        cases.reassign(case, city.actor(city.city_supervisor), reason="跨区协调",
                       assignee_user_id=city.far_chief.id)
    assert fresh(case).assignee_user_id == city.far_chief.id


def test_a_dispatcher_posting_another_districts_area_gets_a_clear_refusal(app, city, t0):
    from flask_babel import force_locale

    case = report(city, t0)
    client = client_for(app, city.dispatcher)
    with force_locale("en"):
        response = act(client, case, "dispatch", area_id=str(city.far_area.id),
                       assignee=f"user:{city.far_chief.id}")
    assert response.status_code == 403
    assert "outside your place" in response.get_data(as_text=True)
    assert fresh(case).state == "submitted" and fresh(case).area_id == city.area.id
