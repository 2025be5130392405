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
