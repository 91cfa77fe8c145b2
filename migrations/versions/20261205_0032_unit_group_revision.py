"""unit_group.revision: raised with every change of a group in place (docs/decisions/0049)

The pages of the indicator base keep their choice of groups per data version (cache.stamp),
which now reads the sum of the groups' revisions: `flask groups standard` renaming a group or
changing its definition or a list's members in place raises it. Existing rows start at 1.

Only `down_revision` names the revision before it; nothing else here depends on it.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('unit_group') as batch:
        batch.add_column(sa.Column('revision', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('unit_group') as batch:
        batch.drop_column('revision')
