"""The indicator base of the monitoring: territorial units, variables, values, indicators

territorial_unit (TERYT voivodeships, powiats, gminas with kind and parent) and unit_boundary
(GeoJSON per unit); monitoring_variable (source variables), value_source (one load of values),
variable_value (one value per variable x unit x year, keyed by the three, with status, source
and revision) and value_revision (every replaced value); indicator and indicator_version (the
definitions as data, versioned). docs/decisions/0028.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 06:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator')),
    sa.UniqueConstraint('code', name=op.f('uq_indicator_code'))
    )
    op.create_table('monitoring_variable',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_pl', sa.String(length=300), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=False),
    sa.Column('measure_unit', sa.String(length=20), nullable=False),
    sa.Column('source_label', sa.String(length=400), nullable=True),
    sa.Column('credit', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_variable')),
    sa.UniqueConstraint('code', name=op.f('uq_monitoring_variable_code')),
    sa.UniqueConstraint('source_label', name=op.f('uq_monitoring_variable_source_label'))
    )
    op.create_table('territorial_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=7), nullable=False),
    sa.Column('level', sa.Enum('voivodeship', 'powiat', 'gmina', name='unitlevel', native_enum=False, length=20), nullable=False),
    sa.Column('kind', sa.Enum('urban', 'rural', 'urban_rural', 'land_powiat', 'city_powiat', 'voivodeship', name='unitkind', native_enum=False, length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('register_date', sa.Date(), nullable=False),
    sa.CheckConstraint("(level = 'voivodeship' AND length(code) = 2) OR (level = 'powiat' AND length(code) = 4) OR (level = 'gmina' AND length(code) = 7)", name=op.f('ck_territorial_unit_code_fits_level')),
    sa.CheckConstraint("kind IN ('urban', 'rural', 'urban_rural', 'land_powiat', 'city_powiat', 'voivodeship')", name=op.f('ck_territorial_unit_kind_known')),
    sa.CheckConstraint("level IN ('voivodeship', 'powiat', 'gmina')", name=op.f('ck_territorial_unit_level_known')),
    sa.ForeignKeyConstraint(['parent_id'], ['territorial_unit.id'], name=op.f('fk_territorial_unit_parent_id_territorial_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_territorial_unit')),
    sa.UniqueConstraint('code', name=op.f('uq_territorial_unit_code'))
    )
    with op.batch_alter_table('territorial_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_territorial_unit_parent_id'), ['parent_id'], unique=False)

    op.create_table('indicator_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name_pl', sa.String(length=300), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=False),
    sa.Column('description_pl', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('area', sa.Enum('local_taxes', 'property', 'roads_transport', 'environment', 'investment_construction', 'geodesy_cartography', 'culture_recreation', 'education', 'social_policy', 'finance', 'demography', name='monitoringarea', native_enum=False, length=30), nullable=False),
    sa.Column('kind', sa.Enum('monitoring', 'context', name='indicatortype', native_enum=False, length=20), nullable=False),
    sa.Column('dimension', sa.Enum('quantity', 'quality', 'accessibility', 'efficiency', 'none', name='dimension', native_enum=False, length=20), nullable=False),
    sa.Column('measure_unit_pl', sa.String(length=60), nullable=False),
    sa.Column('measure_unit_en', sa.String(length=60), nullable=False),
    sa.Column('polarity', sa.Enum('higher_better', 'lower_better', 'neutral', name='polarity', native_enum=False, length=20), nullable=False),
    sa.Column('decimals', sa.Integer(), nullable=False),
    sa.Column('formula', sa.JSON(), nullable=False),
    sa.Column('credit', sa.String(length=200), nullable=False),
    sa.Column('licence', sa.String(length=300), nullable=False),
    sa.Column('created_at', workflow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("area IN ('local_taxes', 'property', 'roads_transport', 'environment', 'investment_construction', 'geodesy_cartography', 'culture_recreation', 'education', 'social_policy', 'finance', 'demography')", name=op.f('ck_indicator_version_area_known')),
    sa.CheckConstraint("dimension IN ('quantity', 'quality', 'accessibility', 'efficiency', 'none')", name=op.f('ck_indicator_version_dimension_known')),
    sa.CheckConstraint("kind IN ('monitoring', 'context')", name=op.f('ck_indicator_version_kind_known')),
    sa.CheckConstraint("polarity IN ('higher_better', 'lower_better', 'neutral')", name=op.f('ck_indicator_version_polarity_known')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_indicator_version_version_positive')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_indicator_version_indicator_id_indicator'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_version')),
    sa.UniqueConstraint('indicator_id', 'version', name=op.f('uq_indicator_version_indicator_id_version'))
    )
    op.create_table('unit_boundary',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('geojson', sa.Text(), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['territorial_unit.id'], name=op.f('fk_unit_boundary_unit_id_territorial_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_unit_boundary'))
    )
    op.create_table('value_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('file', 'import', 'entry', name='sourcekind', native_enum=False, length=20), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', workflow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.CheckConstraint("kind IN ('file', 'import', 'entry')", name=op.f('ck_value_source_kind_known')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_value_source_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_value_source'))
    )
    op.create_table('value_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('variable_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.Column('status', sa.Enum('provisional', 'final', 'corrected', name='valuestatus', native_enum=False, length=20), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('replaced_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('provisional', 'final', 'corrected')", name=op.f('ck_value_revision_status_known')),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['value_source.id'], name=op.f('fk_value_revision_replaced_by_id_value_source')),
    sa.ForeignKeyConstraint(['source_id'], ['value_source.id'], name=op.f('fk_value_revision_source_id_value_source')),
    sa.ForeignKeyConstraint(['unit_id'], ['territorial_unit.id'], name=op.f('fk_value_revision_unit_id_territorial_unit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variable_id'], ['monitoring_variable.id'], name=op.f('fk_value_revision_variable_id_monitoring_variable'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_value_revision')),
    sa.UniqueConstraint('variable_id', 'unit_id', 'year', 'revision', name=op.f('uq_value_revision_variable_id_unit_id_year_revision'))
    )
    with op.batch_alter_table('value_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_value_revision_replaced_by_id'), ['replaced_by_id'], unique=False)

    op.create_table('variable_value',
    sa.Column('variable_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('unit_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.Column('status', sa.Enum('provisional', 'final', 'corrected', name='valuestatus', native_enum=False, length=20), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('provisional', 'final', 'corrected')", name=op.f('ck_variable_value_status_known')),
    sa.CheckConstraint('revision >= 1', name=op.f('ck_variable_value_revision_positive')),
    sa.ForeignKeyConstraint(['source_id'], ['value_source.id'], name=op.f('fk_variable_value_source_id_value_source')),
    sa.ForeignKeyConstraint(['unit_id'], ['territorial_unit.id'], name=op.f('fk_variable_value_unit_id_territorial_unit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variable_id'], ['monitoring_variable.id'], name=op.f('fk_variable_value_variable_id_monitoring_variable'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('variable_id', 'year', 'unit_id', name=op.f('pk_variable_value'))
    )
    with op.batch_alter_table('variable_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_variable_value_source_id'), ['source_id'], unique=False)
        batch_op.create_index('ix_variable_value_unit', ['unit_id', 'variable_id', 'year'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('variable_value', schema=None) as batch_op:
        batch_op.drop_index('ix_variable_value_unit')
        batch_op.drop_index(batch_op.f('ix_variable_value_source_id'))

    op.drop_table('variable_value')
    with op.batch_alter_table('value_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_value_revision_replaced_by_id'))

    op.drop_table('value_revision')
    op.drop_table('value_source')
    op.drop_table('unit_boundary')
    op.drop_table('indicator_version')
    with op.batch_alter_table('territorial_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_territorial_unit_parent_id'))

    op.drop_table('territorial_unit')
    op.drop_table('monitoring_variable')
    op.drop_table('indicator')
