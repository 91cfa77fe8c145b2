"""Experience-exchange groups of the monitoring (docs/decisions/0038)

exchange_group (a group per service area and cohort, its moderator), exchange_group_city,
exchange_delegate, exchange_meeting (with its minutes in the upload store), meeting_attendance,
satisfaction_survey; the role `moderator`; value_source kind `survey`.

Only `down_revision` names the revision before it; nothing else here depends on it.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

AREAS = ("local_taxes", "property", "roads_transport", "environment", "investment_construction",
         "geodesy_cartography", "culture_recreation", "education", "social_policy", "finance",
         "demography")
ROLES_BEFORE = ("town", "advisor", "evaluator", "coordinator")
KINDS_BEFORE = ("file", "import", "entry")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _checks(roles: tuple[str, ...], kinds: tuple[str, ...]) -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.drop_constraint(op.f('ck_user_account_role_known'), type_='check')
        batch.create_check_constraint(op.f('ck_user_account_role_known'), _in('role', roles))
    with op.batch_alter_table('value_source') as batch:
        batch.drop_constraint(op.f('ck_value_source_kind_known'), type_='check')
        batch.create_check_constraint(op.f('ck_value_source_kind_known'), _in('kind', kinds))


def upgrade() -> None:
    _checks((*ROLES_BEFORE, 'moderator'), (*KINDS_BEFORE, 'survey'))
    op.create_table(
        'exchange_group',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=80), nullable=False),
        sa.Column('area', sa.String(length=30), nullable=False),
        sa.Column('cohort', sa.Integer(), nullable=False),
        sa.Column('name_pl', sa.String(length=200), nullable=False),
        sa.Column('name_en', sa.String(length=200), nullable=False),
        sa.Column('moderator_id', sa.Integer(), nullable=True),
        sa.Column('created_at', workflow.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(_in('area', AREAS), name=op.f('ck_exchange_group_area_known')),
        sa.ForeignKeyConstraint(['moderator_id'], ['user_account.id'], ondelete='SET NULL',
                                name=op.f('fk_exchange_group_moderator_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_group')),
        sa.UniqueConstraint('code', name=op.f('uq_exchange_group_code')),
    )
    op.create_index(op.f('ix_exchange_group_moderator_id'), 'exchange_group', ['moderator_id'])
    op.create_table(
        'exchange_group_city',
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('area', sa.String(length=30), nullable=False),
        sa.Column('cohort', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['exchange_group.id'], ondelete='CASCADE',
                                name=op.f('fk_exchange_group_city_group_id_exchange_group')),
        sa.ForeignKeyConstraint(['unit_id'], ['territorial_unit.id'], ondelete='CASCADE',
                                name=op.f('fk_exchange_group_city_unit_id_territorial_unit')),
        sa.PrimaryKeyConstraint('group_id', 'unit_id', name=op.f('pk_exchange_group_city')),
        sa.UniqueConstraint('unit_id', 'area', 'cohort', name=op.f('uq_exchange_group_city_unit_id_area_cohort')),
    )
    op.create_index(op.f('ix_exchange_group_city_unit_id'), 'exchange_group_city', ['unit_id'])
    op.create_table(
        'exchange_delegate',
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['exchange_group.id'], ondelete='CASCADE',
                                name=op.f('fk_exchange_delegate_group_id_exchange_group')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_exchange_delegate_user_id_user_account')),
        sa.ForeignKeyConstraint(['unit_id'], ['territorial_unit.id'], ondelete='CASCADE',
                                name=op.f('fk_exchange_delegate_unit_id_territorial_unit')),
        sa.PrimaryKeyConstraint('group_id', 'user_id', name=op.f('pk_exchange_delegate')),
    )
    op.create_index(op.f('ix_exchange_delegate_user_id'), 'exchange_delegate', ['user_id'])
    op.create_table(
        'exchange_meeting',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('held_at', workflow.models.types.UTCDateTime(), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('agenda', sa.Text(), nullable=False),
        sa.Column('minutes_hash', sa.String(length=64), nullable=True),
        sa.Column('minutes_name', sa.String(length=200), nullable=True),
        sa.Column('minutes_mime', sa.String(length=120), nullable=True),
        sa.Column('minutes_size', sa.Integer(), nullable=True),
        sa.Column('minutes_at', workflow.models.types.UTCDateTime(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', workflow.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint('minutes_hash IS NULL OR minutes_name IS NOT NULL',
                           name=op.f('ck_exchange_meeting_minutes_named')),
        sa.ForeignKeyConstraint(['group_id'], ['exchange_group.id'], ondelete='CASCADE',
                                name=op.f('fk_exchange_meeting_group_id_exchange_group')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ondelete='SET NULL',
                                name=op.f('fk_exchange_meeting_created_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_meeting')),
    )
    op.create_index(op.f('ix_exchange_meeting_group_id'), 'exchange_meeting', ['group_id'])
    op.create_index(op.f('ix_exchange_meeting_minutes_hash'), 'exchange_meeting', ['minutes_hash'])
    op.create_table(
        'meeting_attendance',
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('present', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['exchange_meeting.id'], ondelete='CASCADE',
                                name=op.f('fk_meeting_attendance_meeting_id_exchange_meeting')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_meeting_attendance_user_id_user_account')),
        sa.PrimaryKeyConstraint('meeting_id', 'user_id', name=op.f('pk_meeting_attendance')),
    )
    op.create_table(
        'satisfaction_survey',
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('respondents', sa.Integer(), nullable=False),
        sa.Column('satisfied', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('entered_by_id', sa.Integer(), nullable=True),
        sa.Column('entered_at', workflow.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint('respondents > 0', name=op.f('ck_satisfaction_survey_respondents_positive')),
        sa.CheckConstraint('satisfied >= 0 AND satisfied <= respondents',
                           name=op.f('ck_satisfaction_survey_satisfied_in_range')),
        sa.ForeignKeyConstraint(['group_id'], ['exchange_group.id'], ondelete='CASCADE',
                                name=op.f('fk_satisfaction_survey_group_id_exchange_group')),
        sa.ForeignKeyConstraint(['unit_id'], ['territorial_unit.id'], ondelete='CASCADE',
                                name=op.f('fk_satisfaction_survey_unit_id_territorial_unit')),
        sa.ForeignKeyConstraint(['source_id'], ['value_source.id'],
                                name=op.f('fk_satisfaction_survey_source_id_value_source')),
        sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], ondelete='SET NULL',
                                name=op.f('fk_satisfaction_survey_entered_by_id_user_account')),
        sa.PrimaryKeyConstraint('group_id', 'unit_id', 'year', name=op.f('pk_satisfaction_survey')),
    )


def downgrade() -> None:
    op.drop_table('satisfaction_survey')
    op.drop_table('meeting_attendance')
    op.drop_index(op.f('ix_exchange_meeting_minutes_hash'), table_name='exchange_meeting')
    op.drop_index(op.f('ix_exchange_meeting_group_id'), table_name='exchange_meeting')
    op.drop_table('exchange_meeting')
    op.drop_index(op.f('ix_exchange_delegate_user_id'), table_name='exchange_delegate')
    op.drop_table('exchange_delegate')
    op.drop_index(op.f('ix_exchange_group_city_unit_id'), table_name='exchange_group_city')
    op.drop_table('exchange_group_city')
    op.drop_index(op.f('ix_exchange_group_moderator_id'), table_name='exchange_group')
    op.drop_table('exchange_group')
    surveys = "SELECT id FROM value_source WHERE kind = 'survey'"
    op.execute(f"DELETE FROM value_revision WHERE source_id IN ({surveys}) OR replaced_by_id IN ({surveys})")
    op.execute(f"DELETE FROM variable_value WHERE source_id IN ({surveys})")
    op.execute("DELETE FROM value_source WHERE kind = 'survey'")
    op.execute("UPDATE user_account SET role = 'coordinator', active = false WHERE role = 'moderator'")
    _checks(ROLES_BEFORE, KINDS_BEFORE)
