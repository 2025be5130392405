"""The monthly assessment: a scheme whose weights do not add up is refused; every district,
street, agency and contractor is scored with its breakdown; a published month is frozen,
all or nothing, and its scores are recomputed here independently from the case records
(not through the service's code) by the published scheme."""

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Agency,
    AssessmentMonth,
    AssessmentScheme,
    AssessmentScore,
    Case,
    PublishedMonth,
    Rating,
)
from app.services import assessment, clock
from app.services.admin import Invalid
from app.services.errors import InvalidInput
from tests.metrics_helpers import at, closed, dispatched, rate, rectify, sign, verify

NOW = "2026-12-02 09:00"
NOVEMBER = date(2026, 11, 1)

SCHEME = {
    "indicators": {
        "on_time_rate": {"weight": 50, "full": 1.0, "zero": 0.5},
        "satisfaction_rate": {"weight": 30, "full": 1.0, "zero": 0.5},
        "rework_rate": {"weight": 10, "full": 0.0, "zero": 0.5},
        "response_hours": {"weight": 10, "full": 0.0, "zero": 2.0},
    },
    "deductions": {"late": {"points": 2, "cap": 10}, "dissatisfied": {"points": 1, "cap": 5}},
    "max_deduction": 12,
    "red": {"size": 1, "at_least": 60},
    "black": {"size": 1, "below": 99},
}


def save(rules=SCHEME, name="2026年考核办法"):
    with clock.travel(at(NOW)):
        scheme = assessment.save_scheme(None, name, rules)
        db.session.commit()
    return scheme


def november(city):
    """Five cases due in November in two streets, one of them handled by sanitation."""
    c1 = closed(city, "2026-11-25 09:00", rectified="2026-11-26 10:00",
                verified="2026-11-26 15:00")
    rate(c1, "2026-11-26 16:00", 1)
    c2 = closed(city, "2026-11-25 09:00", rectified="2026-11-27 09:00",
                verified="2026-11-27 10:00", signed="2026-11-25 10:30")  # late
    rate(c2, "2026-11-27 11:00", 3)
    c3 = closed(city, "2026-11-25 09:00", rectified="2026-11-26 09:00",
                verified="2026-11-26 10:00", point=city.POINT3)
    rate(c3, "2026-11-26 12:00", 2)
    c4 = dispatched(city, "2026-11-25 09:00", point=city.POINT3)  # reworked, still on time
    sign(city, c4, "2026-11-25 09:20")
    rectify(city, c4, "2026-11-25 11:00")
    verify(city, c4, "2026-11-25 12:00", passed=False)
    rectify(city, c4, "2026-11-26 09:00")
    verify(city, c4, "2026-11-26 09:30")
    c5 = closed(city, "2026-11-25 09:00", rectified="2026-11-25 10:30",
                verified="2026-11-25 11:00", code="LD07")  # littering: sanitation's
    return [c1, c2, c3, c4, c5]


# -- the independent recomputation: straight from the case rows and ratings ----------------


def _share(value, full, zero):
    return min(1.0, max(0.0, (value - zero) / (full - zero)))


def independent_score(rows, ratings, rules):
    """DOMAIN.md's formulas over the cases, then the scheme, written out again here."""
    start, end = at("2026-11-01 00:00"), at("2026-12-01 00:00")
    due = [c for c in rows if c.due_at and start <= c.due_at < end
           and c.state not in ("rejected", "merged", "on_hold")]
    on_time = [c for c in due if c.state == "closed" and c.rectified_at <= c.due_at]
    closed_rows = [c for c in rows if c.state == "closed" and start <= c.closed_at < end]
    scores = [s for c in closed_rows for s in ratings.get(c.id, [])]
    signed = [c for c in due if c.signed_at]
    values = {
        "on_time_rate": len(on_time) / len(due) if due else None,
        "satisfaction_rate": (sum(1 for s in scores if s in (1, 2)) / len(scores)
                              if scores else None),
        "rework_rate": (sum(1 for c in closed_rows if c.rework_count) / len(closed_rows)
                        if closed_rows else None),
        "response_hours": (sum((c.signed_at - c.dispatched_at).total_seconds() for c in signed)
                           / len(signed) / 3600 if signed else None),
    }
    counted = {k: v for k, v in values.items() if v is not None}
    if not counted:
        return None
    weights = sum(rules["indicators"][k]["weight"] for k in counted)
    base = sum(rules["indicators"][k]["weight"] * 100 / weights
               * _share(v, rules["indicators"][k]["full"], rules["indicators"][k]["zero"])
               for k, v in counted.items())
    events = {"late": len(due) - len(on_time), "dissatisfied": scores.count(3)}
    deducted = min(rules["max_deduction"],
                   sum(min(spec["cap"], spec["points"] * events[k])
                       for k, spec in rules["deductions"].items()))
    return round(max(0.0, base - deducted), 2)


def test_a_published_month_is_reproduced_independently_from_the_case_records(city):
    sanitation = db.session.scalar(select(Agency).where(Agency.code == "JA:sanitation"))
    sanitation.market_contractor = True
    db.session.commit()
    november(city)
    save()
    with clock.travel(at(NOW)):
        month = assessment.publish(city.city_supervisor, NOVEMBER)
    published_scheme = db.session.get(AssessmentScheme, month.scheme_id).rules
    rows = list(db.session.scalars(select(Case)))
    ratings: dict[int, list[int]] = {}
    for r in db.session.scalars(select(Rating).order_by(Rating.at)):
        ratings.setdefault(r.case_id, []).append(r.score)
    stored = {(s.kind, s.unit_id): s for s in db.session.scalars(
        select(AssessmentScore).where(AssessmentScore.month_id == month.id))}
    units = {
        ("district", city.district.id): [c for c in rows if c.district_id == city.district.id],
        ("street", city.street.id): [c for c in rows if c.street_id == city.street.id],
        ("street", city.street2.id): [c for c in rows if c.street_id == city.street2.id],
        ("contractor", sanitation.id): [c for c in rows
                                        if c.assignee_agency_id == sanitation.id],
    }
    for key, members in units.items():
        expected = independent_score(members, ratings, published_scheme)
        assert expected is not None
        assert stored[key].score == expected, key
    # Both streets' scores differ (the late, dissatisfied case is in JA01): a real check.
    assert stored[("street", city.street.id)].score < stored[("street", city.street2.id)].score
    # A unit without cases is listed but not assessed.
    assert stored[("district", city.other_district.id)].score is None
    assert stored[("district", city.other_district.id)].rank is None
    # The red and black lists by the scheme: best at or above 60, worst below 99.
    streets = sorted((s for s in stored.values() if s.kind == "street" and s.score is not None),
                     key=lambda s: -s.score)
    assert streets[0].mark == "red" and streets[-1].mark == "black"
    # The service's own check agrees, from the frozen figures and from the event replay.
    with clock.travel(at("2026-12-03 09:00")):
        assert assessment.check(month) == []


def test_a_published_month_stays_as_published_when_the_scheme_changes(city):
    november(city)
    save()
    with clock.travel(at(NOW)):
        month = assessment.publish(city.city_supervisor, NOVEMBER)
        before = {(s.kind, s.unit_id): s.score for s in db.session.scalars(
            select(AssessmentScore).where(AssessmentScore.month_id == month.id))}
    changed = {**SCHEME, "indicators": {"on_time_rate": {"weight": 100, "full": 1.0,
                                                         "zero": 0.9}}}
    assert save(changed, "新办法").version == 2
    with clock.travel(at("2026-12-03 09:00")):
        again = assessment.stored(assessment.published(NOVEMBER))
        assert {(r.unit.kind, r.unit.id): r.score for rows in again.values()
                for r in rows} == before
        assert assessment.check(db.session.get(AssessmentMonth, month.id)) == []
        with pytest.raises(InvalidInput):
            assessment.publish(city.city_supervisor, NOVEMBER)


def test_publishing_is_all_or_nothing(city, monkeypatch):
    november(city)
    save()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(assessment, "score_units", broken)
    with clock.travel(at(NOW)), pytest.raises(RuntimeError):
        assessment.publish(city.city_supervisor, NOVEMBER)
    assert db.session.query(AssessmentMonth).count() == 0
    assert db.session.query(AssessmentScore).count() == 0
    assert db.session.query(PublishedMonth).count() == 0  # the SLA freeze was undone too


def test_a_month_not_over_is_not_published(city):
    with clock.travel(at("2026-11-30 20:00")), pytest.raises(InvalidInput):
        assessment.publish(city.city_supervisor, NOVEMBER)


@pytest.mark.parametrize("rules, field", [
    ({**SCHEME, "indicators": {"on_time_rate": {"weight": 60, "full": 1, "zero": 0.5},
                               "satisfaction_rate": {"weight": 30, "full": 1, "zero": 0.5}}},
     "weights"),
    ({**SCHEME, "indicators": {"on_time_rate": {"weight": 100, "full": 1.5, "zero": 0.5}}},
     "indicators.on_time_rate.full"),
    ({**SCHEME, "indicators": {"on_time_rate": {"weight": 100, "full": 0.9, "zero": 0.9}}},
     "indicators.on_time_rate.zero"),
    ({**SCHEME, "indicators": {"bribes": {"weight": 100, "full": 1, "zero": 0}}},
     "indicators.bribes"),
    ({**SCHEME, "indicators": {"on_time_rate": {"weight": "100", "full": 1, "zero": 0}}},
     "indicators.on_time_rate.weight"),
    ({**SCHEME, "indicators": {"on_time_rate": {"weight": float("nan"), "full": 1, "zero": 0}}},
     "indicators.on_time_rate.weight"),
    ({**SCHEME, "deductions": {"late": {"points": -1, "cap": 5}}}, "deductions.late.points"),
    ({**SCHEME, "max_deduction": 1e300}, "max_deduction"),
    ({**SCHEME, "red": {"size": 10**9, "at_least": 90}}, "red.size"),
    ({**SCHEME, "indicators": {}}, "indicators"),
    ("not a dict", "rules"),
])
def test_a_scheme_that_does_not_add_up_is_refused_and_not_saved(city, rules, field):
    with pytest.raises(Invalid) as caught:
        save(rules)
    db.session.rollback()
    assert field in caught.value.problems
    assert db.session.query(AssessmentScheme).count() == 0


def test_the_weights_message_is_in_chinese(city, app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        with pytest.raises(Invalid) as caught:
            save({**SCHEME, "indicators": {"on_time_rate": {"weight": 50, "full": 1,
                                                            "zero": 0}}})
        assert str(caught.value.problems["weights"]) == "各项指标权重之和必须为100。"


def test_the_agency_counters_are_the_daily_counters_added_up_and_rebuilt_alike(city):
    from sqlalchemy import func

    from app.models import MetricDay, MetricDayAgency
    from app.services import metrics_rebuild
    from workflows.metrics import COUNTERS

    november(city)

    def by_agency(model):
        return {tuple(r) for r in db.session.execute(
            select(model.day, model.assignee_agency_id,
                   *[func.sum(getattr(model, c)) for c in COUNTERS])
            .group_by(model.day, model.assignee_agency_id))}

    booked = by_agency(MetricDayAgency)
    assert booked == by_agency(MetricDay) and len(booked) >= 2
    with clock.travel(at(NOW)):
        metrics_rebuild.rebuild()
        db.session.commit()
    assert by_agency(MetricDayAgency) == booked


def test_the_check_command_reproduces_a_published_month_and_says_when_none_was(city, app):
    november(city)
    save()
    runner = app.test_cli_runner()
    with clock.travel(at(NOW)):
        missing = runner.invoke(args=["metrics", "assessment-check", "--month", "2026-11"])
        assert missing.exit_code == 2, missing.output
        assessment.publish(city.city_supervisor, NOVEMBER)
        done = runner.invoke(args=["metrics", "assessment-check", "--month", "2026-11"])
    assert done.exit_code == 0, done.output
    assert "0 differences" in done.output
    # A score changed behind the service's back is found.
    row = db.session.scalar(select(AssessmentScore).where(AssessmentScore.score.is_not(None)))
    row.score = row.score + 1
    db.session.commit()
    with clock.travel(at(NOW)):
        changed = runner.invoke(args=["metrics", "assessment-check", "--month", "2026-11"])
    assert changed.exit_code == 1 and "differs" in changed.output
