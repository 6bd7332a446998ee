"""register: search keys and ITI fields on weapons, weapon alerts, tracing requests

Revision ID: 0015_register
Revises: 0014_speed
Create Date: 2026-12-01 10:40:00

"""
import sqlalchemy as sa
from alembic import op

from sync.stock.serials import serial_key

revision = '0015_register'
down_revision = '0014_speed'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # in pg_catalog: always on the search path, and untouched by dropping a schema
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA pg_catalog")
    with op.batch_alter_table('weapons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('serial_key', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('registry_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('marking_key', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('marking_positions', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('marking_photos', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('acquisition', sa.String(length=16), server_default='', nullable=False))
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
    weapons = sa.table('weapons', sa.column('id', sa.String), sa.column('serial', sa.String),
                       sa.column('registry_serial', sa.String),
                       sa.column('serial_key', sa.String), sa.column('registry_key', sa.String),
                       sa.column('marking_positions', sa.JSON),
                       sa.column('marking_photos', sa.JSON))
    bind = op.get_bind()
    rows = bind.execute(sa.select(weapons.c.id, weapons.c.serial, weapons.c.registry_serial)).all()
    for start in range(0, len(rows), 1000):
        bind.execute(weapons.update().where(weapons.c.id == sa.bindparam('wid')).values(
            serial_key=sa.bindparam('key'), registry_key=sa.bindparam('rkey'),
            marking_positions=sa.bindparam('pos'), marking_photos=sa.bindparam('pho')),
            [{'wid': i, 'key': serial_key(s), 'rkey': serial_key(r) if r else None,
              'pos': [], 'pho': []} for i, s, r in rows[start:start + 1000]])
    with op.batch_alter_table('weapons', schema=None) as batch_op:
        batch_op.alter_column('marking_positions', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('marking_photos', existing_type=sa.JSON(), nullable=False)
        batch_op.create_index('ix_weapons_country_serial_key', ['country_code', 'serial_key'], unique=False, postgresql_ops={'serial_key': 'varchar_pattern_ops'})
        batch_op.create_index('ix_weapons_serial_key_trgm', ['serial_key'], unique=False, postgresql_using='gin', postgresql_ops={'serial_key': 'gin_trgm_ops'})
        batch_op.create_index('ix_weapons_country_registry_key', ['country_code', 'registry_key'], unique=False)
        batch_op.create_index('ix_weapons_country_marking_key', ['country_code', 'marking_key'], unique=False, postgresql_ops={'marking_key': 'varchar_pattern_ops'})

    op.create_table('weapon_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('weapon_id', sa.String(length=36), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('depot_id', sa.Integer(), nullable=True),
    sa.Column('seen_as', sa.String(length=64), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by'], ['users.id'], name=op.f('fk_weapon_alerts_closed_by_users')),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_weapon_alerts_country_code_countries')),
    sa.ForeignKeyConstraint(['depot_id'], ['depots.id'], name=op.f('fk_weapon_alerts_depot_id_depots')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_weapon_alerts_user_id_users')),
    sa.ForeignKeyConstraint(['weapon_id'], ['weapons.id'], name=op.f('fk_weapon_alerts_weapon_id_weapons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weapon_alerts'))
    )
    with op.batch_alter_table('weapon_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_weapon_alerts_country_status', ['country_code', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_weapon_alerts_weapon_id'), ['weapon_id'], unique=False)

    op.create_table('tracing_requests',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('requesting_country', sa.String(length=2), nullable=False),
    sa.Column('requested_country', sa.String(length=2), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('weapon', sa.JSON(), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('seized_weapon_id', sa.String(length=36), nullable=True),
    sa.Column('requester_contact', sa.String(length=200), nullable=False),
    sa.Column('answer_contact', sa.String(length=200), nullable=False),
    sa.Column('requested_answer_by', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledge_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('released', sa.JSON(), nullable=False),
    sa.Column('answer_text', sa.Text(), nullable=False),
    sa.Column('matched_weapon_id', sa.String(length=36), nullable=True),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('history', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by'], ['users.id'], name=op.f('fk_tracing_requests_answered_by_users')),
    sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_tracing_requests_body_id_bodies')),
    sa.ForeignKeyConstraint(['matched_weapon_id'], ['weapons.id'], name=op.f('fk_tracing_requests_matched_weapon_id_weapons')),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_tracing_requests_requested_by_users')),
    sa.ForeignKeyConstraint(['requested_country'], ['countries.code'], name=op.f('fk_tracing_requests_requested_country_countries')),
    sa.ForeignKeyConstraint(['requesting_country'], ['countries.code'], name=op.f('fk_tracing_requests_requesting_country_countries')),
    sa.ForeignKeyConstraint(['seized_weapon_id'], ['weapons.id'], name=op.f('fk_tracing_requests_seized_weapon_id_weapons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracing_requests')),
    sa.UniqueConstraint('reference', name=op.f('uq_tracing_requests_reference'))
    )
    with op.batch_alter_table('tracing_requests', schema=None) as batch_op:
        batch_op.create_index('ix_tracing_requests_requested', ['requested_country', 'status'], unique=False)
        batch_op.create_index('ix_tracing_requests_requesting', ['requesting_country', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tracing_requests_body_id'), ['body_id'], unique=False)


def downgrade():
    op.drop_table('tracing_requests')
    op.drop_table('weapon_alerts')
    with op.batch_alter_table('weapons', schema=None) as batch_op:
        batch_op.drop_index('ix_weapons_country_marking_key')
        batch_op.drop_index('ix_weapons_country_registry_key')
        batch_op.drop_index('ix_weapons_serial_key_trgm')
        batch_op.drop_index('ix_weapons_country_serial_key')
        batch_op.drop_column('last_seen_at')
        batch_op.drop_column('acquisition')
        batch_op.drop_column('marking_photos')
        batch_op.drop_column('marking_positions')
        batch_op.drop_column('marking_key')
        batch_op.drop_column('registry_key')
        batch_op.drop_column('serial_key')
