"""Peer groups of gminas, and the boundaries drawn for maps

unit_group: a group's stable code, names, kind (administrative, unit_kind, population,
programme, list, similar), the definition (JSON) that rebuilds it, whether the system made it
(standard) and who made it; unit_group_member: the members a list or a "most similar" group
keeps (with the place and the distance). unit_boundary gets the geometry's bounding box and
svg_country and svg_region: the geometry as an SVG path projected for the map of Poland and of
the unit's voivodeship (filled by `flask units load`). variable_value gets an index holding
its key and value, from which pages read without visiting the table. docs/decisions/0032.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 08:15:51
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('unit_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.Enum('administrative', 'unit_kind', 'population', 'programme', 'list', 'similar', name='groupkind', native_enum=False, length=20), nullable=False),
    sa.Column('name_pl', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('standard', sa.Boolean(), nullable=False),
    sa.Column('created_at', workflow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('administrative', 'unit_kind', 'population', 'programme', 'list', 'similar')", name=op.f('ck_unit_group_kind_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_unit_group_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_group')),
    sa.UniqueConstraint('code', name=op.f('uq_unit_group_code'))
    )
    op.create_table('unit_group_member',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('distance', sa.Double(), nullable=True),
    sa.CheckConstraint('distance IS NULL OR distance >= 0', name=op.f('ck_unit_group_member_distance_positive')),
    sa.CheckConstraint('position >= 0', name=op.f('ck_unit_group_member_position_positive')),
    sa.ForeignKeyConstraint(['group_id'], ['unit_group.id'], name=op.f('fk_unit_group_member_group_id_unit_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['territorial_unit.id'], name=op.f('fk_unit_group_member_unit_id_territorial_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'unit_id', name=op.f('pk_unit_group_member'))
    )
    with op.batch_alter_table('unit_group_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_group_member_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('variable_value', schema=None) as batch_op:
        batch_op.create_index('ix_variable_value_reading', ['variable_id', 'year', 'unit_id', 'value'],
                              unique=False)

    with op.batch_alter_table('unit_boundary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_lon', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('min_lat', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('max_lon', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('max_lat', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('svg_country', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('svg_region', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('unit_boundary', schema=None) as batch_op:
        batch_op.drop_column('svg_region')
        batch_op.drop_column('svg_country')
        batch_op.drop_column('max_lat')
        batch_op.drop_column('max_lon')
        batch_op.drop_column('min_lat')
        batch_op.drop_column('min_lon')

    with op.batch_alter_table('unit_group_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_group_member_unit_id'))

    with op.batch_alter_table('variable_value', schema=None) as batch_op:
        batch_op.drop_index('ix_variable_value_reading')

    op.drop_table('unit_group_member')
    op.drop_table('unit_group')
