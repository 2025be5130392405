"""``flask --app wsgi metrics rebuild|check``: rebuild the daily figures from the case
records; compare them with a replay of the raw events."""

from __future__ import annotations

import time
from datetime import date, datetime

import click

from app.services import clock, metrics
from app.supervise import bp


@bp.cli.command("rebuild")
def rebuild() -> None:
    """Recompute every case's facts and the daily tables from the case records."""
    started = time.perf_counter()
    counted = metrics.rebuild(echo=click.echo)
    click.echo(f"{counted} cases count; rebuilt in {time.perf_counter() - started:.0f}s")


@bp.cli.command("check")
@click.option("--from", "first", required=True, help="first day, YYYY-MM-DD")
@click.option("--to", "last", required=True, help="last day, YYYY-MM-DD (inclusive)")
@click.option("--as-of", "as_of", default=None,
              help="replay the events up to this moment (ISO 8601 with offset); default now")
def check(first: str, last: str, as_of: str | None) -> None:
    """Compare the city's figures for a period, from the daily tables and from a replay of
    the raw events, followers and ratings. Exits 1 when they differ."""
    started = time.perf_counter()
    moment = datetime.fromisoformat(as_of) if as_of else clock.now()
    booked, replayed = metrics.check(date.fromisoformat(first), date.fromisoformat(last),
                                     moment)
    click.echo(f"{'counter':<14}{'daily tables':>14}{'event replay':>14}")
    for name, value in booked.as_dict().items():
        other = replayed.as_dict()[name]
        mark = "" if value == other else "  <-- differs"
        click.echo(f"{name:<14}{value:>14}{other:>14}{mark}")
    click.echo(f"on-time rate {booked.on_time_rate!r} / {replayed.on_time_rate!r}; "
               f"satisfaction {booked.satisfaction_rate!r} / {replayed.satisfaction_rate!r}")
    click.echo(f"checked in {time.perf_counter() - started:.1f}s")
    if booked != replayed:
        raise SystemExit(1)
