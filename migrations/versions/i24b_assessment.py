"""problem points, assessment schemes and months, market contractors, daily counters by
agency

Revision ID: i24b_assessment
Revises: i24a_tasks
Create Date: 2026-12-07 20:36:26.078189

"""
from alembic import op
import sqlalchemy as sa



revision = 'i24b_assessment'
down_revision = 'i24a_tasks'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('assessment_scheme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_assessment_scheme_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_scheme')),
    sa.UniqueConstraint('version', name=op.f('uq_assessment_scheme_version'))
    )
    op.create_table('problem_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('radius_m', sa.Float(), nullable=True),
    sa.Column('polygon', sa.JSON(), nullable=True),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.Column('min_lng', sa.Float(), nullable=False),
    sa.Column('max_lng', sa.Float(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('weeks', sa.SmallInteger(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("source IN ('hotspot', 'manual')", name=op.f('ck_problem_point_source')),
    sa.CheckConstraint('radius_m IS NOT NULL OR polygon IS NOT NULL', name=op.f('ck_problem_point_shape')),
    sa.CheckConstraint('weeks BETWEEN 1 AND 52', name=op.f('ck_problem_point_weeks')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_problem_point_area_id_area')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_problem_point_created_by_id_user')),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_problem_point_district_id_district')),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_problem_point_street_id_street')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_point'))
    )
    with op.batch_alter_table('problem_point', schema=None) as batch_op:
        batch_op.create_index('ix_problem_point_place', ['district_id', 'street_id'], unique=False)

    op.create_table('assessment_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first', sa.Date(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['publication_id'], ['published_month.id'], name=op.f('fk_assessment_month_publication_id_published_month')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_assessment_month_published_by_id_user')),
    sa.ForeignKeyConstraint(['scheme_id'], ['assessment_scheme.id'], name=op.f('fk_assessment_month_scheme_id_assessment_scheme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_month')),
    sa.UniqueConstraint('first', name=op.f('uq_assessment_month_first'))
    )
    op.create_table('assessment_score',
    sa.Column('month_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('unit_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('mark', sa.String(length=8), nullable=False),
    sa.Column('breakdown', sa.JSON(), nullable=False),
    sa.CheckConstraint("kind IN ('district', 'street', 'agency', 'contractor')", name=op.f('ck_assessment_score_kind')),
    sa.CheckConstraint("mark IN ('', 'red', 'black')", name=op.f('ck_assessment_score_mark')),
    sa.ForeignKeyConstraint(['month_id'], ['assessment_month.id'], name=op.f('fk_assessment_score_month_id_assessment_month')),
    sa.PrimaryKeyConstraint('month_id', 'kind', 'unit_id', name=op.f('pk_assessment_score'))
    )
    counters = ('due', 'on_time', 'extended', 'signed', 'response_s', 'handled', 'handling_s',
                'closed', 'reworked', 'with_contact', 'r1', 'r2', 'r3')
    big = ('response_s', 'handling_s')
    op.create_table('metric_day_agency',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('assignee_agency_id', sa.Integer(), autoincrement=False, nullable=False),
    *[sa.Column(c, sa.BigInteger() if c in big else sa.Integer(), nullable=False)
      for c in counters],
    sa.PrimaryKeyConstraint('day', 'assignee_agency_id', name=op.f('pk_metric_day_agency'))
    )
    sums = ', '.join(f'coalesce(sum({c}), 0)' for c in counters)
    op.execute(f"INSERT INTO metric_day_agency (day, assignee_agency_id, {', '.join(counters)}) "
               f"SELECT day, assignee_agency_id, {sums} FROM metric_day "
               f"GROUP BY day, assignee_agency_id")
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index('ix_case_lat_lng', ['lat', 'lng', 'created_at'], unique=False)
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('market_contractor', sa.Boolean(), server_default=sa.false(), nullable=False))




def downgrade():
    
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('market_contractor')

    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_lat_lng')
    op.drop_table('metric_day_agency')
    op.drop_table('assessment_score')
    op.drop_table('assessment_month')
    with op.batch_alter_table('problem_point', schema=None) as batch_op:
        batch_op.drop_index('ix_problem_point_place')

    op.drop_table('problem_point')
    op.drop_table('assessment_scheme')

