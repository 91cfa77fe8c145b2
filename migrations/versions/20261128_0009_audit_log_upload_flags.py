"""H-audit: the append-only audit log, and warning flags on uploaded documents

audit_event: who did what, when, to which object. The application only inserts rows; a
trigger refuses UPDATE and DELETE (PostgreSQL: a plpgsql function raising an exception;
SQLite: BEFORE triggers calling RAISE(ABORT)). The one exception is ON DELETE SET NULL of
actor_id when a user account is deleted: actor_label keeps the e-mail, so the trigger lets
an UPDATE through when it changes nothing but actor_id to NULL.

document.flags: comma-separated warnings found on upload (a PDF with JavaScript, an
automatic action or a launch action).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
       AND NEW.id = OLD.id AND NEW.created_at = OLD.created_at
       AND NEW.actor_label = OLD.actor_label AND NEW.action = OLD.action
       AND NEW.object_type = OLD.object_type
       AND NEW.object_id IS NOT DISTINCT FROM OLD.object_id
       AND NEW.programme_id IS NOT DISTINCT FROM OLD.programme_id
       AND NEW.ip = OLD.ip AND NEW.detail = OLD.detail THEN
        RETURN NEW;  -- ON DELETE SET NULL of a deleted account
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.programme_id IS NULL AND OLD.programme_id IS NOT NULL
       AND NEW.id = OLD.id AND NEW.created_at = OLD.created_at
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.actor_label = OLD.actor_label AND NEW.action = OLD.action
       AND NEW.object_type = OLD.object_type
       AND NEW.object_id IS NOT DISTINCT FROM OLD.object_id
       AND NEW.ip = OLD.ip AND NEW.detail = OLD.detail THEN
        RETURN NEW;  -- ON DELETE SET NULL of a deleted programme
    END IF;
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""

PG_TRIGGER = """
CREATE TRIGGER audit_event_append_only
BEFORE UPDATE OR DELETE ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()
"""

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused'); END
    """,
    """
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    WHEN NOT (
        NEW.id = OLD.id AND NEW.created_at IS OLD.created_at
        AND NEW.actor_label IS OLD.actor_label AND NEW.action IS OLD.action
        AND NEW.object_type IS OLD.object_type AND NEW.object_id IS OLD.object_id
        AND NEW.ip IS OLD.ip AND NEW.detail IS OLD.detail
        AND (NEW.actor_id IS OLD.actor_id OR NEW.actor_id IS NULL)
        AND (NEW.programme_id IS OLD.programme_id OR NEW.programme_id IS NULL)
    )
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END
    """,
]


def upgrade() -> None:
    op.create_table(
        'audit_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', workflow.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_label', sa.String(length=254), nullable=False),
        sa.Column('action', sa.String(length=60), nullable=False),
        sa.Column('object_type', sa.String(length=40), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=True),
        sa.Column('programme_id', sa.Integer(), nullable=True),
        sa.Column('ip', sa.String(length=45), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'],
                                name=op.f('fk_audit_event_actor_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'],
                                name=op.f('fk_audit_event_programme_id_programme'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_audit_event_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_programme_id'), ['programme_id'], unique=False)

    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    elif bind.dialect.name == 'sqlite':
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flags', sa.String(length=200), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('flags')

    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event')
        op.execute('DROP FUNCTION IF EXISTS audit_event_append_only()')
    elif bind.dialect.name == 'sqlite':
        op.execute('DROP TRIGGER IF EXISTS audit_event_no_update')
        op.execute('DROP TRIGGER IF EXISTS audit_event_no_delete')

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_programme_id')
        batch_op.drop_index('ix_audit_event_object')
        batch_op.drop_index('ix_audit_event_created_at')
        batch_op.drop_index('ix_audit_event_actor_id')
        batch_op.drop_index('ix_audit_event_action')
    op.drop_table('audit_event')
