"""Each merchant's number of invoices, kept by the database: an unfiltered list's total is read,
not counted (a COUNT over a merchant's invoices grows with them: 1M took ~40 ms a page).

Triggers keep it for every way invoices are written (the API, bulk uploads, COPY, a merchant's
deletion): on SQLite one step a row; on PostgreSQL one grouped update a statement, over its
transition table (a bulk insert does not update the merchant row once a row).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE = [
    f"""CREATE TRIGGER invoices_counted_{event.lower()} AFTER {event} ON invoices
        BEGIN UPDATE merchants SET invoice_count = invoice_count {sign} 1
              WHERE id = {row}.merchant_id; END"""
    for event, sign, row in (("INSERT", "+", "NEW"), ("DELETE", "-", "OLD"))
]
_POSTGRES = [
    """CREATE FUNCTION invoices_counted() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'INSERT' THEN
           UPDATE merchants m SET invoice_count = m.invoice_count + n.rows
             FROM (SELECT merchant_id, count(*) AS rows FROM new_rows GROUP BY merchant_id) n
            WHERE m.id = n.merchant_id;
         ELSE
           UPDATE merchants m SET invoice_count = m.invoice_count - o.rows
             FROM (SELECT merchant_id, count(*) AS rows FROM old_rows GROUP BY merchant_id) o
            WHERE m.id = o.merchant_id;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER invoices_counted_insert AFTER INSERT ON invoices
       REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION invoices_counted()""",
    """CREATE TRIGGER invoices_counted_delete AFTER DELETE ON invoices
       REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION invoices_counted()""",
]


def upgrade() -> None:
    with op.batch_alter_table("merchants") as batch:
        batch.add_column(
            sa.Column("invoice_count", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE merchants SET invoice_count ="
        " (SELECT count(*) FROM invoices i WHERE i.merchant_id = merchants.id)"
    )
    for statement in _SQLITE if op.get_bind().dialect.name == "sqlite" else _POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("insert", "delete"):
            op.execute(f"DROP TRIGGER invoices_counted_{event}")
    else:
        for event in ("insert", "delete"):
            op.execute(f"DROP TRIGGER invoices_counted_{event} ON invoices")
        op.execute("DROP FUNCTION invoices_counted()")
    with op.batch_alter_table("merchants") as batch:
        batch.drop_column("invoice_count")
