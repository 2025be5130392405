"""The monthly assessment (考核评估): scoring schemes as versioned data, every district,
street, agency and market contractor scored for a month with its breakdown, and publishing
a month, which freezes it.

Scores are computed from the daily counters (``metric_day_street`` for districts and
streets, ``metric_day_agency`` for agencies; a published month from its frozen copy), so
the cost follows the number of units and days, not of cases. Publishing is one
transaction: it freezes the month's SLA figures
(``metrics_published``) if they are not yet, computes every score from that frozen copy by
the current scheme and stores them with the scheme's version; if anything fails, nothing is
written. ``flask metrics assessment-check`` recomputes a published month from the frozen copy and
from a replay of the case records as they stood at publication, and compares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Agency,
    AssessmentMonth,
    AssessmentScheme,
    AssessmentScore,
    District,
    MetricDayAgency,
    MetricDayStreet,
    PublishedDay,
    Street,
    User,
)
from app.services import clock, metrics_published
from app.services.admin import Invalid, audit
from app.services.errors import InvalidInput
from app.services.metrics_dashboard import Period, month_end
from workflows import assessment as policy
from workflows import metrics as metric_policy
from workflows.metrics import COUNTERS, Totals

KINDS = policy.UNIT_KINDS

MESSAGES = {
    "not_a_scheme": _l("That is not a scoring scheme."),
    "no_indicator": _l("Weigh at least one indicator."),
    "unknown_indicator": _l("Unknown indicator."),
    "unknown_event": _l("Unknown kind of event."),
    "bad_weight": _l("A weight is a number above 0 and at most 100."),
    "weights_not_100": _l("The weights must add up to 100."),
    "bad_rate": _l("A rate between 0 and 1 (e.g. 0.95)."),
    "bad_hours": _l("Hours between 0 and 10000."),
    "full_equals_zero": _l("Full marks and no marks need different values."),
    "bad_points": _l("Points between 0 and 100."),
    "bad_list": _l("A list of 0 to 50 units."),
}


# -- schemes ---------------------------------------------------------------------------------


def current_scheme() -> AssessmentScheme | None:
    return db.session.scalar(select(AssessmentScheme)
                             .order_by(AssessmentScheme.version.desc()).limit(1))


def schemes() -> list[AssessmentScheme]:
    return list(db.session.scalars(select(AssessmentScheme)
                                   .order_by(AssessmentScheme.version.desc())))


def scheme_or_default() -> tuple[dict[str, Any], AssessmentScheme | None]:
    scheme = current_scheme()
    return (scheme.rules if scheme else policy.DEFAULT_RULES), scheme


def save_scheme(user: User | None, name: str, rules: Any) -> AssessmentScheme:
    """A new version of the scheme; refused, with a message by field, unless it is whole
    (known indicators, weights adding up to 100, sane caps and list sizes)."""
    found = policy.problems(rules)
    name = " ".join((name or "").split())[:64]
    if not name:
        found = {"name": "no_name", **found}
    if found:
        raise Invalid({k: MESSAGES.get(v, _l("Give the scheme a name.")) for k, v in
                       found.items()})
    version = (db.session.scalar(select(func.max(AssessmentScheme.version))) or 0) + 1
    scheme = AssessmentScheme(version=version, name=name, rules=rules,
                              created_at=clock.now(),
                              created_by_id=user.id if user else None)
    db.session.add(scheme)
    db.session.flush()
    audit.record(user, "assessment_scheme", version, "create", None,
                 {"name": name, "rules": rules})
    return scheme


def set_contractor(user: User, agency: Agency, flag: bool) -> None:
    if agency.market_contractor == flag:
        return
    audit.record(user, "agency", agency.code, "update",
                 {"market_contractor": agency.market_contractor}, {"market_contractor": flag})
    agency.market_contractor = flag


# -- counters per unit -----------------------------------------------------------------------


def _sums(t):
    return [func.coalesce(func.sum(t.c[c]), 0).label(c) for c in COUNTERS]


def unit_totals(first: date, until: date, publication_id: int | None = None
                ) -> dict[tuple[str, int], Totals]:
    """Each district's, street's and agency's counters over the days ``first``..``until``:
    from a publication's frozen copy, or from the daily tables as they stand."""
    out: dict[tuple[str, int], Totals] = {}
    if until < first:
        return out
    if publication_id is not None:
        t = PublishedDay.__table__
        place_t = agency_t = t
        extra = [t.c.publication_id == publication_id]
    else:
        place_t, agency_t, extra = MetricDayStreet.__table__, MetricDayAgency.__table__, []
    for dim, t, column in (("district", place_t, "district_id"),
                           ("street", place_t, "street_id"),
                           ("agency", agency_t, "assignee_agency_id")):
        conditions = [t.c.day.between(first, until), *extra]
        for row in db.session.execute(select(t.c[column].label("key"), *_sums(t))
                                      .where(*conditions).group_by(t.c[column])):
            if row.key:
                out[(dim, row.key)] = Totals.of(row._mapping)
    return out


@dataclass
class Unit:
    kind: str
    id: int
    name: str
    district_id: int | None


def units() -> list[Unit]:
    """Every unit assessed: districts, streets, agencies, market contractors."""
    out = [Unit("district", d.id, d.name_zh, d.id)
           for d in db.session.scalars(select(District).order_by(District.code))]
    out += [Unit("street", s.id, s.name_zh, s.district_id)
            for s in db.session.scalars(select(Street).order_by(Street.code))]
    out += [Unit("contractor" if a.market_contractor else "agency", a.id, a.name_zh,
                 a.district_id)
            for a in db.session.scalars(select(Agency).order_by(Agency.code))]
    return out


@dataclass
class UnitScore:
    unit: Unit
    score: float | None
    rank: int | None
    mark: str
    breakdown: dict[str, Any]


def score_units(totals: dict[tuple[str, int], Totals], rules: dict[str, Any],
                every: list[Unit] | None = None) -> dict[str, list[UnitScore]]:
    """Every unit's score, rank and list mark, by kind, best first."""
    every = units() if every is None else every
    out: dict[str, list[UnitScore]] = {k: [] for k in KINDS}
    for kind in KINDS:
        members = [u for u in every if u.kind == kind]
        dim = "agency" if kind == "contractor" else kind
        scored = {}
        for u in members:
            t = totals.get((dim, u.id), Totals())
            s = policy.score(t, rules)
            scored[u.id] = (u, s, t)
        ranked = policy.rank({i: s.score for i, (_u, s, _t) in scored.items()}, rules)
        for i, (u, s, t) in scored.items():
            r = ranked[i]
            out[kind].append(UnitScore(u, s.score, r.rank, r.mark,
                                       {**s.as_dict(), "counters": t.as_dict()}))
        out[kind].sort(key=lambda x: (x.rank is None, x.rank or 0, x.unit.name))
    return out


def draft(first: date) -> tuple[dict[str, list[UnitScore]], Period, AssessmentScheme | None]:
    """A month not yet published, by the current scheme, as the counters stand now
    (publishing scores the month's frozen SLA figures, which equal these unless a
    published bulletin has been revised since)."""
    period = Period.of(first, month_end(first))
    rules, scheme = scheme_or_default()
    return score_units(unit_totals(period.first, period.until), rules), period, scheme


# -- published months ------------------------------------------------------------------------


def published(first: date) -> AssessmentMonth | None:
    return db.session.scalar(select(AssessmentMonth).where(AssessmentMonth.first == first))


def published_months() -> list[AssessmentMonth]:
    return list(db.session.scalars(select(AssessmentMonth)
                                   .order_by(AssessmentMonth.first.desc())))


def stored(month: AssessmentMonth) -> dict[str, list[UnitScore]]:
    every = {(u.kind, u.id): u for u in units()}
    by_id = {(("agency" if u.kind == "contractor" else u.kind), u.id): u
             for u in every.values()}
    out: dict[str, list[UnitScore]] = {k: [] for k in KINDS}
    for row in db.session.scalars(select(AssessmentScore)
                                  .where(AssessmentScore.month_id == month.id)):
        dim = "agency" if row.kind == "contractor" else row.kind
        unit = by_id.get((dim, row.unit_id))
        unit = Unit(row.kind, row.unit_id, unit.name if unit else str(row.unit_id),
                    unit.district_id if unit else None)
        out[row.kind].append(UnitScore(unit, row.score, row.rank, row.mark, row.breakdown))
    for rows in out.values():
        rows.sort(key=lambda x: (x.rank is None, x.rank or 0, x.unit.name))
    return out


def publish(user: User, first: date) -> AssessmentMonth:
    """Freeze a month's scores (and its SLA figures, if not yet): all or nothing."""
    period = Period.of(first, month_end(first))
    if metric_policy.counted_until(period.last, clock.now(), clock.zone()) < period.last:
        raise InvalidInput(_l("A month is assessed once its last day is over."),
                           field="month")
    if published(first) is not None:
        raise InvalidInput(_l("This month's assessment was published already; its scores "
                              "stay as published."), field="month")
    try:
        scheme = current_scheme()
        if scheme is None:
            scheme = save_scheme(user, str(_l("Default scheme")), policy.DEFAULT_RULES)
        publication = metrics_published.latest(period.first, period.last)
        if publication is None:
            publication = metrics_published.publish(period, user.id, commit=False)
        totals = unit_totals(period.first, period.last, publication.id)
        month = AssessmentMonth(first=first, scheme_id=scheme.id,
                                publication_id=publication.id, published_at=clock.now(),
                                published_by_id=user.id)
        db.session.add(month)
        db.session.flush()
        for kind, rows in score_units(totals, scheme.rules).items():
            db.session.add_all([AssessmentScore(month_id=month.id, kind=kind, unit_id=r.unit.id,
                                                score=r.score, rank=r.rank, mark=r.mark,
                                                breakdown=r.breakdown) for r in rows])
        audit.record(user, "assessment_month", first.isoformat(), "create", None,
                     {"scheme_version": scheme.version, "publication": publication.id})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return month


@dataclass
class Difference:
    kind: str
    unit_id: int
    stored: float | None
    recomputed: float | None
    source: str  # "frozen figures" or "case records"


def check(month: AssessmentMonth) -> list[Difference]:
    """Recompute a published month by its scheme version, from its frozen SLA figures and
    from a replay of the case records as they stood at publication; the differences from
    what is stored (none, when the month is reproducible)."""
    from app.services import metrics_rebuild

    rules = month.scheme.rules
    first, last = month.first, month_end(month.first)
    rows = list(db.session.scalars(select(AssessmentScore)
                                   .where(AssessmentScore.month_id == month.id)))
    saved = {(r.kind, r.unit_id): r.score for r in rows}
    every = [Unit(r.kind, r.unit_id, "", None) for r in rows]  # the kinds as published
    out: list[Difference] = []
    frozen = score_units(unit_totals(first, last, month.publication_id), rules, every)
    compared = metrics_rebuild.check_published(first, last, month.published_at)
    replayed_totals = {k: v for k, v in compared.replayed.items()
                       if k[0] in ("district", "street", "agency")}
    replayed = score_units(replayed_totals, rules, every)
    for source, scores in (("frozen figures", frozen), ("case records", replayed)):
        for kind, rows in scores.items():
            for r in rows:
                if saved.get((kind, r.unit.id), "missing") != r.score:
                    out.append(Difference(kind, r.unit.id, saved.get((kind, r.unit.id)),
                                          r.score, source))
    return out
