"""Deadline changes with their reasons: the town's history of its deadlines

deadline_change: one row per change of a stage deadline, for one town (path_id) or for the
whole programme (path_id NULL), with the value it replaced, the new one, the reason (at
least ten characters, also checked in the database) and who changed it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'deadline_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('path_id', sa.Integer(), nullable=True),
        sa.Column('stage', sa.String(length=40), nullable=False),
        sa.Column('due_before', workflow.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('due_after', workflow.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', workflow.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('length(reason) >= 10', name=op.f('ck_deadline_change_reason_given')),
        sa.CheckConstraint('due_before IS NULL OR due_before <> due_after',
                           name=op.f('ck_deadline_change_changes_something')),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'],
                                name=op.f('fk_deadline_change_actor_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['path_id'], ['path.id'],
                                name=op.f('fk_deadline_change_path_id_path'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'],
                                name=op.f('fk_deadline_change_programme_id_programme'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_change')),
    )
    with op.batch_alter_table('deadline_change', schema=None) as batch_op:
        batch_op.create_index('ix_deadline_change_programme_path', ['programme_id', 'path_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deadline_change', schema=None) as batch_op:
        batch_op.drop_index('ix_deadline_change_programme_path')
    op.drop_table('deadline_change')
