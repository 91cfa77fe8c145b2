"""H-worker: outbox delivery fields, reminder claims, programme reminder offsets

Notification: programme, link, inbox flag, next_attempt_at, claimed_until (a worker's
lease), message_id, and a 'skipped' status (email switched off); reminder_claim, the
unique key that makes each reminder go out once; Programme.reminder_offsets.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types

UTC_DT = workflow.models.types.UTCDateTime(timezone=True)
OLD_STATUSES = "status IN ('pending', 'sent', 'failed')"
NEW_STATUSES = "status IN ('pending', 'sent', 'failed', 'skipped')"

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('link', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('inbox', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('next_attempt_at', UTC_DT, nullable=True))
        batch_op.add_column(sa.Column('claimed_until', UTC_DT, nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_notification_programme_id_programme'), 'programme',
                                    ['programme_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_notification_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index('ix_notification_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.drop_constraint(op.f('ck_notification_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notification_status_known'), NEW_STATUSES)

    op.create_table('reminder_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('due_at', UTC_DT, nullable=False),
    sa.Column('offset_days', sa.Integer(), nullable=False),
    sa.Column('created_at', UTC_DT, nullable=False),
    sa.CheckConstraint("kind IN ('deadline', 'sheet')", name=op.f('ck_reminder_claim_kind_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_claim')),
    sa.UniqueConstraint('kind', 'subject_id', 'due_at', 'offset_days',
                        name=op.f('uq_reminder_claim_kind_subject_id_due_at_offset_days'))
    )
    with op.batch_alter_table('reminder_claim', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_claim_due_at', ['due_at'], unique=False)

    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_offsets', sa.String(length=40), nullable=False,
                                      server_default='14,7,3,1'))


def downgrade() -> None:
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_column('reminder_offsets')

    op.drop_table('reminder_claim')

    op.execute("UPDATE notification SET status = 'sent' WHERE status = 'skipped'")
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notification_status_known'), OLD_STATUSES)
        batch_op.drop_index('ix_notification_due')
        batch_op.drop_index(batch_op.f('ix_notification_programme_id'))
        batch_op.drop_constraint(batch_op.f('fk_notification_programme_id_programme'), type_='foreignkey')
        batch_op.drop_column('message_id')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('inbox')
        batch_op.drop_column('link')
        batch_op.drop_column('programme_id')
