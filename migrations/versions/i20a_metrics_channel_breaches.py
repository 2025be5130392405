"""metrics by channel, missed deadlines kept, published months frozen

The daily tables are derived data (``flask metrics rebuild`` fills them from the case
records and events), so they are dropped and made again with the channel in their keys;
run ``flask --app wsgi metrics rebuild`` once after this upgrade.

Revision ID: i20a_metrics_channel
Revises: i19a_ratings_and_sign_ins
"""
from alembic import op
import sqlalchemy as sa


revision = 'i20a_metrics_channel'
down_revision = 'i19a_ratings_and_sign_ins'
branch_labels = None
depends_on = None

COUNTERS = ('due', 'on_time', 'extended', 'signed', 'response_s', 'handled', 'handling_s',
            'closed', 'reworked', 'with_contact', 'r1', 'r2', 'r3')
BIG = ('response_s', 'handling_s')


def _counters():
    return [sa.Column(c, sa.BigInteger() if c in BIG else sa.Integer(), nullable=False)
            for c in COUNTERS]


def _day_keys():
    return [sa.Column('day', sa.Date(), nullable=False)] + [
        sa.Column(c, sa.Integer(), autoincrement=False, nullable=False)
        for c in ('district_id', 'street_id', 'area_id', 'category_id', 'assignee_user_id',
                  'assignee_agency_id')
    ] + [sa.Column('channel', sa.String(length=12), nullable=False)]


DAY_PK = ('day', 'district_id', 'street_id', 'area_id', 'category_id', 'assignee_user_id',
          'assignee_agency_id', 'channel')
DAY_INDEXES = (('ix_metric_day_district', 'district_id'), ('ix_metric_day_street', 'street_id'),
               ('ix_metric_day_area', 'area_id'), ('ix_metric_day_category', 'category_id'),
               ('ix_metric_day_user', 'assignee_user_id'),
               ('ix_metric_day_agency', 'assignee_agency_id'),
               ('ix_metric_day_channel', 'channel'))


def _drop_rollups():
    for name, _ in DAY_INDEXES:
        if name != 'ix_metric_day_channel' or _has_index('metric_day', name):
            op.drop_index(name, table_name='metric_day')
    op.drop_table('metric_day')
    op.drop_index('ix_metric_day_street_street', table_name='metric_day_street')
    op.drop_table('metric_day_street')
    op.drop_index('ix_metric_case_due_day', table_name='metric_case')
    op.drop_index('ix_metric_case_closed_day', table_name='metric_case')
    op.drop_table('metric_case')


def _has_index(table, name):
    return any(i['name'] == name for i in sa.inspect(op.get_bind()).get_indexes(table))


def _metric_case(channel: bool):
    cols = [sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False)] + [
        sa.Column(c, sa.Integer(), nullable=False)
        for c in ('district_id', 'street_id', 'area_id', 'category_id', 'assignee_user_id',
                  'assignee_agency_id')]
    if channel:
        cols.append(sa.Column('channel', sa.String(length=12), nullable=False))
    cols += [
        sa.Column('due_day', sa.Date(), nullable=True),
        sa.Column('on_time', sa.SmallInteger(), nullable=False),
        sa.Column('extended', sa.SmallInteger(), nullable=False),
        sa.Column('response_s', sa.Integer(), nullable=True),
        sa.Column('handling_s', sa.Integer(), nullable=True),
        sa.Column('closed_day', sa.Date(), nullable=True),
    ] + [sa.Column(c, sa.SmallInteger(), nullable=False)
         for c in ('reworked', 'with_contact', 'r1', 'r2', 'r3')]
    op.create_table('metric_case', *cols,
                    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_metric_case')))
    op.create_index('ix_metric_case_closed_day', 'metric_case', ['closed_day'])
    op.create_index('ix_metric_case_due_day', 'metric_case', ['due_day'])


def _rollups(channel: bool):
    keys = _day_keys() if channel else _day_keys()[:-1]
    pk = DAY_PK if channel else DAY_PK[:-1]
    op.create_table('metric_day', *keys, *_counters(),
                    sa.PrimaryKeyConstraint(*pk, name=op.f('pk_metric_day')))
    for name, col in DAY_INDEXES:
        if col != 'channel' or channel:
            op.create_index(name, 'metric_day', [col, 'day'])
    street_keys = [sa.Column('day', sa.Date(), nullable=False),
                   sa.Column('district_id', sa.Integer(), autoincrement=False, nullable=False),
                   sa.Column('street_id', sa.Integer(), autoincrement=False, nullable=False)]
    street_pk = ['day', 'district_id', 'street_id']
    if channel:
        street_keys.append(sa.Column('channel', sa.String(length=12), nullable=False))
        street_pk.append('channel')
    op.create_table('metric_day_street', *street_keys, *_counters(),
                    sa.PrimaryKeyConstraint(*street_pk, name=op.f('pk_metric_day_street')))
    op.create_index('ix_metric_day_street_street', 'metric_day_street', ['street_id', 'day'])


def upgrade():
    _drop_rollups()
    _metric_case(channel=True)
    _rollups(channel=True)
    op.create_table(
        'metric_breach',
        sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('extended', sa.SmallInteger(), nullable=False),
        *[sa.Column(c, sa.Integer(), nullable=False)
          for c in ('district_id', 'street_id', 'area_id', 'category_id', 'assignee_user_id',
                    'assignee_agency_id')],
        sa.Column('channel', sa.String(length=12), nullable=False),
        sa.Column('due_day', sa.Date(), nullable=False),
        sa.Column('response_s', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('case_id', 'due_at', name=op.f('pk_metric_breach')),
    )
    op.create_index('ix_metric_breach_due_day', 'metric_breach', ['due_day'])
    op.create_table(
        'published_month',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('first', sa.Date(), nullable=False),
        sa.Column('last', sa.Date(), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['published_by_id'], ['user.id'],
                                name=op.f('fk_published_month_published_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_published_month')),
    )
    op.create_index(op.f('ix_published_month_first'), 'published_month', ['first'])
    op.create_table(
        'published_day',
        sa.Column('publication_id', sa.Integer(), nullable=False),
        *_day_keys(), *_counters(),
        sa.ForeignKeyConstraint(['publication_id'], ['published_month.id'],
                                name=op.f('fk_published_day_publication_id_published_month')),
        sa.PrimaryKeyConstraint('publication_id', *DAY_PK, name=op.f('pk_published_day')),
    )


def downgrade():
    op.drop_table('published_day')
    op.drop_index(op.f('ix_published_month_first'), table_name='published_month')
    op.drop_table('published_month')
    op.drop_index('ix_metric_breach_due_day', table_name='metric_breach')
    op.drop_table('metric_breach')
    _drop_rollups()
    _metric_case(channel=False)
    _rollups(channel=False)
