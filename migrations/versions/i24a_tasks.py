"""task lists (任务清单), their tasks, evidence and photos; special campaigns (专项整治)

Revision ID: i24a_tasks
Revises: i23a_privacy
Create Date: 2026-12-07 20:55:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'i24a_tasks'
down_revision = 'i23a_privacy'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'campaign',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=True),
        sa.Column('district_ids', sa.JSON(), nullable=False),
        sa.Column('street_ids', sa.JSON(), nullable=False),
        sa.Column('area_ids', sa.JSON(), nullable=False),
        sa.Column('category_ids', sa.JSON(), nullable=False),
        sa.Column('first', sa.Date(), nullable=False),
        sa.Column('last', sa.Date(), nullable=False),
        sa.Column('target_on_time', sa.Float(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('last >= first', name=op.f('ck_campaign_period')),
        sa.CheckConstraint('target_on_time > 0 AND target_on_time <= 1',
                           name=op.f('ck_campaign_target')),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'],
                                name=op.f('fk_campaign_district_id_district')),
        sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_campaign_owner_id_user')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_campaign_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign')),
    )
    op.create_index('ix_campaign_period', 'campaign', ['first', 'last'])
    op.create_index(op.f('ix_campaign_district_id'), 'campaign', ['district_id'])

    op.create_table(
        'task_list',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=80), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=True),
        sa.Column('campaign_id', sa.Integer(), nullable=True),
        sa.Column('first', sa.Date(), nullable=False),
        sa.Column('last', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_task_list_status')),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'],
                                name=op.f('fk_task_list_district_id_district')),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'],
                                name=op.f('fk_task_list_campaign_id_campaign')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_task_list_created_by_id_user')),
        sa.ForeignKeyConstraint(['published_by_id'], ['user.id'],
                                name=op.f('fk_task_list_published_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task_list')),
    )
    op.create_index(op.f('ix_task_list_district_id'), 'task_list', ['district_id'])
    op.create_index(op.f('ix_task_list_campaign_id'), 'task_list', ['campaign_id'])

    op.create_table(
        'task',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_list_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('place', sa.String(length=120), nullable=False),
        sa.Column('problem', sa.Text(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('district_id', sa.Integer(), nullable=True),
        sa.Column('street_id', sa.Integer(), nullable=True),
        sa.Column('area_id', sa.Integer(), nullable=True),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('lng', sa.Float(), nullable=True),
        sa.Column('evidence_count', sa.Integer(), nullable=False),
        sa.Column('assignee_kind', sa.String(length=8), nullable=True),
        sa.Column('assignee_street_id', sa.Integer(), nullable=True),
        sa.Column('assignee_agency_id', sa.Integer(), nullable=True),
        sa.Column('assignee_user_id', sa.Integer(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('close_note', sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_task_status')),
        sa.CheckConstraint("assignee_kind IS NULL OR assignee_kind IN ('street', 'agency', "
                           "'chief')", name=op.f('ck_task_assignee_kind')),
        sa.ForeignKeyConstraint(['task_list_id'], ['task_list.id'],
                                name=op.f('fk_task_task_list_id_task_list')),
        sa.ForeignKeyConstraint(['category_id'], ['category.id'],
                                name=op.f('fk_task_category_id_category')),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'],
                                name=op.f('fk_task_district_id_district')),
        sa.ForeignKeyConstraint(['street_id'], ['street.id'],
                                name=op.f('fk_task_street_id_street')),
        sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_task_area_id_area')),
        sa.ForeignKeyConstraint(['assignee_street_id'], ['street.id'],
                                name=op.f('fk_task_assignee_street_id_street')),
        sa.ForeignKeyConstraint(['assignee_agency_id'], ['agency.id'],
                                name=op.f('fk_task_assignee_agency_id_agency')),
        sa.ForeignKeyConstraint(['assignee_user_id'], ['user.id'],
                                name=op.f('fk_task_assignee_user_id_user')),
        sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'],
                                name=op.f('fk_task_closed_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task')),
    )
    op.create_index(op.f('ix_task_task_list_id'), 'task', ['task_list_id'])
    op.create_index('ix_task_assignee_user', 'task', ['assignee_user_id', 'status'])
    op.create_index('ix_task_assignee_agency', 'task', ['assignee_agency_id', 'status'])
    op.create_index('ix_task_assignee_street', 'task', ['assignee_street_id', 'status'])

    op.create_table(
        'task_case',
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_case_task_id_task')),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_task_case_case_id_case')),
        sa.PrimaryKeyConstraint('task_id', 'case_id', name=op.f('pk_task_case')),
    )
    op.create_index(op.f('ix_task_case_case_id'), 'task_case', ['case_id'])

    op.create_table(
        'task_photo',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('storage_key', sa.String(length=80), nullable=False),
        sa.Column('content_type', sa.String(length=32), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_photo_task_id_task')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task_photo')),
    )
    op.create_index(op.f('ix_task_photo_task_id'), 'task_photo', ['task_id'])


def downgrade():
    op.drop_index(op.f('ix_task_photo_task_id'), table_name='task_photo')
    op.drop_table('task_photo')
    op.drop_index(op.f('ix_task_case_case_id'), table_name='task_case')
    op.drop_table('task_case')
    for name in ('ix_task_assignee_street', 'ix_task_assignee_agency', 'ix_task_assignee_user'):
        op.drop_index(name, table_name='task')
    op.drop_index(op.f('ix_task_task_list_id'), table_name='task')
    op.drop_table('task')
    op.drop_index(op.f('ix_task_list_campaign_id'), table_name='task_list')
    op.drop_index(op.f('ix_task_list_district_id'), table_name='task_list')
    op.drop_table('task_list')
    op.drop_index(op.f('ix_campaign_district_id'), table_name='campaign')
    op.drop_index('ix_campaign_period', table_name='campaign')
    op.drop_table('campaign')
