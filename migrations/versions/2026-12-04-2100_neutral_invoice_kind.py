"""Invoices store a dialect-free kind ("quick", "detailed"); each dialect spells it on its wire
(Fatora's "Quick invoice", "Detailed invoice").

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_invoices = sa.table("invoices", sa.column("type", sa.String()))
# The stored values before and after this revision (a migration keeps its own copy).
_KINDS = {"Quick invoice": "quick", "Detailed invoice": "detailed"}


def _rename(names: dict[str, str]) -> None:
    for old, new in names.items():
        op.execute(_invoices.update().where(_invoices.c.type == old).values(type=new))


def upgrade() -> None:
    _rename(_KINDS)


def downgrade() -> None:
    _rename({new: old for old, new in _KINDS.items()})
