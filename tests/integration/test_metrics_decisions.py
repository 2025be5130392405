"""Figures that cannot be improved after the fact (DOMAIN.md, "Decisions on the numbers"),
through the one door: late requests refused, a breach stays in its month, response time
from a dispatch to the first sign-for after it, a hand-over moves the figures to the new
chief, a resume never gives a past deadline, and a published month is frozen: a later
recomputation is shown as a revision with the events that caused it."""

from datetime import date, timedelta

import pytest

from app.extensions import db
from app.models import MetricBreach, User
from app.services import cases, clock, metrics_published, metrics_rebuild
from app.services import metrics_dashboard as metrics
from app.services.actors import Actor
from app.services.errors import Conflict, InvalidInput
from app.services.metrics_dashboard import Period, Slice
from tests.factories import user
from tests.metrics_helpers import assignee, at, dispatched, rectify, sign, supervisor, verify

NOW = "2026-12-02 09:00"
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
DECEMBER = (date(2026, 12, 1), date(2026, 12, 31))


def figures(first_last=NOVEMBER, where: Slice | None = None, now: str = NOW):
    with clock.travel(at(now)):
        return metrics.totals(where or Slice(), Period.of(*first_last))


def by(dimension: str, first_last=NOVEMBER, now: str = NOW) -> dict:
    with clock.travel(at(now)):
        return {r.key: r.totals for r in metrics.breakdown(Slice(), Period.of(*first_last),
                                                            dimension)}


def no_differences(first_last=NOVEMBER, now: str = NOW) -> bool:
    with clock.travel(at(now)):
        return metrics_rebuild.check(*first_last).differences == []


# -- requests after the deadline -------------------------------------------------------------


def test_an_extension_asked_for_after_the_deadline_is_refused_and_nothing_is_written(city):
    case = dispatched(city, "2026-11-25 09:00")  # flyers: due Thursday 17:30
    sign(city, case, "2026-11-25 09:05")
    with clock.travel(at("2026-11-26 18:00")), pytest.raises(InvalidInput) as refused:
        cases.request_extension(case, Actor.staff(city.chief), reason="需协调",
                                new_due_at=at("2026-11-30 17:30"))
    assert "期限已过" in str(refused.value.message)  # the people's language: Chinese first
    db.session.expire_all()
    assert case.version == 3 and case.due_at == at("2026-11-26 17:30")


def test_a_hold_asked_for_after_the_deadline_is_refused(city):
    case = dispatched(city, "2026-11-25 09:00")
    sign(city, case, "2026-11-25 09:05")
    with clock.travel(at("2026-11-27 09:00")), pytest.raises(InvalidInput):
        cases.request_hold(case, Actor.staff(city.chief), reason="法定程序")
    assert case.state == "in_progress"


def test_a_refused_late_request_is_told_in_chinese(city, app):
    from tests.work_helpers import act, client_for

    case = dispatched(city, "2026-11-25 09:00")
    sign(city, case, "2026-11-25 09:05")
    chief = client_for(app, city.chief, lang="zh_Hans_CN")
    with clock.travel(at("2026-11-27 09:00")):
        answer = act(chief, case, "request_hold", reason="法定程序")
    assert answer.status_code == 422
    assert "期限已过" in answer.get_data(as_text=True)


# -- a breach stays ------------------------------------------------------------------------------


def test_a_case_returned_after_its_deadline_stays_due_and_late_in_that_month(city):
    case = dispatched(city, "2026-11-25 09:00")
    sign(city, case, "2026-11-25 09:05")
    with clock.travel(at("2026-11-27 10:00")):  # a day after the deadline: "not ours"
        cases.return_case(case, Actor.staff(city.chief), reason="不是本区域")
    f = figures()
    assert (f.due, f.on_time, f.late) == (1, 0, 1)
    assert by("chief")[city.chief.id].late == 1  # the one who held it when it was missed
    with clock.travel(at("2026-12-01 09:00")):
        cases.dispatch(case, Actor.staff(city.dispatcher))  # due again, in December
    sign(city, case, "2026-12-01 09:30")
    rectify(city, case, "2026-12-01 10:00")
    verify(city, case, "2026-12-01 11:00")
    assert (figures().due, figures().late) == (1, 1)  # November's breach is still there
    dec = figures(DECEMBER, now="2027-01-02 09:00")
    assert (dec.due, dec.on_time) == (1, 1)
    assert no_differences() and no_differences(DECEMBER, now="2027-01-02 09:00")


def test_a_hold_approved_after_the_deadline_keeps_the_breach_and_resumes_in_the_future(city):
    case = dispatched(city, "2026-11-25 09:00", code="LD02")  # 15 working days
    sign(city, case, "2026-11-25 09:05")
    deadline = case.due_at
    with clock.travel(deadline - timedelta(hours=2)):
        cases.request_hold(case, assignee(city, case), reason="法定程序")
    with clock.travel(deadline + timedelta(days=1)):  # decided a day too late
        cases.approve_hold(case, supervisor(city, case))
    assert case.held_seconds_left > 0  # the time that was left when it was asked for
    with clock.travel(deadline + timedelta(days=5)):
        cases.resume(case, supervisor(city, case))
        assert case.due_at > clock.now()
    assert db.session.query(MetricBreach).count() == 1
    month = (deadline.date().replace(day=1), metrics.month_end(deadline.date()))
    assert figures(month, now="2027-03-01 09:00").late >= 1


def test_a_reopen_of_a_case_closed_late_keeps_it_late_in_its_month(city):
    case = dispatched(city, "2026-11-25 09:00")
    sign(city, case, "2026-11-25 09:05")
    rectify(city, case, "2026-11-27 09:00")  # late
    verify(city, case, "2026-11-27 10:00")
    with clock.travel(at("2026-11-30 09:00")):
        cases.reopen(case, supervisor(city, case), reason="回访不满意")
    f = figures()
    assert (f.due, f.late, f.closed) == (1, 1, 0)
    assert no_differences()


# -- response time --------------------------------------------------------------------------------


def test_response_time_is_dispatch_to_the_first_sign_for_and_a_reassignment_keeps_it(city):
    case = dispatched(city, "2026-11-25 09:00")
    sign(city, case, "2026-11-25 09:10")
    with clock.travel(at("2026-11-25 10:00")):
        cases.reassign(case, Actor.staff(city.chief), assignee_user_id=city.member.id)
    sign(city, case, "2026-11-25 15:00")
    f = figures()
    assert (f.signed, f.response_s) == (1, 10 * 60)


def test_a_re_dispatch_after_a_return_starts_a_new_response_time(city):
    case = dispatched(city, "2026-11-25 09:00")
    sign(city, case, "2026-11-25 09:10")
    with clock.travel(at("2026-11-25 09:30")):
        cases.return_case(case, Actor.staff(city.chief), reason="不是本区域")
    with clock.travel(at("2026-11-25 10:00")):
        cases.dispatch(case, Actor.staff(city.dispatcher), area_id=city.area2.id)
    sign(city, case, "2026-11-25 10:20")
    assert figures().response_s == 20 * 60


# -- hand-over ----------------------------------------------------------------------------------


def test_after_a_hand_over_the_figures_by_road_chief_follow_the_new_chief(city):
    case = dispatched(city, "2026-11-25 09:00")
    new_chief = user("new-chief", "road_chief", "+8613800000098", area_id=city.area.id)
    db.session.commit()
    with clock.travel(at("2026-11-25 12:00")):
        cases.hand_over([(city.area, city.chief.id, new_chief.id)], Actor.staff(city.admin),
                        reason="换届")
    sign(city, case, "2026-11-25 13:00")
    rectify(city, case, "2026-11-26 10:00")
    verify(city, case, "2026-11-26 11:00")
    people = by("chief")
    assert list(people) == [new_chief.id] and people[new_chief.id].on_time == 1
    assert no_differences()
    assert db.session.get(User, city.chief.id) is not None


# -- published months ------------------------------------------------------------------------


def test_a_published_month_keeps_its_figures_and_shows_a_later_change_as_a_revision(city):
    case = dispatched(city, "2026-11-25 09:00")
    sign(city, case, "2026-11-25 09:05")
    rectify(city, case, "2026-11-26 10:00")  # in time, waiting for its check
    with clock.travel(at(NOW)):
        publication = metrics_published.publish(Period.of(*NOVEMBER), city.city_supervisor.id)
        assert metrics_published.revision(publication) is None
    verify(city, case, "2026-12-03 10:00")  # accepted after publishing: now on time
    with clock.travel(at("2026-12-04 09:00")):
        kept = metrics.totals(Slice(), Period.of(*NOVEMBER), published=publication.id)
        revised = metrics_published.revision(publication)
    assert (kept.due, kept.on_time) == (1, 0)  # what was published stays as it was
    assert revised is not None and figures(now="2026-12-04 09:00").on_time == 1
    (city_row,) = [r for r in revised.changed if r[0] == "city"]
    assert (city_row[2].on_time, city_row[3].on_time) == (0, 1)
    assert revised.causes == [(case.code, [("verify_pass", at("2026-12-03 10:00"))])]


def test_a_month_cannot_be_published_before_its_last_day_is_over(city):
    with clock.travel(at("2026-11-30 20:00")), pytest.raises(InvalidInput):
        metrics_published.publish(Period.of(*NOVEMBER), None)


def test_check_as_of_compares_what_was_published_then(city, app):
    case = dispatched(city, "2026-11-25 09:00")
    sign(city, case, "2026-11-25 09:05")
    runner = app.test_cli_runner()
    args = ["metrics", "check", "--from", "2026-11-01", "--to", "2026-11-30", "--as-of",
            "2026-12-02T09:00:00+08:00"]
    with clock.travel(at("2026-12-05 09:00")):
        nothing = runner.invoke(args=args)
    assert nothing.exit_code == 2 and "nothing was published" in nothing.output
    with clock.travel(at(NOW)):
        metrics_published.publish(Period.of(*NOVEMBER), None)
    rectify(city, case, "2026-12-03 10:00")
    verify(city, case, "2026-12-03 11:00")
    with clock.travel(at("2026-12-05 09:00")):
        checked = runner.invoke(args=args)
    assert checked.exit_code == 0, checked.output
    assert "0 differ" in checked.output


# -- ratings after a reopen ---------------------------------------------------------------------


def _closed_and_rated(city, score: int):
    case = dispatched(city, "2026-11-25 09:00")
    sign(city, case, "2026-11-25 09:05")
    rectify(city, case, "2026-11-25 15:00")
    verify(city, case, "2026-11-25 16:00")
    with clock.travel(at("2026-11-26 09:00")):
        cases.rate(case, Actor.resident(case.reporter), score=score)
    return case


def test_after_a_reopen_the_resident_rates_the_new_closure_and_only_that_rating_counts(city):
    case = _closed_and_rated(city, 3)  # 不满意: the supervisor reopens it
    assert (figures().ratings, figures().satisfied) == (1, 0)
    with clock.travel(at("2026-11-27 09:00")):
        cases.reopen(case, supervisor(city, case), reason="回访不满意")
    assert figures().ratings == 0  # not closed in November any more: nothing counts
    rectify(city, case, "2026-12-01 10:00")
    verify(city, case, "2026-12-01 11:00")
    with clock.travel(at("2026-12-01 12:00")):
        cases.rate(case, Actor.resident(case.reporter), score=1)
    nov, dec = figures(), figures(DECEMBER, now="2026-12-02 09:00")
    assert nov.ratings == 0
    assert (dec.closed, dec.ratings, dec.satisfied) == (1, 1, 1)
    assert dec.satisfaction_rate == 1.0
    assert no_differences(DECEMBER, now="2026-12-02 09:00")
    assert no_differences()


def test_a_closure_is_rated_once_by_each_person(city):
    case = _closed_and_rated(city, 1)
    with clock.travel(at("2026-11-26 10:00")), pytest.raises(Conflict):
        cases.rate(case, Actor.resident(case.reporter), score=3)
    assert (figures().ratings, figures().satisfied) == (1, 1)
