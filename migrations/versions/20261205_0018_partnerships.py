"""Partnerships (CWD): members acting for their municipality, approvals, council, records

municipality: `unit_id` links it to the TERYT register's unit; its code may be a powiat's
  four digits (a partnership's member) as well as a gmina's seven.
applicant_member: one leader per applicant (a partial unique index).
user_account.municipality_id: the member municipality a partnership's person acts for; a
  member of the person's own applicant (composite foreign key), for town members only.
document_approval: a member municipality's approval of one version of a stage's document.
partnership: the legal form (art. 10g); partnership_council_seat: the council and its chair;
partnership_record: versions of the partnership agreement and of council resolutions.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.models.types

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('partnership',
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('legal_form', sa.Enum('agreement', 'association', 'municipal_union', 'powiat_gmina_union', name='legalform', native_enum=False, length=30), nullable=False),
    sa.Column('created_at', workflow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("legal_form IN ('agreement', 'association', 'municipal_union', 'powiat_gmina_union')", name=op.f('ck_partnership_legal_form_known')),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicant.id'], name=op.f('fk_partnership_applicant_id_applicant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('applicant_id', name=op.f('pk_partnership'))
    )
    op.create_table('partnership_council_seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('person_name', sa.String(length=200), nullable=False),
    sa.Column('office', sa.String(length=120), nullable=False),
    sa.Column('is_chair', sa.Boolean(), nullable=False),
    sa.CheckConstraint('length(person_name) > 0', name=op.f('ck_partnership_council_seat_person_named')),
    sa.ForeignKeyConstraint(['applicant_id', 'municipality_id'], ['applicant_member.applicant_id', 'applicant_member.municipality_id'], name=op.f('fk_partnership_council_seat_applicant_id_applicant_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['applicant_id'], ['partnership.applicant_id'], name=op.f('fk_partnership_council_seat_applicant_id_partnership'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_partnership_council_seat_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partnership_council_seat')),
    sa.UniqueConstraint('applicant_id', 'municipality_id', name=op.f('uq_partnership_council_seat_applicant_id_municipality_id'))
    )
    with op.batch_alter_table('partnership_council_seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partnership_council_seat_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index('uq_partnership_council_seat_one_chair', ['applicant_id'], unique=True, sqlite_where=sa.text('is_chair'), postgresql_where=sa.text('is_chair'))

    op.create_table('document_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('path_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', workflow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id', 'municipality_id'], ['applicant_member.applicant_id', 'applicant_member.municipality_id'], name=op.f('fk_document_approval_applicant_id_applicant_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicant.id'], name=op.f('fk_document_approval_applicant_id_applicant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user_account.id'], name=op.f('fk_document_approval_approved_by_id_user_account')),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_approval_document_id_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_document_approval_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['path_id'], ['path.id'], name=op.f('fk_document_approval_path_id_path'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_approval')),
    sa.UniqueConstraint('document_id', 'municipality_id', name=op.f('uq_document_approval_document_id_municipality_id'))
    )
    with op.batch_alter_table('document_approval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_approval_path_id'), ['path_id'], unique=False)

    op.create_table('partnership_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('agreement', 'resolution', name='recordkind', native_enum=False, length=20), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('adopted_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', workflow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind = 'agreement' OR length(number) > 0", name=op.f('ck_partnership_record_resolution_numbered')),
    sa.CheckConstraint("kind = 'resolution' OR number = ''", name=op.f('ck_partnership_record_agreement_unnumbered')),
    sa.CheckConstraint("kind IN ('agreement', 'resolution')", name=op.f('ck_partnership_record_kind_known')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_partnership_record_version_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_partnership_record_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_partnership_record_document_id_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['path_id'], ['path.id'], name=op.f('fk_partnership_record_path_id_path'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partnership_record')),
    sa.UniqueConstraint('document_id', name=op.f('uq_partnership_record_document_id')),
    sa.UniqueConstraint('path_id', 'kind', 'number', 'version', name=op.f('uq_partnership_record_path_id_kind_number_version'))
    )
    with op.batch_alter_table('partnership_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partnership_record_path_id'), ['path_id'], unique=False)

    with op.batch_alter_table('applicant_member', schema=None) as batch_op:
        batch_op.create_index('uq_applicant_member_one_leader', ['applicant_id'], unique=True, sqlite_where=sa.text('is_leader'), postgresql_where=sa.text('is_leader'))

    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_municipality_teryt_seven_digits'), type_='check')
        batch_op.create_check_constraint(op.f('ck_municipality_teryt_gmina_or_powiat'),
                                         'teryt IS NULL OR length(teryt) = 7 OR length(teryt) = 4')
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_municipality_unit_id'), ['unit_id'])
        batch_op.create_foreign_key(batch_op.f('fk_municipality_unit_id_territorial_unit'), 'territorial_unit', ['unit_id'], ['id'])

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('municipality_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_account_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_user_account_municipality_id_municipality'), 'municipality', ['municipality_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_user_account_applicant_id_applicant_member'), 'applicant_member', ['applicant_id', 'municipality_id'], ['applicant_id', 'municipality_id'])
        batch_op.create_check_constraint(op.f('ck_user_account_municipality_of_town_member'),
                                         "municipality_id IS NULL OR role = 'town'")



def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_municipality_of_town_member'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_user_account_applicant_id_applicant_member'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_user_account_municipality_id_municipality'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_account_municipality_id'))
        batch_op.drop_column('municipality_id')

    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_municipality_unit_id_territorial_unit'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_municipality_unit_id'), type_='unique')
        batch_op.drop_column('unit_id')
        batch_op.drop_constraint(op.f('ck_municipality_teryt_gmina_or_powiat'), type_='check')
        batch_op.create_check_constraint(op.f('ck_municipality_teryt_seven_digits'),
                                         'teryt IS NULL OR length(teryt) = 7')

    with op.batch_alter_table('applicant_member', schema=None) as batch_op:
        batch_op.drop_index('uq_applicant_member_one_leader', sqlite_where=sa.text('is_leader'), postgresql_where=sa.text('is_leader'))

    with op.batch_alter_table('partnership_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partnership_record_path_id'))

    op.drop_table('partnership_record')
    with op.batch_alter_table('document_approval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_approval_path_id'))

    op.drop_table('document_approval')
    with op.batch_alter_table('partnership_council_seat', schema=None) as batch_op:
        batch_op.drop_index('uq_partnership_council_seat_one_chair', sqlite_where=sa.text('is_chair'), postgresql_where=sa.text('is_chair'))
        batch_op.drop_index(batch_op.f('ix_partnership_council_seat_applicant_id'))

    op.drop_table('partnership_council_seat')
    op.drop_table('partnership')
