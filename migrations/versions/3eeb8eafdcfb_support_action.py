"""support action

Revision ID: 3eeb8eafdcfb
Revises: 74c5813c476c
Create Date: 2026-11-25 08:13:11.827095

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3eeb8eafdcfb'
down_revision = '74c5813c476c'
branch_labels = None
depends_on = None


ACTIONS_BEFORE = (
    "submit", "dispatch", "reject", "merge", "sign_for", "return", "reassign",
    "request_extension", "approve_extension", "refuse_extension", "request_hold",
    "approve_hold", "refuse_hold", "resume", "rectify", "verify_pass", "verify_fail", "close",
    "rate", "reopen", "add_note", "escalate",
)


def _check(actions):
    return "action IN (" + ", ".join(repr(a) for a in actions) + ")"


def upgrade():
    # A resident may "support" an open case (report the same problem) instead of
    # duplicating it: one more action value in the event record.
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_case_event_action"), type_="check")
        batch_op.create_check_constraint("action", _check(ACTIONS_BEFORE + ("support",)))


def downgrade():
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_case_event_action"), type_="check")
        batch_op.create_check_constraint("action", _check(ACTIONS_BEFORE))
