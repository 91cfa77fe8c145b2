"""The kept pages' revisions: a token drawn at each raise, and the names' own revision (docs/decisions/0047)

evaluation_revision and service_total_revision gain `token`, a number drawn at random each time
the revision is raised: a database restored from a backup counts its revisions again from the
backup's number, with other data, but never draws the same tokens, so a page kept under
(revision, token) is never shown for other data. The rows there are get a token of their own here.

name_revision: one row (id 1) raised at the end of every transaction that adds, removes or renames
a town, path, account or field the services report shows, instead of every programme's
service_total_revision row (which made such a write wait for, and deadlock with, writers of
services in any programme). Starts at 1.

Only `down_revision` names the revision before it; nothing else here depends on it.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 17:45:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

KEPT = ('evaluation_revision', 'service_total_revision')


def upgrade() -> None:
    conn = op.get_bind()
    for name in KEPT:
        op.add_column(name, sa.Column('token', sa.BigInteger(), server_default='0', nullable=False))
        table = sa.table(name, sa.column('programme_id', sa.Integer()), sa.column('token', sa.BigInteger()))
        for programme_id in conn.scalars(sa.select(table.c.programme_id)).all():
            conn.execute(table.update().where(table.c.programme_id == programme_id)
                         .values(token=secrets.randbits(63)))
    op.create_table(
        'name_revision',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('revision', sa.BigInteger(), nullable=False),
        sa.Column('token', sa.BigInteger(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    names = sa.table('name_revision', sa.column('id', sa.Integer()), sa.column('revision', sa.BigInteger()),
                     sa.column('token', sa.BigInteger()))
    conn.execute(names.insert().values(id=1, revision=1, token=secrets.randbits(63)))


def downgrade() -> None:
    op.drop_table('name_revision')
    for name in reversed(KEPT):
        with op.batch_alter_table(name) as batch:
            batch.drop_column('token')
