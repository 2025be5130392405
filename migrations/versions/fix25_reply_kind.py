"""The kind and values of the reply kept with an inbound message, so that a reply given
again (a retried callback after a crash) goes through a template gateway as its own
template, not as the catch-all text.

Revision ID: fix25_reply_kind
Revises: camp_street_category
"""
import sqlalchemy as sa
from alembic import op

revision = 'fix25_reply_kind'
down_revision = 'camp_street_category'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sms_inbound', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_kind', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('reply_params', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('sms_inbound', schema=None) as batch_op:
        batch_op.drop_column('reply_params')
        batch_op.drop_column('reply_kind')
