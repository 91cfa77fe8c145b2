"""Dated service rates (docs/decisions/0036): a rate is in force from a day on

service_rate gains `valid_from` in its primary key (programme, kind, valid_from): setting a rate
adds a period instead of overwriting the one before, and the services report values each service
at the rate in force on its day. `hourly_rate` may be NULL (no rate from that day on).

The rates set before this revision become in force from 2000-01-01, earlier than any service the
application can log for a programme, so no total of the report changes on upgrade. The table is
rebuilt (its rows read, the table dropped and created again, the rows written back) with SQL
written here: a migration runs no application code.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 16:05:00
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from alembic import op

import workflow.models.types

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

EARLY = datetime.date(2000, 1, 1)
COLUMNS = ('programme_id', 'kind', 'hourly_rate', 'updated_at', 'updated_by_id')


def _create(dated: bool) -> sa.Table:
    return op.create_table(
        'service_rate',
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        *([sa.Column('valid_from', sa.Date(), nullable=False)] if dated else []),
        sa.Column('hourly_rate', sa.Numeric(10, 2), nullable=dated),
        sa.Column('updated_at', workflow.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'],
                                name=op.f('fk_service_rate_programme_id_programme'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'],
                                name=op.f('fk_service_rate_updated_by_id_user_account'), ondelete='SET NULL'),
        sa.CheckConstraint("kind IN ('consultation', 'workshop', 'study', 'other')",
                           name=op.f('ck_service_rate_kind_known')),
        sa.CheckConstraint('hourly_rate >= 0', name=op.f('ck_service_rate_rate_not_negative')),
        sa.PrimaryKeyConstraint('programme_id', 'kind', *(['valid_from'] if dated else []),
                                name=op.f('pk_service_rate')),
    )


def _rebuild(dated: bool, valid_from: str, where: str) -> None:
    """The table made again (dated or not) with the rows `where` picks, copied in SQL."""
    conn = op.get_bind()
    conn.execute(sa.text("CREATE TABLE service_rate_copy AS SELECT * FROM service_rate"))
    op.drop_table('service_rate')
    _create(dated)
    columns = ', '.join(COLUMNS)
    conn.execute(sa.text(f"INSERT INTO service_rate ({columns}{', valid_from' if dated else ''}) "
                         f"SELECT {columns}{valid_from} FROM service_rate_copy r {where}"))
    conn.execute(sa.text("DROP TABLE service_rate_copy"))


def upgrade() -> None:
    typed = "DATE " if op.get_bind().dialect.name == "postgresql" else ""  # SQLite keeps dates as text
    _rebuild(True, f", {typed}'{EARLY.isoformat()}'", "")


def downgrade() -> None:
    # the rate in force last of each programme and kind (a last period with no rate: none)
    _rebuild(False, "", "WHERE hourly_rate IS NOT NULL AND valid_from = (SELECT MAX(valid_from) "
                        "FROM service_rate_copy o WHERE o.programme_id = r.programme_id AND o.kind = r.kind)")
