"""bodies: users who belong to no country (a regional body, a programme partner)

Revision ID: 0010_bodies
Revises: 0009_inspections
Create Date: 2026-12-01 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_bodies"
down_revision = "0009_inspections"
branch_labels = None
depends_on = None

ROLES = ("inspector", "commander", "reviewer", "admin")
BODY_ROLES = ("regional", "partner")


def upgrade():
    op.create_table(
        "bodies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.Enum("regional", "partner", name="body_kind", native_enum=False,
                                  create_constraint=True, length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bodies")),
        sa.UniqueConstraint("code", name=op.f("uq_bodies_code")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_id", sa.Integer(), nullable=True))
        batch_op.alter_column("country_code", existing_type=sa.String(length=2), nullable=True)
        batch_op.create_index(batch_op.f("ix_users_body_id"), ["body_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_users_body_id_bodies"), "bodies",
                                    ["body_id"], ["id"])
        batch_op.create_check_constraint("country_or_body",
                                         "(country_code IS NULL) <> (body_id IS NULL)")
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint("role", sa.column("role").in_(ROLES + BODY_ROLES))


def downgrade():
    op.execute("DELETE FROM users WHERE body_id IS NOT NULL")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint("role", sa.column("role").in_(ROLES))
        batch_op.drop_constraint(op.f("ck_users_country_or_body"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_users_body_id_bodies"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_users_body_id"))
        batch_op.alter_column("country_code", existing_type=sa.String(length=2), nullable=False)
        batch_op.drop_column("body_id")
    op.drop_table("bodies")
