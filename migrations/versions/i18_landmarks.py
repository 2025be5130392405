"""landmarks, house numbers of roads, MMS photo claims

Revision ID: i18a_landmarks
Revises: i17a_photo_moderation
Create Date: 2026-12-07 17:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'i18a_landmarks'
down_revision = 'i17a_photo_moderation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'landmark',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('name_en', sa.String(length=128), nullable=False),
        sa.Column('aliases', sa.JSON(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('lng', sa.Float(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_landmark')),
        sa.UniqueConstraint('name', name=op.f('uq_landmark_name')),
    )
    with op.batch_alter_table('road', schema=None) as batch_op:
        batch_op.add_column(sa.Column('numbers', sa.JSON(), nullable=True))
    with op.batch_alter_table('sms_media', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('sms_media', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
    with op.batch_alter_table('road', schema=None) as batch_op:
        batch_op.drop_column('numbers')
    op.drop_table('landmark')
