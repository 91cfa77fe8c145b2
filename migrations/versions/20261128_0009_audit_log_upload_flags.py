"""H-audit: audit log, upload flags

(Placeholder in the chain; filled by the work it names. Empty until then.)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import workflow.models.types  # noqa: F401

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
