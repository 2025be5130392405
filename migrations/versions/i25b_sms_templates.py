"""sms templates: the approved provider template of each outbound message kind; an outbox
message's kind and parameters

Revision ID: i25b_sms_templates
Revises: i19b_rating_per_closure
Create Date: 2026-12-07 21:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'i25b_sms_templates'
down_revision = 'i19b_rating_per_closure'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sms_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('template_id', sa.String(length=32), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('param_max', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'],
                                name=op.f('fk_sms_template_updated_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_template')),
        sa.UniqueConstraint('kind', name=op.f('uq_sms_template_kind')),
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('params')
        batch_op.drop_column('kind')
    op.drop_table('sms_template')
