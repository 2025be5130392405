"""Two conflicting actions on one case at once: one wins, the other gets a clear conflict.
Proved with two real database connections (PostgreSQL under CI)."""

import threading
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, CaseEvent, User
from app.services import cases, clock
from app.services.actors import Actor
from app.services.errors import Conflict
from tests.conftest import IS_POSTGRES, need


def _dispatched_case(city, t0):
    with clock.travel(t0):
        case = cases.submit(Actor.resident(), category_code="LD09", description="小广告",
                            lat=city.POINT[1], lng=city.POINT[0], phone="13900001111")
        cases.dispatch(case, city.actor(city.dispatcher))
    return case.id


def test_two_sessions_conflicting_the_second_gets_a_conflict(city, t0, app):
    """B reads the case, A signs for it and commits, then B tries to return it."""
    case_id = _dispatched_case(city, t0)
    chief_id = city.chief.id
    db.session.remove()
    b_has_read, a_has_committed = threading.Event(), threading.Event()
    result: dict[str, object] = {}

    def session_a():  # its own thread: its own app context, session and connection
        with app.app_context():
            b_has_read.wait(10)
            case = db.session.get(Case, case_id)
            with clock.travel(t0 + timedelta(minutes=5)):
                cases.sign_for(case, Actor.staff(db.session.get(User, chief_id)))
            a_has_committed.set()

    def session_b():
        with app.app_context():
            case = db.session.get(Case, case_id)
            actor = Actor.staff(db.session.get(User, chief_id))
            result["read_version"] = case.version
            b_has_read.set()
            a_has_committed.wait(10)
            try:
                with clock.travel(t0 + timedelta(minutes=6)), force_locale("en"):
                    cases.return_case(case, actor, reason="不属于本区域")
                result["b"] = "won"
            except Conflict as exc:
                with force_locale("en"):
                    result["b"] = str(exc)

    threads = [threading.Thread(target=session_a), threading.Thread(target=session_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert "changed this case meanwhile" in str(result["b"])
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.state == "in_progress" and case.version == result["read_version"] + 1
        actions = db.session.scalars(select(CaseEvent.action).where(
            CaseEvent.case_id == case_id).order_by(CaseEvent.id)).all()
        assert actions == ["submit", "dispatch", "sign_for"]


@pytest.mark.postgres
def test_racing_threads_on_postgres_one_wins(city, t0, app):
    need("PostgreSQL", IS_POSTGRES)
    case_id = _dispatched_case(city, t0)
    chief_id = city.chief.id
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(kind: str):
        with app.app_context():
            case = db.session.get(Case, case_id)
            actor = Actor.staff(db.session.get(User, chief_id))
            barrier.wait()  # both have read the same version before either writes
            try:
                with clock.travel(t0 + timedelta(minutes=5)):
                    if kind == "sign":
                        cases.sign_for(case, actor)
                    else:
                        cases.return_case(case, actor, reason="不属于本区域")
                outcomes.append("won")
            except Conflict:
                outcomes.append("conflict")

    threads = [threading.Thread(target=act, args=(k,)) for k in ("sign", "return")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["conflict", "won"]
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == case_id))
        assert n == 3  # submit, dispatch and exactly one of the two
