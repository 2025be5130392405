"""Random case histories driven through the real door on a small city: every action the
door has (hand-overs, reassignments, returns, holds, extensions, rework, reopens ...), at
random moments over two months. Afterwards the figures booked by the door and those of a
replay of the raw events agree for the city and for every district, street, area, road
chief, agency, category and channel; and every case's row holds what the replay of its
events says."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from app.extensions import db
from app.models import Case, CaseEvent
from app.services import cases, clock, metrics_rebuild
from app.services.actors import Actor
from app.services.errors import Conflict, Forbidden, InvalidInput, NotAllowed, NotFound
from app.services.metrics_booking import record_of
from tests.factories import photo, user
from tests.metrics_helpers import assignee, at
from workflows.effects import CASE_FIELDS
from workflows.lifecycle import Action, Role, State, allowed_actions

REFUSED = (Conflict, Forbidden, InvalidInput, NotAllowed, NotFound)
PHONES = ("13900001001", "13900001002", "13900001003", None)
STAFF_ROLES = [Role.DISPATCHER, Role.ROAD_CHIEF, Role.SUPERVISOR, Role.SYSTEM, Role.ADMIN,
               Role.RESIDENT]


class History:
    def __init__(self, city, seed: int):
        self.city, self.rng = city, random.Random(seed)
        self.moment = at("2026-11-02 08:00")
        self.chiefs = [city.chief, user("newchief", "road_chief", "+8613800000099",
                                        area_id=city.area.id)]
        db.session.commit()
        self.done: list[str] = []

    def tick(self) -> None:
        step = self.rng.choice([timedelta(minutes=10), timedelta(minutes=40),
                                timedelta(hours=2), timedelta(hours=9), timedelta(days=1)])
        self.moment += step * self.rng.uniform(0.5, 1.5)

    def report(self) -> None:
        c, rng = self.city, self.rng
        lng, lat = rng.choice([c.POINT, c.POINT2, c.POINT3])
        with clock.travel(self.moment):
            cases.submit(Actor.resident(), category_code=rng.choice(["LD09", "LD03", "LD04"]),
                         lat=lat, lng=lng, description="路边乱贴小广告",
                         phone=rng.choice(PHONES), channel=rng.choice(["web", "sms", "open311"]))

    def act(self, case: Case) -> None:
        allowed = allowed_actions(State(case.state), STAFF_ROLES)
        moving = [a for a in allowed if a not in (Action.ADD_NOTE, Action.SUPPORT)]
        action = self.rng.choice(moving if moving and self.rng.random() < 0.95 else allowed)
        with clock.travel(self.moment):
            try:
                self._do(case, action)
                self.done.append(action.value)
            except REFUSED:
                # As a refused request ends: the next request has a new session, so no
                # event object of the rolled-back transaction is kept.
                db.session.rollback()
                for obj in list(db.session.identity_map.values()):
                    if isinstance(obj, CaseEvent):
                        db.session.expunge(obj)

    def _do(self, case: Case, action: Action) -> None:
        c, rng = self.city, self.rng
        dispatcher, sup = Actor.staff(c.dispatcher), Actor.staff(c.district_supervisor)
        if action is Action.DISPATCH:
            if rng.random() < 0.3:
                cases.dispatch(case, dispatcher, assignee_agency_id=c.traffic.id)
            else:
                cases.dispatch(case, dispatcher)
        elif action is Action.REJECT:
            cases.reject(case, dispatcher, reason="不属于城市管理")
        elif action is Action.MERGE:
            others = db.session.scalars(
                Case.__table__.select().with_only_columns(Case.id)
                .where(Case.state.in_(["dispatched", "in_progress"]), Case.id != case.id)
                .limit(1)).all()
            if others:
                cases.merge(case, dispatcher, into=others[0])
        elif action is Action.SIGN_FOR:
            cases.sign_for(case, assignee(c, case))
        elif action is Action.RETURN:
            cases.return_case(case, assignee(c, case), reason="不是本单位")
        elif action is Action.REASSIGN:
            choice = rng.choice([{"assignee_user_id": c.member.id},
                                 {"assignee_agency_id": c.traffic.id},
                                 {"assignee_user_id": c.chief2.id}])
            cases.reassign(case, dispatcher, **choice)
        elif action is Action.REQUEST_EXTENSION:
            base = case.due_at or self.moment
            cases.request_extension(case, assignee(c, case), reason="需协调",
                                    new_due_at=base + timedelta(days=rng.choice([1, 3, 8])))
            self._decide_soon(case, cases.approve_extension, sup)
        elif action in (Action.APPROVE_EXTENSION, Action.REFUSE_EXTENSION):
            if action is Action.APPROVE_EXTENSION:
                cases.approve_extension(case, sup)
            else:
                cases.refuse_extension(case, sup, reason="可按期完成")
        elif action is Action.REQUEST_HOLD:
            cases.request_hold(case, assignee(c, case), reason="法定程序")
            self._decide_soon(case, cases.approve_hold, sup)
        elif action is Action.APPROVE_HOLD:
            cases.approve_hold(case, sup)
        elif action is Action.REFUSE_HOLD:
            cases.refuse_hold(case, sup, reason="不符合条件")
        elif action is Action.RESUME:
            cases.resume(case, sup)
        elif action is Action.RECTIFY:
            cases.rectify(case, assignee(c, case), note="已整改", photos=[photo()])
        elif action is Action.VERIFY_PASS:
            cases.verify(case, sup, passed=True, note="合格")
        elif action is Action.VERIFY_FAIL:
            cases.verify(case, sup, passed=False, note="未整改到位", photos=[photo()])
        elif action is Action.CLOSE:
            cases.close(case, sup, reason="电话核实")
        elif action is Action.RATE:
            if case.reporter is not None:
                cases.rate(case, Actor.resident(case.reporter), score=rng.choice([1, 2, 3]))
        elif action is Action.REOPEN:
            cases.reopen(case, sup, reason="回访不满意")
        elif action is Action.ESCALATE:
            cases.escalate(case, level=case.escalation_level + 1, reason="超时",
                           overdue=rng.random() < 0.5)
        elif action is Action.HAND_OVER:
            old, new = (self.chiefs if rng.random() < 0.5 else self.chiefs[::-1])
            cases.hand_over([(c.area, old.id, new.id)], Actor.staff(c.admin), reason="换届")
        elif action is Action.SUPPORT:
            cases.support(case, Actor.resident(), phone=rng.choice(PHONES))
        elif action is Action.ADD_NOTE:
            cases.add_note(case, dispatcher, note="电话联系")

    def _decide_soon(self, case: Case, approve, sup: Actor) -> None:
        """Most requests are decided within hours (sometimes after the deadline)."""
        if self.rng.random() < 0.7:
            self.tick()
            with clock.travel(self.moment):
                approve(case, sup)

    def run(self, reports: int, steps: int) -> None:
        for _ in range(reports):
            self.report()
            self.tick()
        for _ in range(steps):
            self.tick()
            ids = db.session.scalars(Case.__table__.select().with_only_columns(Case.id)
                                     .where(Case.state.not_in(["merged", "rejected"]))
                                     .order_by(Case.id)).all()  # the same history on every database
            if not ids:  # every case ended merged or rejected: a resident reports again
                self.report()
                continue
            self.act(db.session.get(Case, self.rng.choice(ids)))
            if self.rng.random() < 0.1:
                self.report()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_histories_give_the_same_figures_booked_and_replayed_by_every_dimension(
        city, seed):
    history = History(city, seed)
    history.run(reports=14, steps=160)
    assert len(set(history.done)) >= 12, history.done  # many kinds of action happened
    with clock.travel(history.moment + timedelta(days=3)):
        compared = metrics_rebuild.check(date(2026, 10, 1), date(2027, 1, 31))
        assert compared.differences == []
        dims = {dim for dim, _ in compared.booked}
        assert {"city", "district", "street", "area", "category", "channel"} <= dims
        assert compared.city[0].due > 0
        # Each case's row is what the replay of its events says.
        ids = db.session.scalars(Case.__table__.select().with_only_columns(Case.id)).all()
        replayed = metrics_rebuild.replayed_records(ids, clock.now())
        for case_id in ids:
            row = record_of(db.session.get(Case, case_id))
            for name in CASE_FIELDS:
                assert getattr(row, name) == getattr(replayed[case_id], name), (case_id, name)


def test_a_rebuild_after_random_histories_changes_no_figure(city):
    history = History(city, 7)
    history.run(reports=10, steps=120)
    with clock.travel(history.moment + timedelta(days=3)):
        before = metrics_rebuild.tables_by_dimension(date(2026, 10, 1), date(2027, 1, 31))
        metrics_rebuild.rebuild()
        after = metrics_rebuild.tables_by_dimension(date(2026, 10, 1), date(2027, 1, 31))
    assert after == before
