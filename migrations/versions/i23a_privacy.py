"""privacy: when a contact's phone number was anonymised; audit entries for views,
exports and erasures of personal data

Revision ID: i23a_privacy
Revises: i22a_patrol_hotline
Create Date: 2026-12-07 17:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'i23a_privacy'
down_revision = 'i22a_patrol_hotline'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audit_entry_action'), type_='check')
        batch_op.create_check_constraint(
            'action', "action IN ('create', 'update', 'delete', 'view', 'export', 'erase')")


def downgrade():
    op.execute("DELETE FROM audit_entry WHERE action IN ('view', 'export', 'erase')")
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audit_entry_action'), type_='check')
        batch_op.create_check_constraint('action', "action IN ('create', 'update', 'delete')")
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
