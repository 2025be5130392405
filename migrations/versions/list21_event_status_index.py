"""An index of each case's events by time, holding their states (PostgreSQL: INCLUDE), so
that a case's last change of status (Open311's updated_datetime, read for every record of a
list) is found in the index alone, without reading the events themselves.

Built CONCURRENTLY on PostgreSQL: case_event is the largest table, and reports and staff
actions keep writing to it while the index is built.

Revision ID: list21_event_status_index
Revises: fix25_reply_kind
"""
from alembic import op

revision = 'list21_event_status_index'
down_revision = 'fix25_reply_kind'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            # A concurrent build that failed or was cancelled leaves an INVALID index behind,
            # which IF NOT EXISTS would then keep: drop it so that this run builds it.
            op.execute("""
                DO $$ BEGIN
                  IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                             WHERE c.relname = 'ix_case_event_case_at' AND NOT i.indisvalid)
                  THEN DROP INDEX ix_case_event_case_at;
                  END IF;
                END $$""")
            op.create_index('ix_case_event_case_at', 'case_event', ['case_id', 'at'],
                            unique=False, postgresql_include=['from_state', 'to_state'],
                            postgresql_concurrently=True, if_not_exists=True)
    else:
        op.create_index('ix_case_event_case_at', 'case_event', ['case_id', 'at'], unique=False)


def downgrade():
    op.drop_index('ix_case_event_case_at', table_name='case_event')
