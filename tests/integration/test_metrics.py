"""The SLA numbers on hand-built case histories, through the one door: every edge the
definitions in DOMAIN.md name, the daily tables kept in step in the same transaction, and
the figures reproduced from the raw events."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import MetricCase, MetricDay, MetricDayStreet
from app.services import cases, clock, metrics_published, metrics_rebuild
from app.services import metrics_dashboard as metrics
from app.services.actors import Actor
from app.services.errors import Forbidden
from app.services.metrics_dashboard import Period, Slice
from tests.metrics_helpers import (
    assignee,
    at,
    closed,
    dispatched,
    rate,
    rectify,
    report,
    sign,
    supervisor,
    verify,
)
from workflows.metrics import COUNTERS

NOW = "2026-12-02 09:00"  # November is over: every one of its days is counted
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
DECEMBER = (date(2026, 12, 1), date(2026, 12, 31))


def figures(first_last=NOVEMBER, where: Slice | None = None, now: str = NOW):
    with clock.travel(at(now)):
        return metrics.totals(where or Slice(), Period.of(*first_last))


def replayed(first_last=NOVEMBER, now: str = NOW):
    with clock.travel(at(now)):
        return metrics_rebuild.check(*first_last).city[1]


# -- due and on time --------------------------------------------------------------------------


def test_a_case_fixed_before_its_deadline_is_due_that_day_and_on_time(city):
    # Flyers: one working day; dispatched Wednesday 09:00, due Thursday 17:30.
    closed(city, "2026-11-25 09:00", rectified="2026-11-26 10:00", verified="2026-11-26 15:00")
    f = figures()
    assert (f.due, f.on_time, f.closed) == (1, 1, 1)
    assert f.on_time_rate == 1.0
    with clock.travel(at(NOW)):
        row = db.session.get(MetricCase, 1)
    assert row.due_day == date(2026, 11, 26) and row.closed_day == date(2026, 11, 26)


def test_a_rectification_reported_after_the_deadline_is_late(city):
    closed(city, "2026-11-25 09:00", rectified="2026-11-27 09:00", verified="2026-11-27 10:00")
    f = figures()
    assert (f.due, f.on_time, f.late) == (1, 0, 1)
    assert f.on_time_rate == 0.0


def test_a_deadline_exactly_met_is_on_time(city):
    closed(city, "2026-11-25 09:00", rectified="2026-11-26 17:30", verified="2026-11-27 09:00")
    assert figures().on_time == 1


def test_a_rectification_waiting_for_verification_is_not_on_time_until_it_passes(city):
    case = dispatched(city, "2026-11-25 09:00")
    sign(city, case, "2026-11-25 09:05")
    rectify(city, case, "2026-11-26 10:00")
    assert (figures().due, figures().on_time) == (1, 0)
    verify(city, case, "2026-11-30 10:00")  # days after the deadline: what counts is the fix
    assert (figures().due, figures().on_time) == (1, 1)


def test_an_open_case_past_its_deadline_is_due_and_late(city):
    case = dispatched(city, "2026-11-25 09:00")
    sign(city, case, "2026-11-25 09:05")
    f = figures()
    assert (f.due, f.on_time) == (1, 0)
    assert f.signed == 1 and f.response_s == 5 * 60  # dispatch 09:00, signed 09:05


# -- extensions and holds ---------------------------------------------------------------------


def test_an_approved_extension_moves_the_deadline_and_counts_in_the_extension_rate(city):
    case = dispatched(city, "2026-11-25 09:00")
    sign(city, case, "2026-11-25 09:05")
    chief = Actor.staff(city.chief)
    with clock.travel(at("2026-11-25 10:00")):
        cases.request_extension(case, chief, reason="需协调",
                                new_due_at=at("2026-11-30 17:30"))
    with clock.travel(at("2026-11-25 11:00")):
        cases.approve_extension(case, supervisor(city, case))
    rectify(city, case, "2026-11-27 16:00")  # after the first deadline, before the new one
    verify(city, case, "2026-11-27 17:00")
    f = figures()
    assert (f.due, f.on_time, f.extended) == (1, 1, 1)
    assert f.extension_rate == 1.0
    with clock.travel(at(NOW)):
        assert db.session.get(MetricCase, case.id).due_day == date(2026, 11, 30)


def test_a_case_on_hold_is_not_due_and_counts_again_at_its_resumed_deadline(city):
    case = dispatched(city, "2026-11-25 09:00", code="LD02")  # 15 working days
    sign(city, case, "2026-11-25 09:05")
    with clock.travel(at("2026-11-25 10:00")):
        cases.request_hold(case, assignee(city, case), reason="法定程序")
    with clock.travel(at("2026-11-25 11:00")):
        cases.approve_hold(case, supervisor(city, case))
    due_before = case.due_at
    assert figures(NOVEMBER).due == 0 and figures(DECEMBER, now="2027-02-01 09:00").due == 0
    with clock.travel(at("2026-12-07 09:00")):
        cases.resume(case, supervisor(city, case))
    # The clock restarts with the time that was left: 15 working days less two hours.
    assert clock.to_local(case.due_at).date() == date(2026, 12, 28) > due_before.date()
    rectify(city, case, "2026-12-08 10:00")
    verify(city, case, "2026-12-08 11:00")
    f = figures(DECEMBER, now="2027-01-05 09:00")
    assert (f.due, f.on_time, f.closed) == (1, 1, 1)
    with clock.travel(at("2027-01-05 09:00")):
        assert db.session.get(MetricCase, case.id).due_day == date(2026, 12, 28)


# -- rework -----------------------------------------------------------------------------------


def test_rework_that_ends_before_the_final_deadline_is_on_time_and_reworked(city):
    case = dispatched(city, "2026-11-25 09:00")
    sign(city, case, "2026-11-25 09:05")
    rectify(city, case, "2026-11-25 10:00")
    verify(city, case, "2026-11-25 11:00", passed=False)
    rectify(city, case, "2026-11-26 16:00")
    verify(city, case, "2026-11-26 17:00")
    f = figures()
    assert (f.due, f.on_time, f.closed, f.reworked) == (1, 1, 1, 1)
    assert f.rework_rate == 1.0


def test_rework_that_ends_after_the_final_deadline_is_late_even_within_the_rework_limit(city):
    case = dispatched(city, "2026-11-25 09:00")
    sign(city, case, "2026-11-25 09:05")
    rectify(city, case, "2026-11-26 10:00")
    verify(city, case, "2026-11-26 14:30", passed=False)  # rework limit: Friday 14:30
    rectify(city, case, "2026-11-27 09:00")
    verify(city, case, "2026-11-27 10:00")
    f = figures()
    assert (f.due, f.on_time, f.reworked) == (1, 0, 1)
    with clock.travel(at(NOW)):
        assert db.session.get(MetricCase, case.id).handling_s == int(
            (at("2026-11-27 09:00") - at("2026-11-25 09:00")).total_seconds())


# -- not due at all ---------------------------------------------------------------------------


def test_merged_and_rejected_cases_count_nowhere(city):
    survivor = dispatched(city, "2026-11-25 09:00")
    duplicate = report(city, "2026-11-25 09:30", phone="13900003333")
    junk = report(city, "2026-11-25 09:40", phone=None)
    dispatcher = Actor.staff(city.dispatcher)
    with clock.travel(at("2026-11-25 10:00")):
        cases.merge(duplicate, dispatcher, into=survivor)
        cases.reject(junk, dispatcher, reason="不属于城市管理")
    assert duplicate.state == "merged" and junk.state == "rejected"
    f = figures()
    assert (f.due, f.closed) == (1, 0)  # only the survivor, open and late
    with clock.travel(at(NOW)):
        assert db.session.get(MetricCase, duplicate.id) is None
        assert db.session.get(MetricCase, junk.id) is None


def test_a_returned_case_is_due_only_once_re_dispatched(city):
    case = dispatched(city, "2026-11-25 09:00")
    with clock.travel(at("2026-11-25 09:30")):
        cases.return_case(case, Actor.staff(city.chief), reason="不是本区域")
    assert figures().due == 0
    with clock.travel(at("2026-11-27 09:00")):
        cases.dispatch(case, Actor.staff(city.dispatcher))
    with clock.travel(at(NOW)):
        assert db.session.get(MetricCase, case.id).due_day == date(2026, 11, 30)


# -- periods ------------------------------------------------------------------------------------


def test_a_case_dispatched_in_one_month_counts_in_the_month_of_its_deadline(city):
    # Sheds: 3 working days; Friday 30 October 16:00 -> Wednesday 4 November 17:30.
    closed(city, "2026-10-30 16:00", code="LD01", rectified="2026-11-03 10:00",
           verified="2026-11-03 11:00")
    assert figures(OCTOBER).due == 0
    f = figures(NOVEMBER)
    assert (f.due, f.on_time, f.closed) == (1, 1, 1)


def test_a_day_counts_once_it_is_over(city):
    closed(city, "2026-11-25 09:00", rectified="2026-11-26 10:00", verified="2026-11-26 11:00")
    assert figures(now="2026-11-26 20:00").due == 0  # the deadline day is still today
    assert figures(now="2026-11-27 00:30").due == 1


def test_a_period_can_be_any_range_of_days(city):
    closed(city, "2026-11-25 09:00", rectified="2026-11-26 10:00", verified="2026-11-26 11:00")
    assert figures((date(2026, 11, 26), date(2026, 11, 26))).due == 1
    assert figures((date(2026, 11, 27), date(2027, 3, 1)), now="2027-04-01 09:00").due == 0


# -- ratings ------------------------------------------------------------------------------------


def test_a_closed_case_without_a_rating_has_no_satisfaction_but_lowers_coverage(city):
    closed(city, "2026-11-25 09:00", rectified="2026-11-26 10:00", verified="2026-11-26 11:00")
    f = figures()
    assert f.ratings == 0 and f.satisfaction_rate is None
    assert (f.with_contact, f.rating_coverage) == (1, 0.0)


def test_a_case_without_a_contact_is_outside_the_rating_coverage(city):
    closed(city, "2026-11-25 09:00", rectified="2026-11-26 10:00", verified="2026-11-26 11:00",
           phone=None)
    f = figures()
    assert (f.closed, f.with_contact, f.rating_coverage) == (1, 0, None)


def test_a_supporters_rating_counts_beside_the_reporters(city):
    case = dispatched(city, "2026-11-25 09:00")
    with clock.travel(at("2026-11-25 09:10")):
        cases.support(case, Actor.resident(), phone="13900004444")
    sign(city, case, "2026-11-25 09:15")
    rectify(city, case, "2026-11-26 10:00")
    verify(city, case, "2026-11-26 11:00")
    rate(case, "2026-11-26 12:00", 1)
    supporter = cases.find_contact("13900004444")
    rate(case, "2026-11-27 12:00", 3, contact=supporter)
    f = figures()
    assert (f.ratings, f.satisfied, f.r3) == (2, 1, 1)
    assert f.satisfaction_rate == 0.5
    assert f.rating_coverage == 2.0  # ratings received ÷ closed cases with a contact


def test_satisfaction_counts_satisfied_and_fairly_satisfied(city):
    for i, score in enumerate((1, 2, 2, 3)):
        case = closed(city, f"2026-11-2{i} 09:00", rectified=f"2026-11-2{i} 10:00",
                      verified=f"2026-11-2{i} 11:00", phone=f"1390000500{i}")
        rate(case, f"2026-11-2{i} 12:00", score)
    f = figures()
    assert (f.ratings, f.satisfied) == (4, 3)
    assert f.satisfaction_rate == 0.75


def test_a_rating_given_next_month_counts_for_the_month_the_case_closed(city):
    case = closed(city, "2026-11-25 09:00", rectified="2026-11-26 10:00",
                  verified="2026-11-30 11:00")
    rate(case, "2026-12-01 08:00", 2)
    assert figures().ratings == 1
    assert figures(DECEMBER, now="2027-01-02 09:00").ratings == 0


def test_a_reopened_case_leaves_the_month_it_closed_in_and_counts_again_when_closed(city):
    case = closed(city, "2026-11-25 09:00", rectified="2026-11-26 10:00",
                  verified="2026-11-26 11:00")
    rate(case, "2026-11-26 12:00", 3)
    with clock.travel(at("2026-12-01 09:00")):
        cases.reopen(case, supervisor(city, case), reason="回访不满意")
    f = figures()
    assert (f.due, f.closed, f.ratings) == (0, 0, 0)
    rectify(city, case, "2026-12-01 15:00")
    verify(city, case, "2026-12-01 16:00")
    dec = figures(DECEMBER, now="2027-01-02 09:00")
    # The new closure is rated on its own (DOMAIN.md: the latest closure's rating counts);
    # the first closure's 不满意 went with the closure it rated.
    assert (dec.due, dec.on_time, dec.closed, dec.ratings) == (1, 1, 1, 0)
    rate(case, "2026-12-01 17:00", 2)
    dec = figures(DECEMBER, now="2027-01-02 09:00")
    assert (dec.ratings, dec.r2, dec.r3) == (1, 1, 0)


# -- where a case counts -----------------------------------------------------------------------


def test_cases_count_in_their_place_category_and_assignee(city):
    closed(city, "2026-11-25 09:00", rectified="2026-11-26 10:00", verified="2026-11-26 11:00")
    closed(city, "2026-11-25 09:00", rectified="2026-11-27 10:00", verified="2026-11-27 11:00",
           point=city.POINT3)
    parking = dispatched(city, "2026-11-25 09:00", code="LD03")  # the traffic police's
    sign(city, parking, "2026-11-25 09:10")
    with clock.travel(at(NOW)):
        period = Period.of(*NOVEMBER)
        streets = {r.key: r.totals for r in metrics.breakdown(Slice(), period, "street")}
        assert (streets[city.street.id].due, streets[city.street.id].on_time) == (2, 1)
        assert (streets[city.street2.id].due, streets[city.street2.id].on_time) == (1, 0)
        people = {r.key: r.totals.due for r in metrics.breakdown(Slice(), period, "chief")}
        assert people == {city.chief.id: 1, city.chief3.id: 1}
        agencies = {r.key: r.totals.due for r in metrics.breakdown(Slice(), period, "agency")}
        assert agencies == {city.traffic.id: 1}
        in_street = metrics.totals(Slice(street_id=city.street2.id), period)
        assert (in_street.due, in_street.on_time) == (1, 0)
        by_area = metrics.totals(Slice(area_id=city.area.id), period)
        assert by_area.due == 2


def test_a_reassigned_case_counts_for_the_person_who_holds_it(city):
    case = dispatched(city, "2026-11-25 09:00")
    with clock.travel(at("2026-11-25 09:10")):
        cases.reassign(case, Actor.staff(city.chief), assignee_user_id=city.member.id)
    with clock.travel(at(NOW)):
        people = {r.key: r.totals.due
                  for r in metrics.breakdown(Slice(), Period.of(*NOVEMBER), "chief")}
    assert people == {city.member.id: 1}


def test_rankings_go_best_to_worst_with_shared_ranks_and_empty_rows_last():
    from workflows.metrics import Totals

    rows = [metrics.Row(1, "a", Totals(due=10, on_time=9)), metrics.Row(2, "b", Totals()),
            metrics.Row(3, "c", Totals(due=2, on_time=2)),
            metrics.Row(4, "d", Totals(due=20, on_time=18)),
            metrics.Row(5, "e", Totals(due=4, on_time=4))]
    ranked = metrics.ranked(rows)
    assert [(r.name, r.rank) for r in ranked] == [("e", 1), ("c", 1), ("d", 3), ("a", 3),
                                                  ("b", None)]


# -- kept in step, reproducible ---------------------------------------------------------------


def _history(city):
    """One of every edge, across October, November and December."""
    closed(city, "2026-10-30 16:00", code="LD01", rectified="2026-11-03 10:00",
           verified="2026-11-03 11:00")
    late = closed(city, "2026-11-25 09:00", rectified="2026-11-27 09:00",
                  verified="2026-11-27 10:00")
    rate(late, "2026-11-27 12:00", 3)
    reworked = dispatched(city, "2026-11-23 09:00", point=city.POINT3)
    sign(city, reworked, "2026-11-23 09:05")
    rectify(city, reworked, "2026-11-23 10:00")
    verify(city, reworked, "2026-11-23 11:00", passed=False)
    rectify(city, reworked, "2026-11-24 10:00")
    verify(city, reworked, "2026-11-24 11:00")
    rate(reworked, "2026-11-24 12:00", 2)
    extended = dispatched(city, "2026-11-18 09:00", phone="13900006666")
    sign(city, extended, "2026-11-18 09:05")
    with clock.travel(at("2026-11-18 10:00")):
        cases.request_extension(extended, Actor.staff(city.chief), reason="需协调",
                                new_due_at=at("2026-11-24 17:30"))
    with clock.travel(at("2026-11-18 11:00")):
        cases.approve_extension(extended, supervisor(city, extended))
    held = dispatched(city, "2026-11-16 09:00", code="LD02", phone="13900007777")
    sign(city, held, "2026-11-16 09:05")
    with clock.travel(at("2026-11-16 10:00")):
        cases.request_hold(held, assignee(city, held), reason="法定程序")
    with clock.travel(at("2026-11-16 11:00")):
        cases.approve_hold(held, supervisor(city, held))
    parking = dispatched(city, "2026-11-20 09:00", code="LD03", phone="13900008888")
    sign(city, parking, "2026-11-20 09:30")
    rectify(city, parking, "2026-11-20 10:30")
    verify(city, parking, "2026-11-20 14:00")
    rate(parking, "2026-11-20 15:00", 1)
    supported = dispatched(city, "2026-11-17 09:00", phone="13900001010")
    with clock.travel(at("2026-11-17 09:10")):
        cases.support(supported, Actor.resident(), phone="13900001011")
        cases.reassign(supported, Actor.staff(city.chief), assignee_user_id=city.member.id)
    sign(city, supported, "2026-11-17 09:20")
    duplicate = report(city, "2026-11-17 09:30", phone="13900001012")
    with clock.travel(at("2026-11-17 09:40")):
        cases.merge(duplicate, Actor.staff(city.dispatcher), into=supported)
    rectify(city, supported, "2026-11-17 15:00")
    verify(city, supported, "2026-11-17 16:00")
    rate(supported, "2026-11-17 17:00", 2, contact=cases.find_contact("13900001011"))
    bounced = dispatched(city, "2026-11-10 09:00", phone=None)
    with clock.travel(at("2026-11-10 09:30")):
        cases.return_case(bounced, Actor.staff(city.chief), reason="不是本区域")
    with clock.travel(at("2026-11-10 10:00")):
        cases.dispatch(bounced, Actor.staff(city.dispatcher), area_id=city.area2.id)
    reopened = closed(city, "2026-11-19 09:00", rectified="2026-11-19 10:00",
                      verified="2026-11-19 11:00", phone="13900009999")
    rate(reopened, "2026-11-19 12:00", 3)
    with clock.travel(at("2026-11-30 09:00")):
        cases.reopen(reopened, supervisor(city, reopened), reason="回访不满意")
    return late


def test_the_daily_tables_equal_a_replay_of_the_raw_events(city):
    _history(city)
    for period in (OCTOBER, NOVEMBER, DECEMBER):
        booked = figures(period, now="2027-01-02 09:00")
        assert booked == replayed(period, now="2027-01-02 09:00")
    assert figures(NOVEMBER).due >= 5


def test_a_published_figure_is_reproduced_later_from_the_events_as_they_stood(city):
    late = _history(city)
    said = figures()
    with clock.travel(at(NOW)):
        published = metrics_published.publish(Period.of(*NOVEMBER), None)  # 2 December
    with clock.travel(at("2026-12-03 09:00")):
        cases.reopen(late, supervisor(city, late), reason="回访不满意")
    assert figures(now="2026-12-04 09:00") != said  # the figures move on ...
    with clock.travel(at("2026-12-04 09:00")):
        again = metrics_rebuild.check_published(*NOVEMBER, as_of=published.published_at)
        kept = metrics.totals(Slice(), Period.of(*NOVEMBER), published=published.id)
    assert again.differences == []  # ... and the events still say what was published
    assert again.city[0] == kept == said


def test_a_rebuild_from_the_case_records_gives_the_same_daily_tables(city):
    _history(city)

    def snapshot():
        with clock.travel(at(NOW)):
            return (
                sorted(tuple(r) for r in db.session.execute(
                    select(MetricCase.__table__)).all()),
                {c: db.session.scalar(select(func.sum(getattr(MetricDay, c))))
                 for c in COUNTERS},
                {c: db.session.scalar(select(func.sum(getattr(MetricDayStreet, c))))
                 for c in COUNTERS},
                [r.totals for r in sorted(metrics.breakdown(
                    Slice(), Period.of(*NOVEMBER), "category"), key=lambda r: r.key)],
            )

    before = snapshot()
    with clock.travel(at(NOW)):
        metrics_rebuild.rebuild()
    assert snapshot() == before


def test_the_street_category_counters_are_the_daily_counters_added_up_and_rebuilt_alike(city):
    from app.models import MetricDayStreetCategory

    _history(city)

    def by_street_category(model):  # rows whose counters were all taken back left out
        keys = (model.day, model.district_id, model.street_id, model.category_id)
        return {tuple(r) for r in db.session.execute(
            select(*keys, *[func.sum(getattr(model, c)) for c in COUNTERS]).group_by(*keys))
            if any(r[4:])}

    booked = by_street_category(MetricDayStreetCategory)
    assert booked == by_street_category(MetricDay)
    assert len({r[3] for r in booked}) >= 2 and len({r[0] for r in booked}) >= 2
    assert sum(r[4] for r in booked) > 0  # something was due
    with clock.travel(at(NOW)):
        metrics_rebuild.rebuild()
    assert by_street_category(MetricDayStreetCategory) == booked


def test_a_refused_action_leaves_the_figures_untouched(city):
    case = dispatched(city, "2026-11-25 09:00")
    sign(city, case, "2026-11-25 09:05")
    rectify(city, case, "2026-11-26 10:00")
    before = figures()
    with clock.travel(at("2026-11-26 11:00")), pytest.raises(Forbidden):
        cases.verify(case, Actor.staff(city.chief), passed=True)  # a road chief may not
    assert figures() == before and case.state == "rectified"


# -- overdue and hotspots ------------------------------------------------------------------------


def test_open_overdue_cases_leave_out_holds_and_reported_fixes(city):
    waiting = dispatched(city, "2026-11-25 09:00")
    fixed = dispatched(city, "2026-11-25 09:00")
    sign(city, fixed, "2026-11-25 09:05")
    rectify(city, fixed, "2026-11-27 10:00")
    dispatched(city, "2026-12-01 09:00")  # not due yet
    with clock.travel(at(NOW)):
        found = db.session.scalars(metrics.overdue_query(Slice())).all()
        assert [c.id for c in found] == [waiting.id]
        assert metrics.overdue_count(Slice(street_id=city.street2.id)) == 0


def test_hotspots_are_reports_of_one_category_recurring_within_the_radius(city):
    lng, lat = city.POINT
    near = [(lng, lat), (lng + 0.0002, lat), (lng, lat + 0.0002)]  # within about 25 m
    for i, point in enumerate(near):
        report(city, f"2026-11-2{i} 09:00", point=point, phone=None)
    report(city, "2026-11-24 09:00", code="LD03", point=city.POINT, phone=None)
    report(city, "2026-11-24 10:00", point=city.POINT3, phone=None)  # about 900 m away
    with clock.travel(at(NOW)):
        spots = metrics.hotspots(Slice(), *NOVEMBER, radius_m=50, min_count=3)
        assert [(s.category_code, s.count) for s in spots] == [("LD09", 3)]
        assert abs(spots[0].lat - (lat + 0.0002 / 3)) < 1e-6
        assert metrics.hotspots(Slice(), *NOVEMBER, radius_m=10, min_count=3) == []
        assert metrics.hotspots(Slice(street_id=city.street2.id), *NOVEMBER, 50, 1)[0].count == 1


# -- the commands -------------------------------------------------------------------------------


def test_the_rebuild_and_check_commands(city, app):
    _history(city)
    runner = app.test_cli_runner()
    with clock.travel(at(NOW)):
        rebuilt = runner.invoke(args=["metrics", "rebuild"])
        assert rebuilt.exit_code == 0 and "cases count" in rebuilt.output
        checked = runner.invoke(args=["metrics", "check", "--from", "2026-11-01",
                                      "--to", "2026-11-30"])
    assert checked.exit_code == 0, checked.output
    assert "differs" not in checked.output and "on-time rate" in checked.output


def test_the_check_command_fails_when_a_case_was_changed_behind_the_door(city, app):
    from sqlalchemy import update

    from app.models import Case

    case = closed(city, "2026-11-25 09:00", rectified="2026-11-26 10:00",
                  verified="2026-11-26 11:00")
    db.session.execute(update(Case).where(Case.id == case.id).values(
        due_at=at("2026-11-26 09:00"), version=Case.version + 1))  # a forged deadline
    db.session.commit()
    with clock.travel(at(NOW)):
        checked = app.test_cli_runner().invoke(args=["metrics", "check", "--from",
                                                     "2026-11-01", "--to", "2026-11-30"])
    assert checked.exit_code == 0  # the events still say on time: the forgery changed nothing
    with clock.travel(at(NOW)):
        metrics_rebuild.rebuild()  # ... until the daily tables are rebuilt from the forged row
        checked = app.test_cli_runner().invoke(args=["metrics", "check", "--from",
                                                     "2026-11-01", "--to", "2026-11-30"])
    assert checked.exit_code == 1 and "differs" in checked.output
