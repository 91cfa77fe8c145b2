"""Improvement plans of the exchange groups' cities (docs/decisions/0042)

improvement_plan (a city's goals in its group), plan_action (what, who, by when),
plan_target (an indicator's baseline and target; progress is read from the values).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'improvement_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('goals', sa.Text(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', workflow.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['exchange_group.id'], ondelete='CASCADE',
                                name=op.f('fk_improvement_plan_group_id_exchange_group')),
        sa.ForeignKeyConstraint(['unit_id'], ['territorial_unit.id'], ondelete='CASCADE',
                                name=op.f('fk_improvement_plan_unit_id_territorial_unit')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], ondelete='SET NULL',
                                name=op.f('fk_improvement_plan_updated_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_plan')),
        sa.UniqueConstraint('group_id', 'unit_id', name=op.f('uq_improvement_plan_group_id_unit_id')),
    )
    op.create_index(op.f('ix_improvement_plan_unit_id'), 'improvement_plan', ['unit_id'])
    op.create_table(
        'plan_action',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(300), nullable=False),
        sa.Column('owner', sa.String(200), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['improvement_plan.id'], ondelete='CASCADE',
                                name=op.f('fk_plan_action_plan_id_improvement_plan')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_action')),
    )
    op.create_index(op.f('ix_plan_action_plan_id'), 'plan_action', ['plan_id'])
    op.create_table(
        'plan_target',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('indicator_id', sa.Integer(), nullable=False),
        sa.Column('baseline_year', sa.Integer(), nullable=False),
        sa.Column('baseline_value', sa.Double(), nullable=False),
        sa.Column('target_year', sa.Integer(), nullable=False),
        sa.Column('target_value', sa.Double(), nullable=False),
        sa.CheckConstraint('target_year > baseline_year', name=op.f('ck_plan_target_target_after_baseline')),
        sa.CheckConstraint('baseline_year BETWEEN 2000 AND 2100 AND target_year BETWEEN 2000 AND 2100',
                           name=op.f('ck_plan_target_years_plausible')),
        sa.ForeignKeyConstraint(['plan_id'], ['improvement_plan.id'], ondelete='CASCADE',
                                name=op.f('fk_plan_target_plan_id_improvement_plan')),
        sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'],
                                name=op.f('fk_plan_target_indicator_id_indicator')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_target')),
        sa.UniqueConstraint('plan_id', 'indicator_id', name=op.f('uq_plan_target_plan_id_indicator_id')),
    )
    op.create_index(op.f('ix_plan_target_plan_id'), 'plan_target', ['plan_id'])
    op.create_index(op.f('ix_plan_target_indicator_id'), 'plan_target', ['indicator_id'])


def downgrade() -> None:
    op.drop_table('plan_target')
    op.drop_table('plan_action')
    op.drop_table('improvement_plan')
