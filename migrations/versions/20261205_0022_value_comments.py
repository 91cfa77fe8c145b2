"""Cities' comments on their published indicator values; the provisional values' index (docs/decisions/0039)

value_comment: a city's comment on one of its own published values (unit × indicator × year),
shown publicly with the city's name; the analyst may hide it with a reason.
ix_variable_value_provisional: a partial index of the few provisional values, which the public
pages leave out.

Only `down_revision` names the revision before it; nothing else here depends on it.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'value_comment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('indicator_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', workflow.models.types.UTCDateTime(), nullable=False),
        sa.Column('hidden_at', workflow.models.types.UTCDateTime(), nullable=True),
        sa.Column('hidden_by_id', sa.Integer(), nullable=True),
        sa.Column('hidden_reason', sa.Text(), nullable=True),
        sa.CheckConstraint('hidden_at IS NULL OR hidden_reason IS NOT NULL',
                           name=op.f('ck_value_comment_hidden_has_reason')),
        sa.ForeignKeyConstraint(['unit_id'], ['territorial_unit.id'], ondelete='CASCADE',
                                name=op.f('fk_value_comment_unit_id_territorial_unit')),
        sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], ondelete='CASCADE',
                                name=op.f('fk_value_comment_indicator_id_indicator')),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], ondelete='SET NULL',
                                name=op.f('fk_value_comment_author_id_user_account')),
        sa.ForeignKeyConstraint(['hidden_by_id'], ['user_account.id'], ondelete='SET NULL',
                                name=op.f('fk_value_comment_hidden_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_value_comment')),
    )
    op.create_index(op.f('ix_value_comment_unit_id'), 'value_comment', ['unit_id', 'indicator_id', 'year'])
    op.create_index(op.f('ix_value_comment_indicator_id'), 'value_comment', ['indicator_id', 'year'])
    op.create_index('ix_variable_value_provisional', 'variable_value', ['variable_id', 'year', 'unit_id'],
                    sqlite_where=sa.text("status = 'provisional'"),
                    postgresql_where=sa.text("status = 'provisional'"))


def downgrade() -> None:
    op.drop_index('ix_variable_value_provisional', table_name='variable_value')
    op.drop_index(op.f('ix_value_comment_indicator_id'), table_name='value_comment')
    op.drop_index(op.f('ix_value_comment_unit_id'), table_name='value_comment')
    op.drop_table('value_comment')
