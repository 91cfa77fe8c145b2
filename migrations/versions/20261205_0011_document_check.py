"""document_check: the results of `documents check` (by hand or by the daily beat run)

One row per run: when, whether it repaired, whether the upload store and the document rows
agree afterwards, and the counts by kind. The coordinator's overview shows the latest.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'document_check',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('started_at', workflow.models.types.UTCDateTime(), nullable=False),
        sa.Column('finished_at', workflow.models.types.UTCDateTime(), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('repaired', sa.Boolean(), nullable=False),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_check')),
    )
    op.create_index(op.f('ix_document_check_finished_at'), 'document_check', ['finished_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_document_check_finished_at'), table_name='document_check')
    op.drop_table('document_check')
