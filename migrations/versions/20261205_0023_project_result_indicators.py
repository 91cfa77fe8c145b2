"""Projects' result indicators (docs/decisions/0040)

project_result_indicator: an indicator of the base a project (of an RL application or of a
partnership's package) is to move, with its baseline year and value and its target year and
value.

Only `down_revision` names the revision before it; nothing else here depends on it.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-19 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'project_result_indicator',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('indicator_id', sa.Integer(), nullable=False),
        sa.Column('baseline_year', sa.Integer(), nullable=False),
        sa.Column('baseline_value', sa.Double(), nullable=False),
        sa.Column('target_year', sa.Integer(), nullable=False),
        sa.Column('target_value', sa.Double(), nullable=False),
        sa.Column('created_at', workflow.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint('target_year > baseline_year',
                           name=op.f('ck_project_result_indicator_target_after_baseline')),
        sa.CheckConstraint('baseline_year BETWEEN 2000 AND 2100 AND target_year BETWEEN 2000 AND 2100',
                           name=op.f('ck_project_result_indicator_years_plausible')),
        sa.ForeignKeyConstraint(['project_id'], ['project.id'], ondelete='CASCADE',
                                name=op.f('fk_project_result_indicator_project_id_project')),
        sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'],
                                name=op.f('fk_project_result_indicator_indicator_id_indicator')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_project_result_indicator')),
        sa.UniqueConstraint('project_id', 'indicator_id',
                            name=op.f('uq_project_result_indicator_project_id_indicator_id')),
    )
    op.create_index(op.f('ix_project_result_indicator_project_id'), 'project_result_indicator', ['project_id'])
    op.create_index(op.f('ix_project_result_indicator_indicator_id'), 'project_result_indicator',
                    ['indicator_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_project_result_indicator_indicator_id'), table_name='project_result_indicator')
    op.drop_index(op.f('ix_project_result_indicator_project_id'), table_name='project_result_indicator')
    op.drop_table('project_result_indicator')
