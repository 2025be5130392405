"""The demo city loads through the real CLI, and loading it twice changes nothing."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Agency, Area, Case, Category, District, Street, User


def _counts():
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (District, Street, Area, User, Agency, Category, Case)}


def test_seed_demo_is_complete_and_idempotent(ctx):
    runner = ctx.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--cases", "60"])
    assert result.exit_code == 0, result.output
    first = _counts()
    assert first["District"] >= 5 and first["Area"] >= 100 and first["Category"] == 21
    assert first["Case"] >= 60
    # Every area has a road chief and a team; every handler has an agency in every district.
    assert db.session.scalar(select(func.count()).select_from(Area).where(
        Area.road_chief_id.is_(None))) == 0
    handlers = {c.handler for c in db.session.scalars(select(Category))} - {"road_chief"}
    for district in db.session.scalars(select(District)):
        have = set(db.session.scalars(select(Agency.handler).where(
            Agency.district_id == district.id)))
        assert handlers <= have
    # One login per role.
    roles = set(db.session.scalars(select(User.role).where(User.username.in_(
        ["admin", "dispatcher", "chief", "team", "agency", "inspector", "street_supervisor",
         "district_supervisor", "city_supervisor"]))))
    assert roles == {"admin", "dispatcher", "road_chief", "team_member", "agency_staff",
                     "inspector", "supervisor"}
    states = set(db.session.scalars(select(Case.state).distinct()))
    assert {"closed", "submitted"} <= states

    again = runner.invoke(args=["seed-demo", "--cases", "60"])
    assert again.exit_code == 0, again.output
    assert _counts() == first


def test_the_demo_has_an_operator_and_a_patrolling_inspector_with_work_to_show(ctx):
    from app.services import follow_up, hotline, patrol
    from app.services.demo_intake import DEMO_CALLER

    result = ctx.test_cli_runner().invoke(args=["seed-demo", "--cases", "80"])
    assert result.exit_code == 0, result.output
    operator = db.session.scalar(select(User).where(User.username == "operator"))
    inspector = db.session.scalar(select(User).where(User.username == "patrol"))
    assert operator.role == "operator" and operator.level == "city"
    assert inspector.role == "inspector" and inspector.street_id is not None
    today = patrol.today(inspector)
    assert len(today) == 3 and sum(fixed for _c, fixed in today) == 1
    assert {c.state for c, _f in today} >= {"dispatched", "submitted", "closed"}
    assert len(hotline.caller_cases(operator, DEMO_CALLER)) == 2
    assert follow_up.due(operator)  # unrated and dissatisfied closed cases to call back
