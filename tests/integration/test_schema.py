"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(mc, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_database_check_constraints_guard_the_states(city, t0):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from app.models import Case

    case = Case(code="TESTCASE", category_id=1, description="x", channel="web",
                state="dispatched", created_at=t0, updated_at=t0)  # no assignee, no deadline
    db.session.add(case)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_accepts_every_action_and_state_of_the_workflow(city, t0):
    """Autogenerate does not compare CHECK constraints: this catches a workflow value that a
    migration forgot."""
    from sqlalchemy import update

    from app.models import Case, CaseEvent
    from app.services import cases, clock
    from app.services.actors import Actor
    from workflows.lifecycle import Action, State

    with clock.travel(t0):
        case = cases.submit(Actor.resident(), category_code="LD09", description="x",
                            lat=city.POINT[1], lng=city.POINT[0])
    for action in Action:
        db.session.add(CaseEvent(case_id=case.id, at=t0, action=action.value, to_state="closed",
                                 actor_role="system", data={}, version=1))
    db.session.flush()
    for state in (State.SUBMITTED, State.RETURNED, State.REJECTED, State.CLOSED):
        db.session.execute(update(Case).where(Case.id == case.id).values(state=state.value))
    db.session.rollback()
