"""The working calendar built from the database, kept as reference data
(``app.services.reference_data``: a minute, or until an administrator changes it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select

from app.extensions import db
from app.models import CalendarDay, CalendarYear, OfficeHours
from app.services.reference_data import invalidate, kept
from workflows.calendar import (
    DEFAULT_OFFICE_HOURS,
    OfficePeriod,
    WorkingCalendar,
    official_days,
    official_names,
)


def working_calendar() -> WorkingCalendar:
    return kept("calendar", _load)


def _load() -> WorkingCalendar:
    days = db.session.execute(select(CalendarDay.day, CalendarDay.kind)).all()
    years = db.session.scalars(select(CalendarYear.year)).all()
    periods = [
        OfficePeriod(h.start_time, h.end_time)
        for h in db.session.scalars(select(OfficeHours).order_by(OfficeHours.start_time))
    ]
    return WorkingCalendar(
        holidays=[d for d, k in days if k == "holiday"],
        makeup_workdays=[d for d, k in days if k == "workday"],
        office_hours=periods or DEFAULT_OFFICE_HOURS,
        covered_years=years,
    )


def load_official_years(years: list[int], source: str = "chinesecalendar") -> int:
    """Load the official arrangement of ``years`` from the chinesecalendar package
    (replacing what the database held for them). Returns the number of days written."""
    holidays, workdays, covered = official_days(years)
    missing = set(years) - covered
    if missing:
        raise ValueError(f"the package has no official arrangement for {sorted(missing)}")
    for year in years:
        db.session.execute(
            delete(CalendarDay).where(
                CalendarDay.day >= datetime(year, 1, 1).date(),
                CalendarDay.day <= datetime(year, 12, 31).date(),
            )
        )
        db.session.merge(CalendarYear(year=year, source=source, loaded_at=datetime.now(UTC)))
    names = official_names(holidays | workdays)
    for d in sorted(holidays):
        db.session.add(CalendarDay(day=d, kind="holiday", name=names.get(d, "")))
    for d in sorted(workdays):
        db.session.add(CalendarDay(day=d, kind="workday", name=names.get(d, "")))
    if db.session.scalar(select(OfficeHours.id).limit(1)) is None:
        for p in DEFAULT_OFFICE_HOURS:
            db.session.add(OfficeHours(start_time=p.start, end_time=p.end))
    db.session.commit()
    invalidate()
    return len(holidays) + len(workdays)


@dataclass(frozen=True)
class CoverageGap:
    """The first day, within the warning horizon, that no loaded official year covers."""

    first_day: date
    years: tuple[int, ...]


def coverage_warning(today: date | None = None, days: int = 60) -> CoverageGap | None:
    """A gap when some day of the next ``days`` falls in a year whose official holidays
    are not loaded: deadlines there would count every weekday as a working day."""
    from app.services import clock

    today = today or clock.to_local(clock.now()).date()
    covered = working_calendar().covered_years
    horizon = today + timedelta(days=days)
    missing = tuple(y for y in range(today.year, horizon.year + 1) if y not in covered)
    if not missing:
        return None
    first = max(today, date(missing[0], 1, 1))
    return CoverageGap(first, missing)
