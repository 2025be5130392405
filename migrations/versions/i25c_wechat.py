"""wechat: a resident's WeChat identity (the official account's OpenID) on their contact

Revision ID: i25c_wechat
Revises: i25b_sms_templates
Create Date: 2026-12-07 21:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'i25c_wechat'
down_revision = 'i25b_sms_templates'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wechat_openid', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(op.f('uq_contact_wechat_openid'), ['wechat_openid'])


def downgrade():
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_contact_wechat_openid'), type_='unique')
        batch_op.drop_column('wechat_openid')
