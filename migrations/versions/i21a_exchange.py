"""exchange with other systems: partner keys, the change feed's indexes, webhooks

Revision ID: i21a_exchange
Revises: i20a_metrics_channel
"""
from alembic import op
import sqlalchemy as sa


revision = 'i21a_exchange'
down_revision = 'i20a_metrics_channel'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partner_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_api_key_partner_user_id_user', 'user',
                                    ['partner_user_id'], ['id'])
    # the change feed (updated_after/updated_before) and the updates feed read by time
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index('ix_case_updated', ['updated_at', 'id'], unique=False)
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index('ix_case_event_at', ['at', 'id'], unique=False)

    op.create_table(
        'webhook_subscriber',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('secret', sa.String(length=128), nullable=False),
        sa.Column('event_kinds', sa.JSON(), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_webhook_subscriber_created_by_id_user')),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'],
                                name=op.f('fk_webhook_subscriber_district_id_district')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscriber')),
    )
    op.create_table(
        'webhook_delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subscriber_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('idempotency_key', sa.String(length=64), nullable=False),
        sa.Column('body', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('give_up_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claim_token', sa.String(length=32), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('last_status_code', sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')",
                           name=op.f('ck_webhook_delivery_status')),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'],
                                name=op.f('fk_webhook_delivery_case_id_case')),
        sa.ForeignKeyConstraint(['event_id'], ['case_event.id'],
                                name=op.f('fk_webhook_delivery_event_id_case_event')),
        sa.ForeignKeyConstraint(['subscriber_id'], ['webhook_subscriber.id'],
                                name=op.f('fk_webhook_delivery_subscriber_id_webhook_subscriber')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_webhook_delivery_idempotency_key')),
        sa.UniqueConstraint('subscriber_id', 'event_id',
                            name=op.f('uq_webhook_delivery_subscriber_id')),
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_delivery_due', ['status', 'id'], unique=False)
        batch_op.create_index('ix_webhook_delivery_case', ['subscriber_id', 'case_id', 'id'],
                              unique=False)


def downgrade():
    op.drop_table('webhook_delivery')
    op.drop_table('webhook_subscriber')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index('ix_case_event_at')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_updated')
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_constraint('fk_api_key_partner_user_id_user', type_='foreignkey')
        batch_op.drop_column('partner_user_id')
