"""The cities' questionnaire of the monitoring (docs/decisions/0037)

monitoring_variable.reporting: how a variable the cities report is asked (definition, whole
number or not, range); questionnaire: one city's (gmina's) report for a year and a service area;
questionnaire_answer: each variable's typed answer, value, warnings, comment and review;
questionnaire_publication: a year of an area the analyst published; value_source.note: why a
published value was corrected.

Only `down_revision` names the revision before it; nothing else here depends on it.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-19 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

AREAS = ("local_taxes", "property", "roads_transport", "environment", "investment_construction",
         "geodesy_cartography", "culture_recreation", "education", "social_policy", "finance",
         "demography")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table('monitoring_variable') as batch:
        batch.add_column(sa.Column('reporting', sa.JSON(), nullable=True))
    op.create_table(
        'questionnaire',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('area', sa.String(length=30), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', workflow.models.types.UTCDateTime(), nullable=False),
        sa.Column('submitted_at', workflow.models.types.UTCDateTime(), nullable=True),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(_in('status', ('draft', 'submitted', 'returned', 'accepted')),
                           name=op.f('ck_questionnaire_status_known')),
        sa.CheckConstraint(_in('area', AREAS), name=op.f('ck_questionnaire_area_known')),
        sa.ForeignKeyConstraint(['unit_id'], ['territorial_unit.id'], ondelete='CASCADE',
                                name=op.f('fk_questionnaire_unit_id_territorial_unit')),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], ondelete='SET NULL',
                                name=op.f('fk_questionnaire_submitted_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire')),
        sa.UniqueConstraint('unit_id', 'year', 'area', name=op.f('uq_questionnaire_unit_id_year_area')),
    )
    op.create_index(op.f('ix_questionnaire_unit_id'), 'questionnaire', ['unit_id'])
    op.create_table(
        'questionnaire_answer',
        sa.Column('questionnaire_id', sa.Integer(), nullable=False),
        sa.Column('variable_id', sa.Integer(), nullable=False),
        sa.Column('raw', sa.String(length=40), nullable=False),
        sa.Column('value', sa.Double(), nullable=True),
        sa.Column('warnings', sa.JSON(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('review', sa.String(length=20), nullable=False),
        sa.Column('review_note', sa.Text(), nullable=True),
        sa.Column('reviewed_at', workflow.models.types.UTCDateTime(), nullable=True),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(_in('review', ('pending', 'accepted', 'returned')),
                           name=op.f('ck_questionnaire_answer_review_known')),
        sa.CheckConstraint("review <> 'returned' OR review_note IS NOT NULL",
                           name=op.f('ck_questionnaire_answer_returned_has_note')),
        sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], ondelete='CASCADE',
                                name=op.f('fk_questionnaire_answer_questionnaire_id_questionnaire')),
        sa.ForeignKeyConstraint(['variable_id'], ['monitoring_variable.id'], ondelete='CASCADE',
                                name=op.f('fk_questionnaire_answer_variable_id_monitoring_variable')),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], ondelete='SET NULL',
                                name=op.f('fk_questionnaire_answer_reviewed_by_id_user_account')),
        sa.PrimaryKeyConstraint('questionnaire_id', 'variable_id', name=op.f('pk_questionnaire_answer')),
    )


    op.create_table(
        'questionnaire_publication',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('area', sa.String(length=30), nullable=False),
        sa.Column('published_at', workflow.models.types.UTCDateTime(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(_in('area', AREAS), name=op.f('ck_questionnaire_publication_area_known')),
        sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], ondelete='SET NULL',
                                name=op.f('fk_questionnaire_publication_published_by_id_user_account')),
        sa.PrimaryKeyConstraint('year', 'area', name=op.f('pk_questionnaire_publication')),
    )
    with op.batch_alter_table('value_source') as batch:
        batch.add_column(sa.Column('note', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('value_source') as batch:
        batch.drop_column('note')
    op.drop_table('questionnaire_publication')
    op.drop_table('questionnaire_answer')
    op.drop_index(op.f('ix_questionnaire_unit_id'), table_name='questionnaire')
    op.drop_table('questionnaire')
    with op.batch_alter_table('monitoring_variable') as batch:
        batch.drop_column('reporting')
