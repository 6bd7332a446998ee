"""speed: indexes a national register needs (a crate's page, the country's inspection log)

Revision ID: 0014_speed
Revises: 0013_books_hq
Create Date: 2026-12-01 11:10:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_speed"
down_revision = "0013_books_hq"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_audit_events_entity", "audit_events", ["entity", "entity_id"]),
    ("ix_changes_entity", "changes", ["entity", "entity_id"]),
    ("ix_applied_ops_entity", "applied_ops", ["entity", "entity_id"]),
    ("ix_submissions_received", "submissions", ["received_at"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
