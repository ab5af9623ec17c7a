"""Hesabe-style credentials: merchant code, access code, sealed envelope key and IV; users.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: merchants made before this revision get theirs from
    # `fawtara merchant hesabe-credentials`.
    with op.batch_alter_table("merchants") as batch:
        batch.add_column(sa.Column("merchant_code", sa.String(32), nullable=True))
        batch.add_column(sa.Column("access_code", sa.String(36), nullable=True))
        batch.add_column(sa.Column("secret_key_sealed", sa.String(200), nullable=True))
        batch.add_column(sa.Column("iv_sealed", sa.String(200), nullable=True))
        batch.create_unique_constraint("uq_merchants_merchant_code", ["merchant_code"])
        batch.create_unique_constraint("uq_merchants_access_code", ["access_code"])
    op.create_table(
        "merchant_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "merchant_id",
            sa.Integer(),
            sa.ForeignKey("merchants.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("username", sa.String(150), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("merchant_users")
    with op.batch_alter_table("merchants") as batch:
        batch.drop_constraint("uq_merchants_access_code", type_="unique")
        batch.drop_constraint("uq_merchants_merchant_code", type_="unique")
        for column in ("iv_sealed", "secret_key_sealed", "access_code", "merchant_code"):
            batch.drop_column(column)
