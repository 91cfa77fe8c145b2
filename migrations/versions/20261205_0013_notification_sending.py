"""H-outage: a 'sending' state for the outbox, and when the last SMTP DATA began

notification.status may be 'sending': committed in a short transaction of its own right
before the SMTP DATA command, so a message the server may already hold is not sent again
until its lease (claimed_until) has run out (docs/decisions/0022).
notification.sending_at: when that last DATA began.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types

OLD_STATUSES = "status IN ('pending', 'sent', 'failed', 'skipped')"
NEW_STATUSES = "status IN ('pending', 'sending', 'sent', 'failed', 'skipped')"

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sending_at', workflow.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.drop_constraint(op.f('ck_notification_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notification_status_known'), NEW_STATUSES)


def downgrade() -> None:
    # A message caught mid-send goes back to 'pending': sent again, with the same Message-ID.
    op.execute("UPDATE notification SET status = 'pending' WHERE status = 'sending'")
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notification_status_known'), OLD_STATUSES)
        batch_op.drop_column('sending_at')
