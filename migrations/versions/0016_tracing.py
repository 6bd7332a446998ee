"""tracing: the photos of the weapon and its markings a tracing request carries

Revision ID: 0016_tracing
Revises: 0015_register
Create Date: 2026-12-01 13:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0016_tracing'
down_revision = '0015_register'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tracing_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photos', sa.JSON(), nullable=True))
    requests = sa.table('tracing_requests', sa.column('photos', sa.JSON))
    op.get_bind().execute(requests.update().values(photos=[]))
    with op.batch_alter_table('tracing_requests', schema=None) as batch_op:
        batch_op.alter_column('photos', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('tracing_requests', schema=None) as batch_op:
        batch_op.drop_column('photos')
