"""The evaluation overview's lines and the reminder sweep's index (docs/decisions/0035)

evaluation_summary: one line per application with what the coordinator's evaluation overview
sorts, filters and counts by (the town's sort key, the spread, the third evaluator, the final
score), kept in the same transaction as the scores (workflow/evaluation/summary.py); filled
here by the same computation as `flask scores rebuild-summaries`.
applicant.sort_key, user_account.sort_key: the name as a Polish sort key (workflow.text.sort_key), so the long
lists sort by a plain column on both databases.
ix_deadline_extension_due_at: the sweep starts from the extensions due in its window.

Only `down_revision` names the revision before it; nothing else here depends on it.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'evaluation_summary',
        sa.Column('path_id', sa.Integer(), sa.ForeignKey('path.id', ondelete='CASCADE'), nullable=False),
        sa.Column('programme_id', sa.Integer(), sa.ForeignKey('programme.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('state', sa.String(length=60), nullable=False),
        sa.Column('in_evaluation', sa.Boolean(), nullable=False),
        sa.Column('town_key', sa.Text(), nullable=False),
        sa.Column('search', sa.Text(), nullable=False),
        sa.Column('spread_pct', sa.Numeric(6, 1), nullable=True),
        sa.Column('third', sa.String(length=12), nullable=False),
        sa.Column('third_order', sa.Integer(), nullable=True),
        sa.Column('final_total', sa.Numeric(12, 2), nullable=True),
        sa.Column('missing_regular', sa.Integer(), nullable=False),
        sa.Column('complete', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('path_id'),
    )
    op.create_index('ix_evaluation_summary_town', 'evaluation_summary', ['programme_id', 'town_key', 'path_id'])
    op.create_index('ix_evaluation_summary_final', 'evaluation_summary', ['programme_id', 'final_total'])
    op.create_index('ix_evaluation_summary_spread', 'evaluation_summary', ['programme_id', 'spread_pct'])
    op.create_index('ix_deadline_extension_due_at', 'deadline_extension', ['due_at'])
    from workflow.text import sort_key

    conn = op.get_bind()
    for name in ('applicant', 'user_account'):
        op.add_column(name, sa.Column('sort_key', sa.Text(), nullable=True))
        table = sa.table(name, sa.column('id', sa.Integer()), sa.column('name', sa.String()),
                         sa.column('sort_key', sa.Text()))
        keys = [{"key_id": i, "key": sort_key(text)}
                for i, text in conn.execute(sa.select(table.c.id, table.c.name))]
        if keys:
            conn.execute(table.update().where(table.c.id == sa.bindparam("key_id"))
                         .values(sort_key=sa.bindparam("key")), keys)

    from sqlalchemy.orm import Session

    from workflow.evaluation import summary  # the same computation as the command

    # evaluation_revision comes with 0028, which starts it for every programme with lines.
    summary.rebuild(Session(bind=op.get_bind()), revise=False)


def downgrade() -> None:
    for name in ('user_account', 'applicant'):
        with op.batch_alter_table(name) as batch:
            batch.drop_column('sort_key')
    op.drop_index('ix_deadline_extension_due_at', table_name='deadline_extension')
    op.drop_table('evaluation_summary')
