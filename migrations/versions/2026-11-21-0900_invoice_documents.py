"""The invoice link: each invoice keeps the tax rate it was issued with; rendered PDFs are kept.
Failed sign-ins are counted (throttle_counters).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("tax_rate_bp", sa.Integer(), nullable=False, server_default="0"))
    # Invoices issued before: the rate they were computed with is their merchant's present one.
    op.execute(
        "UPDATE invoices SET tax_rate_bp = (SELECT m.tax_rate_bp FROM merchants m"
        " WHERE m.id = invoices.merchant_id) WHERE tax"
    )
    op.create_table(
        "invoice_documents",
        sa.Column(
            "invoice_id",
            sa.Integer(),
            sa.ForeignKey("invoices.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "throttle_counters",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("throttle_counters")
    op.drop_table("invoice_documents")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("tax_rate_bp")
