"""books on HQ pages: catalogues per country (item types, weapon models, makers' aliases and
lots belong to a country, or are shared defaults when country_code is NULL); a consignment
line's missing quantity settled (returned to the sender, lost or stolen in transit)

Revision ID: 0013_books_hq
Revises: 0012_programme
Create Date: 2026-12-01 10:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013_books_hq'
down_revision = '0012_programme'
branch_labels = None
depends_on = None


def _country_column(batch_op, table):
    batch_op.add_column(sa.Column('country_code', sa.String(length=2), nullable=True))
    batch_op.create_foreign_key(batch_op.f(f'fk_{table}_country_code_countries'), 'countries',
                                ['country_code'], ['code'])
    batch_op.create_index(batch_op.f(f'ix_{table}_country_code'), ['country_code'],
                          unique=False)


def upgrade():
    with op.batch_alter_table('consignment_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settled_quantity', sa.Integer(), server_default='0',
                                      nullable=False))
    # every entry made so far is a shared default (country_code NULL)
    with op.batch_alter_table('ammo_item_types', schema=None) as batch_op:
        _country_column(batch_op, 'ammo_item_types')
    with op.batch_alter_table('ammo_lots', schema=None) as batch_op:
        _country_column(batch_op, 'ammo_lots')
        batch_op.drop_constraint('uq_ammo_lots_item_type_id_manufacturer_lot_number',
                                 type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_ammo_lots_country_code_item_type_id_manufacturer_lot_number'),
            ['country_code', 'item_type_id', 'manufacturer', 'lot_number'])
    with op.batch_alter_table('weapon_models', schema=None) as batch_op:
        _country_column(batch_op, 'weapon_models')
        batch_op.drop_constraint('uq_weapon_models_manufacturer_model', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_weapon_models_country_code_manufacturer_model'),
            ['country_code', 'manufacturer', 'model'])
    # maker_aliases gets an id: its key is no longer unique across countries
    rows = op.get_bind().execute(sa.text(
        'SELECT alias_key, alias, maker FROM maker_aliases ORDER BY alias_key')).all()
    op.drop_table('maker_aliases')
    table = op.create_table(
        'maker_aliases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('country_code', sa.String(length=2), nullable=True),
        sa.Column('alias_key', sa.String(length=100), nullable=False),
        sa.Column('alias', sa.String(length=100), nullable=False),
        sa.Column('maker', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['country_code'], ['countries.code'],
                                name=op.f('fk_maker_aliases_country_code_countries')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_maker_aliases')),
        sa.UniqueConstraint('country_code', 'alias_key',
                            name=op.f('uq_maker_aliases_country_code_alias_key')))
    with op.batch_alter_table('maker_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maker_aliases_country_code'), ['country_code'],
                              unique=False)
    if rows:
        op.bulk_insert(table, [{'alias_key': k, 'alias': a, 'maker': m} for k, a, m in rows])


def downgrade():
    rows = op.get_bind().execute(sa.text(
        'SELECT alias_key, alias, maker FROM maker_aliases WHERE country_code IS NULL')).all()
    op.drop_table('maker_aliases')
    table = op.create_table(
        'maker_aliases',
        sa.Column('alias_key', sa.String(length=100), nullable=False),
        sa.Column('alias', sa.String(length=100), nullable=False),
        sa.Column('maker', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('alias_key', name=op.f('pk_maker_aliases')))
    if rows:
        op.bulk_insert(table, [{'alias_key': k, 'alias': a, 'maker': m} for k, a, m in rows])
    with op.batch_alter_table('weapon_models', schema=None) as batch_op:
        batch_op.drop_constraint('uq_weapon_models_country_code_manufacturer_model',
                                 type_='unique')
        batch_op.create_unique_constraint('uq_weapon_models_manufacturer_model',
                                          ['manufacturer', 'model'])
        batch_op.drop_index(batch_op.f('ix_weapon_models_country_code'))
        batch_op.drop_constraint('fk_weapon_models_country_code_countries', type_='foreignkey')
        batch_op.drop_column('country_code')
    with op.batch_alter_table('ammo_lots', schema=None) as batch_op:
        batch_op.drop_constraint(
            'uq_ammo_lots_country_code_item_type_id_manufacturer_lot_number', type_='unique')
        batch_op.create_unique_constraint('uq_ammo_lots_item_type_id_manufacturer_lot_number',
                                          ['item_type_id', 'manufacturer', 'lot_number'])
        batch_op.drop_index(batch_op.f('ix_ammo_lots_country_code'))
        batch_op.drop_constraint('fk_ammo_lots_country_code_countries', type_='foreignkey')
        batch_op.drop_column('country_code')
    with op.batch_alter_table('consignment_lines', schema=None) as batch_op:
        batch_op.drop_column('settled_quantity')
    with op.batch_alter_table('ammo_item_types', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ammo_item_types_country_code'))
        batch_op.drop_constraint('fk_ammo_item_types_country_code_countries',
                                 type_='foreignkey')
        batch_op.drop_column('country_code')
