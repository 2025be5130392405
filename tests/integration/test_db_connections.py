"""A pooled database connection that the server closed while it sat idle (a restart, a
fail-over, an idle timeout) is replaced before a request uses it: the resident sees the
page, not an error."""

from sqlalchemy import create_engine, text

from app.database import ping_after_idle
from tests.conftest import IS_POSTGRES, need


def test_a_connection_closed_while_idle_is_replaced_before_use(app):
    need("PostgreSQL", IS_POSTGRES)
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1)
    ping_after_idle(engine, seconds=0)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        with other.begin() as admin:  # another client ends the idle one
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        other.dispose()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != first
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_not_checked_first(app):
    need("PostgreSQL", IS_POSTGRES)
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1)
    ping_after_idle(engine, seconds=60)
    statements = []
    from sqlalchemy import event

    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        event.listen(engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
        with engine.connect() as conn:
            conn.execute(text("SELECT 2"))
        assert statements == ["SELECT 2"]  # no ping before it
    finally:
        engine.dispose()


def test_by_default_a_connection_killed_just_before_use_never_reaches_a_request(app, ctx):
    """A restart under load: the connection was in use a moment ago, then the server
    ended it. The app's own engine checks it at checkout (DB_PRE_PING) and reconnects."""
    need("PostgreSQL", IS_POSTGRES)
    from app.extensions import db

    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    with db.engine.connect() as conn:
        pids = {conn.execute(text("SELECT pg_backend_pid()")).scalar()}
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.begin() as admin:
        for pid in pids:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()
    response = app.test_client().get("/cases")
    assert response.status_code == 200


def test_a_connection_lost_after_the_answer_was_made_does_not_turn_it_into_a_500(app, ctx):
    """The database restarts between the view's answer and the end of the request: the
    session's ROLLBACK fails at teardown. The connection is thrown away; the answer stands
    (before, the server itself answered a bare 500)."""
    need("PostgreSQL", IS_POSTGRES)
    from app import guards
    from app.extensions import db

    assert app.teardown_appcontext_funcs[-1] is guards.end_session  # runs first
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()  # in a transaction
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.begin() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()
    guards.end_session(None)  # the teardown: no error escapes
    assert db.session.execute(text("SELECT 1")).scalar() == 1  # a fresh connection next


def test_a_statement_run_again_and_again_is_planned_for_its_own_values(app, ctx):
    """psycopg prepares a statement after five runs on a connection and PostgreSQL would
    then switch it to a generic plan (made without the parameters' values) five runs
    later: the figures' range reads took a plan meant for a few thousand rows. The app's
    connections keep planning every run for its values, across requests."""
    need("PostgreSQL", IS_POSTGRES)
    from datetime import date

    from app.extensions import db

    query = text("SELECT count(*) FROM metric_day WHERE day BETWEEN :first AND :last")
    with db.engine.connect() as conn:
        for n in range(15):
            conn.execute(query, {"first": date(2026, 1, 1), "last": date(2026, 12, n % 28 + 1)})
            conn.commit()  # a request that wrote (its staff session's last use): psycopg
            # keeps its prepared statements (a rollback would drop them all)
        assert conn.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        plans = conn.execute(text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE 'SELECT count(*) FROM metric_day%'")).all()
    assert plans, "psycopg prepared the statement"
    assert plans[0].generic_plans == 0 and plans[0].custom_plans >= 5
