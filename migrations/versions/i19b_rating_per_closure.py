"""a rating belongs to one closure of its case: a resident may rate again after a reopen

Revision ID: i19b_rating_per_closure
Revises: i24b_assessment
Create Date: 2026-12-07 21:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'i19b_rating_per_closure'
down_revision = 'i24b_assessment'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closure_at', sa.DateTime(timezone=True), nullable=True))
    # Until now a person rated a case once: that rating belongs to the closure it followed,
    # the case's latest closure before it.
    op.execute(
        "UPDATE rating SET closure_at = COALESCE("
        "(SELECT c.closed_at FROM \"case\" c WHERE c.id = rating.case_id "
        "AND c.closed_at <= rating.at), rating.at)")
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.alter_column('closure_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)
        batch_op.drop_constraint('uq_rating_case_id', type_='unique')
        batch_op.create_unique_constraint('uq_rating_case_id',
                                          ['case_id', 'contact_id', 'closure_at'])


def downgrade():
    # Keep each person's latest rating of a case, as the figures counted it.
    op.execute(
        "DELETE FROM rating WHERE EXISTS (SELECT 1 FROM rating r2 WHERE "
        "r2.case_id = rating.case_id AND r2.contact_id = rating.contact_id "
        "AND r2.closure_at > rating.closure_at)")
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_constraint('uq_rating_case_id', type_='unique')
        batch_op.create_unique_constraint('uq_rating_case_id', ['case_id', 'contact_id'])
        batch_op.drop_column('closure_at')
