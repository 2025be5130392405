"""/supervise/rating-origins: a unit's ratings that came from a staff network or from one
network for several cases, for the period chosen (a month by default)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import render_template
from flask_login import login_required

from app.services import clock, rating_origins
from app.supervise import bp
from app.supervise.query import read_period, require_supervisor


@bp.get("/rating-origins")
@login_required
def rating_origins_page():
    user = require_supervisor()
    period = read_period()
    start = clock.from_local(datetime.combine(period.first, datetime.min.time()))
    end = clock.from_local(datetime.combine(period.last + timedelta(days=1), datetime.min.time()))
    findings = rating_origins.unusual(user, start, end)
    return render_template("supervise/rating_origins.html", findings=findings, period=period,
                           repeated=rating_origins.REPEATED_CASES)
