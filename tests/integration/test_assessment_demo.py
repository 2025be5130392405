"""The demo city opens on problem points in every state and two assessed months, and loading
it twice changes none of them."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Agency, AssessmentMonth, AssessmentScore, ProblemPoint, User
from app.services import assessment, clock, problem_points
from app.services.metrics_dashboard import add_months


def test_the_demo_has_points_in_every_state_and_two_published_months(ctx):
    runner = ctx.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    supervisor = db.session.scalar(select(User).where(User.username == "city_supervisor"))
    rows = problem_points.listing(supervisor)
    assert set(problem_points.counts(rows).values()) != {0}
    assert all(n >= 1 for n in problem_points.counts(rows).values()), \
        problem_points.counts(rows)
    months = assessment.published_months()
    this_month = clock.to_local(clock.now()).date().replace(day=1)
    assert [m.first for m in months] == [add_months(this_month, -1), add_months(this_month, -2)]
    for month in months:
        scored = db.session.scalars(select(AssessmentScore).where(
            AssessmentScore.month_id == month.id, AssessmentScore.score.is_not(None))).all()
        assert {s.kind for s in scored} >= {"district", "street", "contractor"}
        assert any(s.mark == "red" for s in scored)
        assert assessment.check(month) == []
    assert db.session.scalar(select(func.count()).select_from(Agency)
                             .where(Agency.market_contractor.is_(True))) >= 1

    before = (db.session.scalar(select(func.count()).select_from(ProblemPoint)),
              db.session.scalar(select(func.count()).select_from(AssessmentMonth)))
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert (db.session.scalar(select(func.count()).select_from(ProblemPoint)),
            db.session.scalar(select(func.count()).select_from(AssessmentMonth))) == before
