"""Hesabe-style invoices and sessions: invoice delivery fields, bulk origin, refresh tokens.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INVOICE_COLUMNS = (
    "reference_number",
    "delivery",
    "channel",
    "payment_methods",
    "expires_at",
    "origin",
    "scheduled_at",
    "access_key",
)


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("reference_number", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("delivery", sa.String(10), nullable=False, server_default="link")
        )
        batch.add_column(sa.Column("channel", sa.String(10), nullable=False, server_default="link"))
        batch.add_column(sa.Column("payment_methods", sa.String(100), nullable=True))
        batch.add_column(sa.Column("expires_at", sa.Date(), nullable=True))
        batch.add_column(sa.Column("origin", sa.String(10), nullable=False, server_default="api"))
        batch.add_column(sa.Column("scheduled_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("access_key", sa.String(32), nullable=True))
        batch.create_index("ix_invoices_merchant_id_origin_id", ["merchant_id", "origin", "id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("merchant_users.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("family", sa.String(32), nullable=False, index=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("refresh_tokens")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_index("ix_invoices_merchant_id_origin_id")
        for column in reversed(_INVOICE_COLUMNS):
            batch.drop_column(column)
