"""Booking the SLA figures: called by the one door in the transaction of every action, it
keeps the daily tables in step with the case.

What a case contributes is defined in ``workflows.metrics`` (pure); this module reads the
case's record from its row, takes back what the case contributed when last booked and
adds what it contributes now. A deadline the case missed (``workflows.effects.Breach``)
is booked once and never taken back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import exists, select

from app.database import upsert
from app.extensions import db
from app.models import (
    Case,
    CaseFollower,
    MetricBreach,
    MetricCase,
    MetricDay,
    MetricDayAgency,
    MetricDayStreet,
    MetricDayStreetCategory,
    Rating,
)
from app.services import clock
from workflows import metrics as policy
from workflows.effects import Breach, CaseRecord
from workflows.metrics import COUNTERS, CaseFacts, Totals

FACT_COLUMNS = tuple(c.name for c in MetricCase.__table__.columns if c.name != "case_id")
BREACH_COLUMNS = tuple(c.name for c in MetricBreach.__table__.columns)
DAY_KEYS = ("day", "district_id", "street_id", "area_id", "category_id", "assignee_user_id",
            "assignee_agency_id", "channel")
STREET_KEYS = ("day", "district_id", "street_id", "channel")
AGENCY_KEYS = ("day", "assignee_agency_id")
STREET_CATEGORY_KEYS = ("day", "district_id", "street_id", "category_id")


def breaches_of(case_id: int) -> tuple[Breach, ...]:
    rows = db.session.scalars(select(MetricBreach).where(MetricBreach.case_id == case_id)
                              .order_by(MetricBreach.due_at))
    return tuple(Breach(
        due_at=r.due_at, dispatched_at=r.dispatched_at,
        signed_at=r.signed_at, extended=bool(r.extended),
        district_id=r.district_id or None, street_id=r.street_id or None,
        area_id=r.area_id or None, category_id=r.category_id or None,
        assignee_user_id=r.assignee_user_id or None,
        assignee_agency_id=r.assignee_agency_id or None, channel=r.channel) for r in rows)


def record_of(case: Case, at: datetime | None = None) -> CaseRecord:
    """The case's record from its row. Its booked breaches are read only when its current
    deadline has passed by ``at`` (now by default): only then can one of them be it."""
    at = at or clock.now()
    due = case.due_at
    breaches = breaches_of(case.id) if due is not None and case.id is not None \
        and due <= at else ()
    return CaseRecord(
        state=case.state, channel=case.channel or "", district_id=case.district_id,
        street_id=case.street_id, area_id=case.area_id, category_id=case.category_id,
        urgency=case.urgency, assignee_user_id=case.assignee_user_id,
        assignee_agency_id=case.assignee_agency_id, limit_rule_id=case.limit_rule_id,
        limit_unit=case.limit_unit, dispatched_at=case.dispatched_at,
        response_due_at=case.response_due_at, due_at=case.due_at,
        rework_due_at=case.rework_due_at, verify_due_at=case.verify_due_at,
        held_seconds_left=case.held_seconds_left, signed_at=case.signed_at,
        rectified_at=case.rectified_at, closed_at=case.closed_at,
        extension_count=case.extension_count or 0, rework_count=case.rework_count or 0,
        escalation_level=case.escalation_level or 0, overdue=bool(case.overdue),
        breaches=breaches,
    )


def with_ratings(case_id: int, rec: CaseRecord) -> CaseRecord:
    """The record with its followers and ratings, read only once it is closed, the only
    time they count."""
    if rec.state != "closed":
        return rec
    # Each closure may be rated; the ratings of the latest one count (DOMAIN.md).
    scores = tuple(db.session.scalars(select(Rating.score).where(
        Rating.case_id == case_id,
        *([Rating.at >= rec.closed_at] if rec.closed_at is not None else []))))
    followed = bool(db.session.scalar(select(exists().where(CaseFollower.case_id == case_id))))
    return replace(rec, scores=scores, has_contact=followed)


def _facts_of_row(row: MetricCase | None) -> CaseFacts | None:
    if row is None:
        return None
    return CaseFacts(**{c: getattr(row, c) for c in FACT_COLUMNS})


def breach_row(case_id: int, b: Breach, f: CaseFacts) -> dict:
    return {"case_id": case_id, "due_at": b.due_at, "dispatched_at": b.dispatched_at,
            "signed_at": b.signed_at, "extended": int(b.extended),
            "district_id": f.district_id, "street_id": f.street_id, "area_id": f.area_id,
            "category_id": f.category_id, "assignee_user_id": f.assignee_user_id,
            "assignee_agency_id": f.assignee_agency_id, "channel": f.channel,
            "due_day": f.due_day, "response_s": f.response_s}


def book(case: Case, *, first: bool = False, record: CaseRecord | None = None,
         breaches: Sequence[Breach] = ()) -> None:
    """Bring the daily tables in step with the case, in the caller's transaction: take
    back what the case's current deadline and closing contributed when last booked, add
    what they contribute now, and book the deadlines this action found missed
    (``breaches``) for good. ``first``: the case is being made in this transaction, so
    it was never booked. ``record``: the case as the action's effect left it."""
    zone = clock.zone()
    row = None if first else db.session.get(MetricCase, case.id)
    rec = with_ratings(case.id, record if record is not None else record_of(case))
    new = policy.facts(rec, zone)
    old = _facts_of_row(row)
    missed = [(b, f) for b, f in zip(breaches, policy.breach_facts(
        replace(rec, breaches=tuple(breaches)), zone), strict=True)] if breaches else []
    if (old == new or (old is None and not new.counts)) and not missed:
        return
    deltas: dict[tuple, Totals] = defaultdict(Totals)
    changes = [(-1, old), (1, new)] if old != new else []
    for sign, f in [*changes, *((1, f) for _, f in missed)]:
        if f is None:
            continue
        for day, totals in policy.contributions(f).items():
            deltas[day_key(day, f)].add(Totals(**{k: sign * v
                                                  for k, v in totals.as_dict().items()}))
    if new.counts:
        values = {c: getattr(new, c) for c in FACT_COLUMNS}
        if row is None:
            db.session.add(MetricCase(case_id=case.id, **values))
        else:
            for c, v in values.items():
                if getattr(row, c) != v:
                    setattr(row, c, v)
    elif row is not None:
        db.session.delete(row)
    for b, f in missed:
        db.session.add(MetricBreach(**breach_row(case.id, b, f)))
    add_to_days(deltas)
    db.session.flush()


def day_key(day, f: CaseFacts) -> tuple:
    return (day, f.district_id, f.street_id, f.area_id, f.category_id, f.assignee_user_id,
            f.assignee_agency_id, f.channel)


def add_to_days(deltas: dict[tuple, Totals]) -> None:
    """Add counters to the daily tables (keys as :data:`DAY_KEYS`) and their street,
    agency and street-category sums."""
    streets: dict[tuple, Totals] = defaultdict(Totals)
    agencies: dict[tuple, Totals] = defaultdict(Totals)
    street_categories: dict[tuple, Totals] = defaultdict(Totals)
    for key, totals in deltas.items():
        streets[(*key[:3], key[7])].add(totals)
        agencies[(key[0], key[6])].add(totals)
        street_categories[(*key[:3], key[4])].add(totals)
    # Sorted keys: two transactions touching the same rows lock them in the same order.
    add_rows(MetricDay.__table__, DAY_KEYS, sorted(deltas.items()))
    add_rows(MetricDayStreet.__table__, STREET_KEYS, sorted(streets.items()))
    add_rows(MetricDayAgency.__table__, AGENCY_KEYS, sorted(agencies.items()))
    add_rows(MetricDayStreetCategory.__table__, STREET_CATEGORY_KEYS,
             sorted(street_categories.items()))


def add_rows(table, keys: tuple[str, ...], items: Iterable[tuple[tuple, Totals]]) -> None:
    items = [(k, t) for k, t in items if any(t.as_dict().values())]
    if not items:
        return
    rows = [dict(zip(keys, key, strict=True)) | totals.as_dict() for key, totals in items]
    stmt = upsert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={c: table.c[c] + stmt.excluded[c] for c in COUNTERS},
    )
    db.session.execute(stmt, rows)
