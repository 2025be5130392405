"""``flask --app wsgi metrics rebuild|check``: rebuild the daily figures from the case
records; compare them, by every dimension, with a replay of the raw events (or compare
what was published then with the events as they stood then)."""

from __future__ import annotations

import time
from datetime import date, datetime

import click

from app.services import metrics_rebuild
from app.supervise import bp


@bp.cli.command("rebuild")
def rebuild() -> None:
    """Recompute every case's facts and the daily tables from the case records."""
    started = time.perf_counter()
    counted = metrics_rebuild.rebuild(echo=click.echo)
    click.echo(f"{counted} cases count; rebuilt in {time.perf_counter() - started:.0f}s")


def _day(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint=name) from None


@bp.cli.command("check")
@click.option("--from", "first", required=True, help="first day, YYYY-MM-DD")
@click.option("--to", "last", required=True, help="last day, YYYY-MM-DD (inclusive)")
@click.option("--as-of", "as_of", default=None,
              help="compare what was published for this period at this moment (ISO 8601 "
                   "with offset) with the events as they stood then")
def check(first: str, last: str, as_of: str | None) -> None:
    """Compare a period's figures for the city and every district, street, area, road
    chief, agency, category and channel: the daily tables with a replay of the raw
    events, or (--as-of) what was published with the events as they stood then. Days not
    over yet are left out. Exits 1 when they differ, 2 when nothing was published."""
    started = time.perf_counter()
    day1, day2 = _day(first, "--from"), _day(last, "--to")
    if as_of:
        try:
            moment = datetime.fromisoformat(as_of)
        except ValueError:
            raise click.BadParameter("use ISO 8601, e.g. 2026-12-02T09:00+08:00",
                                     param_hint="--as-of") from None
        if moment.tzinfo is None:
            raise click.BadParameter("give the offset, e.g. +08:00", param_hint="--as-of")
        try:
            compared = metrics_rebuild.check_published(day1, day2, moment)
        except metrics_rebuild.NothingPublished:
            click.echo(f"nothing was published for {day1} – {day2} by {moment.isoformat()}")
            raise SystemExit(2) from None
        sources = ("published", "event replay")
        click.echo(f"published at {compared.published_at.isoformat()}")
    else:
        compared = metrics_rebuild.check(day1, day2)
        sources = ("daily tables", "event replay")
    click.echo(f"days {compared.first} – {compared.until} (days not over are left out)")
    booked, replayed = compared.city
    click.echo(f"{'counter':<14}{sources[0]:>14}{sources[1]:>14}")
    for name, value in booked.as_dict().items():
        other = replayed.as_dict()[name]
        mark = "" if value == other else "  <-- differs"
        click.echo(f"{name:<14}{value:>14}{other:>14}{mark}")
    click.echo(f"on-time rate {booked.on_time_rate!r} / {replayed.on_time_rate!r}; "
               f"satisfaction {booked.satisfaction_rate!r} / {replayed.satisfaction_rate!r}")
    members = len({k for k in (*compared.booked, *compared.replayed) if k[0] != "city"})
    differences = compared.differences
    click.echo(f"{members} members of the dimensions compared; {len(differences)} differ")
    for dim, key, one, other in differences:
        changed = {n: (v, other.as_dict()[n]) for n, v in one.as_dict().items()
                   if v != other.as_dict()[n]}
        click.echo(f"  {dim} {key}: " + ", ".join(f"{n} {a} / {b}"
                                                  for n, (a, b) in changed.items())
                   + "  <-- differs")
    click.echo(f"checked in {time.perf_counter() - started:.1f}s")
    if differences:
        raise SystemExit(1)
