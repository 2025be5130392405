"""patrol reports, the hotline operator and follow-up calls

Revision ID: i22a_patrol_hotline
Revises: i21a_exchange
Create Date: 2026-12-07 17:30:00

"""
from alembic import op
import sqlalchemy as sa



revision = 'i22a_patrol_hotline'
down_revision = 'i21a_exchange'
branch_labels = None
depends_on = None

ROLES_BEFORE = ("dispatcher", "road_chief", "team_member", "agency_staff", "inspector",
                "supervisor", "admin")
ROLES_AFTER = ("dispatcher", "road_chief", "team_member", "agency_staff", "inspector",
               "supervisor", "operator", "admin")
ACTIONS_BEFORE = (
    "submit", "support", "dispatch", "reject", "merge", "sign_for", "return", "reassign",
    "request_extension", "approve_extension", "refuse_extension", "request_hold",
    "approve_hold", "refuse_hold", "resume", "rectify", "verify_pass", "verify_fail", "close",
    "rate", "reopen", "add_note", "escalate", "hand_over",
)
SUBMITS = sa.text("actor_user_id IS NOT NULL AND action = 'submit'")


def _in(column, values):
    return f"{column} IN (" + ", ".join(repr(v) for v in values) + ")"


def upgrade():
    # The hotline operator is a staff role; an inspector may record a problem as fixed on
    # the spot (自行处置).
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_user_role"), type_="check")
        batch_op.create_check_constraint("role", _in("role", ROLES_AFTER))
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_case_event_action"), type_="check")
        batch_op.create_check_constraint("action", _in("action", ACTIONS_BEFORE
                                                       + ("self_handle",)))
        batch_op.create_index("ix_case_event_actor_user", ["actor_user_id", "at"],
                              unique=False, postgresql_where=SUBMITS, sqlite_where=SUBMITS)

    op.create_table(
        "intake_rule",
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("dispatch_at_once", sa.Boolean(), nullable=False),
        sa.CheckConstraint("channel IN ('patrol', 'hotline')",
                           name=op.f("ck_intake_rule_channel")),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"],
                                name=op.f("fk_intake_rule_category_id_category")),
        sa.PrimaryKeyConstraint("channel", "category_id", name=op.f("pk_intake_rule")),
    )
    op.create_table(
        "follow_up_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("words", sa.Text(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=True),
        sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("score IS NULL OR score IN (1, 2, 3)",
                           name=op.f("ck_follow_up_call_score")),
        sa.CheckConstraint("reached OR score IS NULL",
                           name=op.f("ck_follow_up_call_reached_score")),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"],
                                name=op.f("fk_follow_up_call_case_id_case")),
        sa.ForeignKeyConstraint(["operator_id"], ["user.id"],
                                name=op.f("fk_follow_up_call_operator_id_user")),
        sa.ForeignKeyConstraint(["rating_id"], ["rating.id"],
                                name=op.f("fk_follow_up_call_rating_id_rating")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_call")),
    )
    with op.batch_alter_table("follow_up_call", schema=None) as batch_op:
        batch_op.create_index("ix_follow_up_call_case", ["case_id", "at"], unique=False)
        handed = sa.text("handed_over_at IS NOT NULL")
        batch_op.create_index("ix_follow_up_call_handed", ["handed_over_at"], unique=False,
                              postgresql_where=handed, sqlite_where=handed)


def downgrade():
    op.drop_table("follow_up_call")
    op.drop_table("intake_rule")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index("ix_case_event_actor_user", postgresql_where=SUBMITS,
                            sqlite_where=SUBMITS)
        batch_op.drop_constraint(batch_op.f("ck_case_event_action"), type_="check")
        batch_op.create_check_constraint("action", _in("action", ACTIONS_BEFORE))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_user_role"), type_="check")
        batch_op.create_check_constraint("role", _in("role", ROLES_BEFORE))
