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
