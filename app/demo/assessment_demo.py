"""The demo city's problem points and assessment: sanitation offices flagged as market
contractors, the default scoring scheme, a few problem points in each state (made at past
moments next to the history's own cases, so their status follows from real records), and
the last two complete months assessed and published. Idempotent: what exists is kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Agency, Case, Category, ProblemPoint, User
from app.services import assessment, clock, problem_points
from app.services.metrics_dashboard import add_months
from workflows import assessment as scheme_policy
from workflows import points as policy

PER_STATUS = 3
RADIUS_M = 40.0


def seed() -> None:
    supervisor = db.session.scalar(select(User).where(User.username == "city_supervisor"))
    for agency in db.session.scalars(select(Agency).where(Agency.handler == "sanitation")):
        agency.market_contractor = True
    if assessment.current_scheme() is None:
        assessment.save_scheme(None, "路长制月度考核办法（默认）", scheme_policy.DEFAULT_RULES)
    db.session.commit()
    if supervisor is None or not db.session.scalar(select(Case.id).where(Case.channel == "demo")
                                                   .limit(1)):
        return
    if not db.session.scalar(select(ProblemPoint.id).limit(1)):
        _points(supervisor)
    today = clock.to_local(clock.now()).date().replace(day=1)
    for first in (add_months(today, -2), add_months(today, -1)):
        if assessment.published(first) is None:
            assessment.publish(supervisor, first)


def _candidate(case, category_code: str, made, weeks: int) -> policy.Standing:
    minx, miny, maxx, maxy = policy.circle_bounds(case.lng, case.lat, RADIUS_M)
    trial = ProblemPoint(lat=case.lat, lng=case.lng, radius_m=RADIUS_M, polygon=None,
                         min_lat=miny, max_lat=maxy, min_lng=minx, max_lng=maxx,
                         categories=[category_code], weeks=weeks, created_at=made)
    return problem_points.standing(trial)


def _points(supervisor: User) -> None:
    weeks = problem_points.default_weeks()
    now = clock.now()
    wanted = {status: PER_STATUS for status in policy.STATUSES}
    rows = db.session.execute(
        select(Case, Category.code).join(Category, Category.id == Case.category_id)
        .where(Case.channel == "demo", Case.lat.is_not(None),
               Case.state.not_in(problem_points.NOT_SUBSTANTIATED))
        .order_by(Case.created_at.desc(), Case.id)).all()
    used: list[tuple[float, float]] = []
    for case, code in rows:
        if not any(wanted.values()):
            break
        if any(policy.metres(case.lng, case.lat, x, y) < 3 * RADIUS_M for x, y in used):
            continue
        t = case.created_at
        tries = [(policy.RECTIFYING, t - timedelta(hours=1)),
                 (policy.MET, t - timedelta(hours=1)),
                 (policy.REBOUND, t - timedelta(weeks=weeks, days=3))]
        for status, made in tries:
            if not wanted[status] or made > now:
                continue
            if _candidate(case, code, made, weeks).status != status:
                continue
            with clock.travel(made):
                problem_points.create(supervisor, problem_points.Draft(
                    name=f"{case.address or code}"[:40] + f" · {code}", lat=case.lat,
                    lng=case.lng, radius_m=RADIUS_M, categories=(code,), weeks=weeks,
                    source="hotspot" if status != policy.RECTIFYING else "manual"))
            wanted[status] -= 1
            used.append((case.lng, case.lat))
            break
