"""The evaluation overview's revision per programme (docs/decisions/0044)

evaluation_revision: one number per programme, raised in the transaction that rewrites any of
its evaluation_summary lines (workflow/evaluation/summary.py), so the coordinator's overview
kept in a worker's memory for one revision is never shown for another. Every programme that
has lines starts at 1.

Only `down_revision` names the revision before it; nothing else here depends on it.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'evaluation_revision',
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('programme_id'),
    )
    op.execute("INSERT INTO evaluation_revision (programme_id, revision) "
               "SELECT DISTINCT programme_id, 1 FROM evaluation_summary")


def downgrade() -> None:
    op.drop_table('evaluation_revision')
