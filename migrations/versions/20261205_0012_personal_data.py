"""Personal data: a programme's end (from which the archive period counts), and the moment
a participant or an account was pseudonymised; an index for pruning old login attempts

programme.ends_on: the day the programme ended. Its participants' names and e-mail addresses
are pseudonymised PARTICIPANTS_ARCHIVE_YEARS after it (none: the programme is running and
nothing is pseudonymised).
person.pseudonymised_at, user_account.pseudonymised_at: when the name and e-mail were replaced
by a pseudonym (by the retention task or on a person's request); the row and its links stay.
login_attempt.created_at: the retention task deletes attempts older than
LOGIN_ATTEMPTS_RETENTION_DAYS.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ends_on', sa.Date(), nullable=True))
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pseudonymised_at', workflow.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pseudonymised_at', workflow.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempt_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_created_at'))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('pseudonymised_at')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('pseudonymised_at')
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_column('ends_on')
