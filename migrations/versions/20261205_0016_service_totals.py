"""The services report's maintained totals (decision 0029)

service_total: one line of the report per programme and group (the programme, a town's
path, an advisor, a field, a month), kept in the transaction that changes the log.
service_total_person: per group, each person's participations; a person is one of the
group's people while their count is above zero.

The upgrade fills both from the log (the same computation as `flask report rebuild-totals`).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

COUNTS = ("services", "consultations", "workshops", "study_services", "other", "studies",
          "participations", "people", "minutes")


def upgrade() -> None:
    op.create_table(
        'service_total',
        sa.Column('programme_id', sa.Integer(), sa.ForeignKey('programme.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('dim', sa.String(length=8), nullable=False),
        sa.Column('ref', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.PrimaryKeyConstraint('programme_id', 'dim', 'ref', 'month'),
    )
    op.create_table(
        'service_total_person',
        sa.Column('programme_id', sa.Integer(), sa.ForeignKey('programme.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('dim', sa.String(length=8), nullable=False),
        sa.Column('ref', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey('person.id', ondelete='CASCADE'), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('programme_id', 'dim', 'ref', 'month', 'person_id'),
    )
    from workflow.advice import service_totals  # the same computation as the command

    service_totals.rebuild(conn=op.get_bind())


def downgrade() -> None:
    op.drop_table('service_total_person')
    op.drop_table('service_total')
