"""evaluation rounds (an upheld appeal re-opens evaluation) and superseded announcements

Path.evaluation_round and EvaluatorAssignment.round (both 1 for existing rows); one
assignment per (path, evaluator, round) instead of per (path, evaluator);
RankingSnapshot.superseded_at, and at most one announced snapshot per programme that is
not superseded.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OLD_WHERE = 'announced_at IS NOT NULL'
NEW_WHERE = 'announced_at IS NOT NULL AND superseded_at IS NULL'


def upgrade() -> None:
    with op.batch_alter_table('path', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evaluation_round', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_check_constraint(op.f('ck_path_evaluation_round_positive'), 'evaluation_round >= 1')

    with op.batch_alter_table('evaluator_assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=False, server_default='1'))
        batch_op.drop_constraint(op.f('uq_evaluator_assignment_path_id_evaluator_id'), type_='unique')
        batch_op.create_unique_constraint(op.f('uq_evaluator_assignment_path_id_evaluator_id_round'),
                                          ['path_id', 'evaluator_id', 'round'])

    with op.batch_alter_table('ranking_snapshot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('superseded_at', workflow.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.drop_index('uq_ranking_snapshot_one_announced', sqlite_where=sa.text(OLD_WHERE),
                            postgresql_where=sa.text(OLD_WHERE))
        batch_op.create_index('uq_ranking_snapshot_one_announced', ['programme_id'], unique=True,
                              sqlite_where=sa.text(NEW_WHERE), postgresql_where=sa.text(NEW_WHERE))


def downgrade() -> None:
    # Refused rather than losing history: a database with a second round or a superseded
    # announcement cannot go back to one round and one announcement.
    with op.batch_alter_table('ranking_snapshot', schema=None) as batch_op:
        batch_op.drop_index('uq_ranking_snapshot_one_announced', sqlite_where=sa.text(NEW_WHERE),
                            postgresql_where=sa.text(NEW_WHERE))
        batch_op.create_index('uq_ranking_snapshot_one_announced', ['programme_id'], unique=True,
                              sqlite_where=sa.text(OLD_WHERE), postgresql_where=sa.text(OLD_WHERE))
        batch_op.drop_column('superseded_at')

    with op.batch_alter_table('evaluator_assignment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_evaluator_assignment_path_id_evaluator_id_round'), type_='unique')
        batch_op.create_unique_constraint(op.f('uq_evaluator_assignment_path_id_evaluator_id'),
                                          ['path_id', 'evaluator_id'])
        batch_op.drop_column('round')

    with op.batch_alter_table('path', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_path_evaluation_round_positive'), type_='check')
        batch_op.drop_column('evaluation_round')
