"""photo moderation: a photo staff hid from the public, when and why

Revision ID: i17a_photo_moderation
Revises: 42f5a7885e7d
Create Date: 2026-12-07 18:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'i17a_photo_moderation'
down_revision = '42f5a7885e7d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hidden_reason', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('hidden_at')
