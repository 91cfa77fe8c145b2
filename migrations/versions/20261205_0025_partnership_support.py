"""The partnerships' advisory support (issue 14, docs/decisions/0036)

service_rate: the coordinator's market rate per hour of each kind of service, per programme
(the support is free for the municipalities; the services report shows what it is worth).
person.municipality_id: which member municipality of a partnership a participant comes from
(None for a town's people and for anyone not from one municipality).
service_total.*_minutes: the maintained totals' minutes per kind of service (decision 0029),
filled here from the log with SQL written into this file, as 0016's are: a migration does
not run application code, so it means the same thing whatever the code becomes.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-19 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

KINDS = ("consultation", "workshop", "study", "other")
MONTH = {"postgresql": "to_char(s.held_on, 'YYYY-MM')", "sqlite": "strftime('%Y-%m', s.held_on)"}


def upgrade() -> None:
    op.create_table(
        'service_rate',
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('hourly_rate', sa.Numeric(10, 2), nullable=False),
        sa.Column('updated_at', workflow.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'],
                                name=op.f('fk_service_rate_programme_id_programme'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'],
                                name=op.f('fk_service_rate_updated_by_id_user_account'), ondelete='SET NULL'),
        sa.CheckConstraint("kind IN ('consultation', 'workshop', 'study', 'other')",
                           name=op.f('ck_service_rate_kind_known')),
        sa.CheckConstraint('hourly_rate >= 0', name=op.f('ck_service_rate_rate_not_negative')),
        sa.PrimaryKeyConstraint('programme_id', 'kind', name=op.f('pk_service_rate')),
    )
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('municipality_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_person_municipality_id_municipality'), 'municipality',
                                 ['municipality_id'], ['id'])
        batch.create_index(op.f('ix_person_municipality_id'), ['municipality_id'])
    with op.batch_alter_table('service_total') as batch:
        for kind in KINDS:
            batch.add_column(sa.Column(f'{kind}_minutes', sa.Integer(), nullable=False, server_default='0'))
    conn = op.get_bind()
    month = MONTH.get(conn.dialect.name, MONTH["sqlite"])
    group = (f"(service_total.dim = 'all' OR (service_total.dim = 'town' AND s.path_id = service_total.ref)"
             f" OR (service_total.dim = 'advisor' AND s.advisor_id = service_total.ref)"
             f" OR (service_total.dim = 'field' AND s.field_id = service_total.ref)"
             f" OR (service_total.dim = 'month' AND {month} = service_total.month))")
    for kind in KINDS:
        conn.execute(sa.text(
            f"UPDATE service_total SET {kind}_minutes = COALESCE((SELECT SUM(s.duration_minutes) "
            f"FROM service s JOIN path p ON p.id = s.path_id WHERE s.status = 'logged' "
            f"AND s.kind = '{kind}' AND p.programme_id = service_total.programme_id AND {group}), 0)"))


def downgrade() -> None:
    with op.batch_alter_table('service_total') as batch:
        for kind in KINDS:
            batch.drop_column(f'{kind}_minutes')
    with op.batch_alter_table('person') as batch:
        batch.drop_index(op.f('ix_person_municipality_id'))
        batch.drop_constraint(op.f('fk_person_municipality_id_municipality'), type_='foreignkey')
        batch.drop_column('municipality_id')
    op.drop_table('service_rate')
