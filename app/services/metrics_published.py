"""Published months: publishing a period (the monthly bulletin) freezes its figures; a later
recomputation that differs is shown as a revision, with the events that caused it.

Publishing copies the daily counters of the period's finished days (``metric_day``) into
``published_day`` under a ``published_month`` row; the bulletin of a published period
reads those. ``flask metrics check --as-of`` replays the events as they stood at the
publication and compares (``metrics_rebuild.check_published``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from app.extensions import db
from app.models import Case, CaseEvent, MetricDay, PublishedDay, PublishedMonth
from app.services import clock
from app.services.errors import InvalidInput
from app.services.metrics_booking import DAY_KEYS
from app.services.metrics_dashboard import Period, day_start
from app.services.metrics_rebuild import Figures, replayed_facts, tables_by_dimension
from workflows import metrics as policy
from workflows.metrics import COUNTERS, Totals


def latest(first: date, last: date) -> PublishedMonth | None:
    return db.session.scalar(
        select(PublishedMonth).where(PublishedMonth.first == first, PublishedMonth.last == last)
        .order_by(PublishedMonth.published_at.desc(), PublishedMonth.id.desc()).limit(1))


def publish(period: Period, user_id: int | None, commit: bool = True) -> PublishedMonth:
    """Freeze the period's figures as they stand now. Only a period whose every day is over
    can be published (a figure of a day still running would change by itself).
    ``commit=False``: the caller commits, with more of its own (the monthly assessment)."""
    now = clock.now()
    if policy.counted_until(period.last, now, clock.zone()) < period.last:
        raise InvalidInput(_l("A period can be published once its last day is over."),
                           field="month")
    publication = PublishedMonth(first=period.first, last=period.last, published_at=now,
                                 published_by_id=user_id)
    db.session.add(publication)
    db.session.flush()
    columns = [*DAY_KEYS, *COUNTERS]
    source = select(db.literal(publication.id), *[getattr(MetricDay, c) for c in columns]) \
        .where(MetricDay.day.between(period.first, period.last))
    db.session.execute(insert(PublishedDay).from_select(["publication_id", *columns], source))
    if commit:
        db.session.commit()
    return publication


@dataclass
class Revision:
    """How the figures of a published period differ now, and why."""

    publication: PublishedMonth
    published: Figures
    now: Figures
    #: (case code, [(action, at)]): the cases whose part in the figures changed since
    #: publication, with the events after it that changed it.
    causes: list[tuple[str, list[tuple[str, datetime]]]]

    @property
    def changed(self) -> list[tuple[str, object, Totals, Totals]]:
        keys = sorted(set(self.published) | set(self.now), key=lambda k: (k[0], str(k[1])))
        return [(d, k, self.published.get((d, k), Totals()), self.now.get((d, k), Totals()))
                for d, k in keys
                if self.published.get((d, k), Totals()) != self.now.get((d, k), Totals())]


def revision(publication: PublishedMonth, limit: int = 200) -> Revision | None:
    """The revision of a published period, or None when its figures still stand."""
    first, last = publication.first, publication.last
    published = tables_by_dimension(first, last, publication.id)
    now = tables_by_dimension(first, last)
    if published == now:
        return None
    moment = publication.published_at
    # Only a case with an event since publication can have changed its part; one made
    # after the period cannot have a part in it.
    later = sorted(db.session.scalars(
        select(CaseEvent.case_id).join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.at > moment, Case.created_at < day_start(last + timedelta(days=1)))
        .distinct()))
    then = replayed_facts(later, moment)
    current = replayed_facts(later, clock.now())
    changed = [i for i in later
               if _within(then.get(i, []), first, last) != _within(current.get(i, []), first,
                                                                    last)][:limit]
    codes = dict(db.session.execute(select(Case.id, Case.code).where(Case.id.in_(changed))).all())
    events: dict[int, list[tuple[str, datetime]]] = {i: [] for i in changed}
    for case_id, action, at in db.session.execute(
        select(CaseEvent.case_id, CaseEvent.action, CaseEvent.at)
        .where(CaseEvent.case_id.in_(changed), CaseEvent.at > moment)
        .order_by(CaseEvent.case_id, CaseEvent.id)
    ):
        events[case_id].append((action, at))
    return Revision(publication, published, now,
                    [(codes.get(i, str(i)), events[i]) for i in changed])


def _within(facts, first: date, last: date) -> Figures:
    return policy.by_dimension(facts, first, last)
