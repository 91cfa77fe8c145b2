"""The services report's maintained totals (decision 0029)

service_total: one line of the report per programme and group (the programme, a town's
path, an advisor, a field, a month), kept in the transaction that changes the log.
service_total_person: per group, each person's participations; a person is one of the
group's people while their count is above zero.

The upgrade fills both from the log: the computation of `flask report rebuild-totals` as it
was at this revision, written here in SQL (a migration runs no application code, so it means
the same thing whatever the code becomes; docs/decisions/0036).

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
    _fill(op.get_bind())


MONTH = {"postgresql": "to_char(s.held_on, 'YYYY-MM')", "sqlite": "strftime('%Y-%m', s.held_on)"}
KINDS = (("consultation", "consultations"), ("workshop", "workshops"), ("study", "study_services"),
         ("other", "other"))


def _fill(conn: sa.Connection) -> None:
    """Both tables from the logged services: per group kind, one INSERT ... SELECT of the
    counts and one of each person's participations; then each group's people."""
    month = MONTH.get(conn.dialect.name, MONTH["sqlite"])
    groups = {"all": ("0", "''", ""), "town": ("s.path_id", "''", ", s.path_id"),
              "advisor": ("s.advisor_id", "''", ", s.advisor_id"),
              "field": ("s.field_id", "''", ", s.field_id"), "month": ("0", month, f", {month}")}
    kinds = ", ".join(f"COALESCE(SUM(CASE WHEN s.kind = '{kind}' THEN 1 ELSE 0 END), 0)" for kind, _ in KINDS)
    kind_columns = ", ".join(column for _, column in KINDS)
    for dim, (ref, month_of, group_by) in groups.items():
        conn.execute(sa.text(
            f"INSERT INTO service_total (programme_id, dim, ref, month, services, {kind_columns}, "
            f"studies, participations, people, minutes) "
            f"SELECT p.programme_id, '{dim}', {ref}, {month_of}, COUNT(s.id), {kinds}, "
            f"COALESCE(SUM((SELECT COUNT(st.id) FROM study st WHERE st.service_id = s.id)), 0), "
            f"COALESCE(SUM((SELECT COUNT(*) FROM service_participant sp WHERE sp.service_id = s.id)), 0), "
            f"0, COALESCE(SUM(s.duration_minutes), 0) "
            f"FROM service s JOIN path p ON p.id = s.path_id WHERE s.status = 'logged' "
            f"GROUP BY p.programme_id{group_by}"))
        conn.execute(sa.text(
            f"INSERT INTO service_total_person (programme_id, dim, ref, month, person_id, n) "
            f"SELECT p.programme_id, '{dim}', {ref}, {month_of}, sp.person_id, COUNT(*) "
            f"FROM service_participant sp JOIN service s ON s.id = sp.service_id "
            f"JOIN path p ON p.id = s.path_id WHERE s.status = 'logged' "
            f"GROUP BY p.programme_id{group_by}, sp.person_id"))
    conn.execute(sa.text(
        "UPDATE service_total SET people = (SELECT COUNT(*) FROM service_total_person t "
        "WHERE t.programme_id = service_total.programme_id AND t.dim = service_total.dim "
        "AND t.ref = service_total.ref AND t.month = service_total.month)"))


def downgrade() -> None:
    op.drop_table('service_total_person')
    op.drop_table('service_total')
