"""daily counters by street and category (metric_day_street_category), for special
campaigns over districts and streets; filled from metric_day

Revision ID: camp_street_category
Revises: i25c_wechat
Create Date: 2026-12-07 22:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'camp_street_category'
down_revision = 'i25c_wechat'
branch_labels = None
depends_on = None


COUNTERS = ('due', 'on_time', 'extended', 'signed', 'response_s', 'handled', 'handling_s',
            'closed', 'reworked', 'with_contact', 'r1', 'r2', 'r3')
BIG = ('response_s', 'handling_s')


def upgrade():
    op.create_table('metric_day_street_category',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('district_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('street_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('category_id', sa.Integer(), autoincrement=False, nullable=False),
    *[sa.Column(c, sa.BigInteger() if c in BIG else sa.Integer(), nullable=False)
      for c in COUNTERS],
    sa.PrimaryKeyConstraint('day', 'district_id', 'street_id', 'category_id',
                            name=op.f('pk_metric_day_street_category'))
    )
    with op.batch_alter_table('metric_day_street_category', schema=None) as batch_op:
        batch_op.create_index('ix_metric_day_street_category_street', ['street_id', 'day'],
                              unique=False)
    sums = ', '.join(f'coalesce(sum({c}), 0)' for c in COUNTERS)
    op.execute(f"INSERT INTO metric_day_street_category (day, district_id, street_id, "
               f"category_id, {', '.join(COUNTERS)}) "
               f"SELECT day, district_id, street_id, category_id, {sums} FROM metric_day "
               f"GROUP BY day, district_id, street_id, category_id")


def downgrade():
    with op.batch_alter_table('metric_day_street_category', schema=None) as batch_op:
        batch_op.drop_index('ix_metric_day_street_category_street')
    op.drop_table('metric_day_street_category')
