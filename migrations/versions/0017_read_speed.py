"""read speed: indexes HQ lists need at a national register's size

A depot's crates in label order (the crate list and the API's pages), the people and forms
each depot's submissions name (the inspection log's filters, read a step per value), and the
log in received order with its tie-break.

Revision ID: 0017_read_speed
Revises: 0016_tracing
Create Date: 2026-12-01 14:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_read_speed"
down_revision = "0016_tracing"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_crates_depot_label", "crates", ["depot_id", "label_id"]),
    ("ix_submissions_depot_user", "submissions", ["depot_id", "user_id"]),
    ("ix_submissions_depot_form", "submissions", ["depot_id", "form_id"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    op.drop_index("ix_submissions_received", table_name="submissions")
    op.create_index("ix_submissions_received", "submissions", ["received_at", "id"],
                    unique=False)


def downgrade():
    op.drop_index("ix_submissions_received", table_name="submissions")
    op.create_index("ix_submissions_received", "submissions", ["received_at"], unique=False)
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
