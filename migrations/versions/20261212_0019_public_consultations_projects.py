"""Public consultations of a stage's draft document, and the project package of a strategy

public_consultation: a document published for comment over a period (at most one not closed
per stage of a path); consultation_comment: what anyone left on it (optionally a name and an
e-mail address) and the applicant's answer.
project, project_share, project_task: the projects of a path's package with their cost split
between member municipalities, the funding route, status and key mark, the feasibility
analysis (a document) and the schedule in months.

Only `down_revision` names the revision before it; nothing else here depends on it.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-12 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

NOT_CLOSED = 'closed_at IS NULL'


def upgrade() -> None:
    moment = workflow.models.types.UTCDateTime(timezone=True)
    op.create_table(
        'public_consultation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('path_id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=40), nullable=False),
        sa.Column('starts_at', moment, nullable=False),
        sa.Column('ends_at', moment, nullable=False),
        sa.Column('opened_at', moment, nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_at', moment, nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_public_consultation_period_ordered')),
        sa.CheckConstraint('closed_by_id IS NULL OR closed_at IS NOT NULL',
                           name=op.f('ck_public_consultation_closed_by_when_closed')),
        sa.ForeignKeyConstraint(['path_id'], ['path.id'], name=op.f('fk_public_consultation_path_id_path'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'],
                                name=op.f('fk_public_consultation_document_id_document'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'],
                                name=op.f('fk_public_consultation_opened_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'],
                                name=op.f('fk_public_consultation_closed_by_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_public_consultation')),
    )
    with op.batch_alter_table('public_consultation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_consultation_path_id'), ['path_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_consultation_document_id'), ['document_id'], unique=False)
        batch_op.create_index('ix_public_consultation_period', ['closed_at', 'ends_at'], unique=False)
        batch_op.create_index('uq_public_consultation_one_per_stage', ['path_id', 'stage'], unique=True,
                              sqlite_where=sa.text(NOT_CLOSED), postgresql_where=sa.text(NOT_CLOSED))

    op.create_table(
        'consultation_comment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('author_name', sa.String(length=120), nullable=True),
        sa.Column('author_email', sa.String(length=254), nullable=True),
        sa.Column('created_at', moment, nullable=False),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_at', moment, nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('number >= 1', name=op.f('ck_consultation_comment_number_positive')),
        sa.CheckConstraint('length(body) >= 1 AND length(body) <= 5000',
                           name=op.f('ck_consultation_comment_body_length')),
        sa.CheckConstraint('answer IS NULL OR (length(answer) >= 1 AND length(answer) <= 5000)',
                           name=op.f('ck_consultation_comment_answer_length')),
        sa.CheckConstraint('(answer IS NULL) = (answered_at IS NULL)',
                           name=op.f('ck_consultation_comment_answered_when_answer')),
        sa.ForeignKeyConstraint(['consultation_id'], ['public_consultation.id'],
                                name=op.f('fk_consultation_comment_consultation_id_public_consultation'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'],
                                name=op.f('fk_consultation_comment_answered_by_id_user_account'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_comment')),
        sa.UniqueConstraint('consultation_id', 'number',
                            name=op.f('uq_consultation_comment_consultation_id_number')),
    )

    op.create_table(
        'project',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('path_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('scope', sa.Text(), nullable=False),
        sa.Column('estimated_cost', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('funding_route', sa.Enum('zit', 'iit', 'national', 'other', name='fundingroute',
                                           native_enum=False, create_constraint=False, length=20),
                  nullable=False),
        sa.Column('funding_note', sa.String(length=200), server_default='', nullable=False),
        sa.Column('status', sa.Enum('proposed', 'chosen', 'dropped', name='projectstatus',
                                    native_enum=False, create_constraint=False, length=20), nullable=False),
        sa.Column('is_key', sa.Boolean(), nullable=False),
        sa.Column('feasibility_document_id', sa.Integer(), nullable=True),
        sa.Column('created_at', moment, nullable=False),
        sa.Column('updated_at', moment, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint('estimated_cost > 0', name=op.f('ck_project_cost_positive')),
        sa.CheckConstraint("funding_route IN ('zit', 'iit', 'national', 'other')",
                           name=op.f('ck_project_route_known')),
        sa.CheckConstraint("status IN ('proposed', 'chosen', 'dropped')", name=op.f('ck_project_status_known')),
        sa.CheckConstraint("NOT is_key OR status = 'chosen'", name=op.f('ck_project_key_is_chosen')),
        sa.CheckConstraint('version >= 1', name=op.f('ck_project_version_positive')),
        sa.CheckConstraint('length(title) >= 1', name=op.f('ck_project_title_given')),
        sa.ForeignKeyConstraint(['path_id'], ['path.id'], name=op.f('fk_project_path_id_path'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['feasibility_document_id'], ['document.id'],
                                name=op.f('fk_project_feasibility_document_id_document'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_project')),
        sa.UniqueConstraint('path_id', 'title', name=op.f('uq_project_path_id_title')),
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_path_id'), ['path_id'], unique=False)

    op.create_table(
        'project_share',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('leads', sa.Boolean(), nullable=False),
        sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.CheckConstraint('amount >= 0', name=op.f('ck_project_share_amount_not_negative')),
        sa.CheckConstraint('leads OR amount > 0', name=op.f('ck_project_share_leads_or_pays')),
        sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_share_project_id_project'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'],
                                name=op.f('fk_project_share_municipality_id_municipality')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_project_share')),
        sa.UniqueConstraint('project_id', 'municipality_id',
                            name=op.f('uq_project_share_project_id_municipality_id')),
    )
    with op.batch_alter_table('project_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_share_municipality_id'), ['municipality_id'], unique=False)

    op.create_table(
        'project_task',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_project_task_months_ordered')),
        sa.CheckConstraint('length(name) >= 1', name=op.f('ck_project_task_name_given')),
        sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_task_project_id_project'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_project_task')),
    )
    with op.batch_alter_table('project_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_task_project_id'), ['project_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('project_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_task_project_id'))
    op.drop_table('project_task')
    with op.batch_alter_table('project_share', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_share_municipality_id'))
    op.drop_table('project_share')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_path_id'))
    op.drop_table('project')
    op.drop_table('consultation_comment')
    with op.batch_alter_table('public_consultation', schema=None) as batch_op:
        batch_op.drop_index('uq_public_consultation_one_per_stage',
                            sqlite_where=sa.text(NOT_CLOSED), postgresql_where=sa.text(NOT_CLOSED))
        batch_op.drop_index('ix_public_consultation_period')
        batch_op.drop_index(batch_op.f('ix_public_consultation_document_id'))
        batch_op.drop_index(batch_op.f('ix_public_consultation_path_id'))
    op.drop_table('public_consultation')
