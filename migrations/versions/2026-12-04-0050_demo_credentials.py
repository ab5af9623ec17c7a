"""The demo merchant's API key and password, sealed under the master key, so that a restarted
demo server shows the same working credentials.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 00:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "demo_credentials",
        sa.Column(
            "merchant_id",
            sa.Integer(),
            sa.ForeignKey("merchants.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "api_key_id",
            sa.Integer(),
            sa.ForeignKey("api_keys.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("api_key_sealed", sa.String(200), nullable=False),
        sa.Column("password_sealed", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("demo_credentials")
