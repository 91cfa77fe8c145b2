"""The services report's revision per programme (docs/decisions/0046)

service_total_revision: one number per programme, raised in the transaction that changes any of
its service_total lines or a name the report shows (workflow/advice/service_totals.py), so the
coordinator's report kept as drawn in a worker's memory for one revision is never shown for
another. Every programme that has totals starts at 1.

Only `down_revision` names the revision before it; nothing else here depends on it.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'service_total_revision',
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('programme_id'),
    )
    op.execute("INSERT INTO service_total_revision (programme_id, revision) "
               "SELECT DISTINCT programme_id, 1 FROM service_total")


def downgrade() -> None:
    op.drop_table('service_total_revision')
