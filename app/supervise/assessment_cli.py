"""``flask --app wsgi metrics assessment-check --month YYYY-MM``: recompute a published
month's assessment by its own scheme version, from its frozen SLA figures and from a replay
of the case records as they stood at publication, and compare with what was published."""

from __future__ import annotations

import time
from datetime import date

import click

from app.services import assessment
from app.supervise import bp


@bp.cli.command("assessment-check")
@click.option("--month", required=True, help="YYYY-MM")
def assessment_check(month: str) -> None:
    """Exits 1 when a recomputed score differs, 2 when the month was not published."""
    started = time.perf_counter()
    try:
        year, mon = (int(x) for x in month.split("-"))
        first = date(year, mon, 1)
    except ValueError:
        raise click.BadParameter("use YYYY-MM", param_hint="--month") from None
    published = assessment.published(first)
    if published is None:
        click.echo(f"the assessment of {month} was not published")
        raise SystemExit(2)
    differences = assessment.check(published)
    click.echo(f"{month}: scheme version {published.scheme.version}, published "
               f"{published.published_at.isoformat()}")
    for d in differences:
        click.echo(f"  {d.kind} {d.unit_id}: published {d.stored} / recomputed from "
                   f"{d.source} {d.recomputed}  <-- differs")
    click.echo(f"{len(differences)} differences; checked in "
               f"{time.perf_counter() - started:.1f}s")
    if differences:
        raise SystemExit(1)
