"""The hot read of one invoice, in plain DBAPI calls.

`GET /v1/invoices/{id}` is the most frequent request. On it, SQLAlchemy's per-execution work
(parameter and result processing, session and transaction events) cost about five times what
the SQLite queries themselves do (bench/README.md has the profile). So this one read runs the
repository's own Core statements, compiled once per dialect, straight on the DBAPI connection,
and converts the few typed columns (SQLite's booleans and datetimes) itself. Writes, lists and
everything else go through SQLAlchemy as usual.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import Dialect, Select

from fawtara.invoices import repository
from fawtara.invoices.schemas import InvoiceView


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # parameter order, for positional paramstyles
    positional: bool
    columns: tuple[str, ...]

    def execute(self, cursor: Any, values: Mapping[str, int]) -> list[tuple[Any, ...]]:
        params = tuple(values[n] for n in self.names) if self.positional else dict(values)
        cursor.execute(self.sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def _compile(statement: Select[Any], dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    columns = tuple(str(c.key) for c in statement.selected_columns)
    return _Compiled(str(compiled), names, bool(compiled.positional), columns)


class _Statements(NamedTuple):
    invoice: _Compiled
    items: _Compiled
    payments: _Compiled


@cache
def _statements(dialect: Dialect) -> _Statements:
    return _Statements(
        _compile(repository.ONE_INVOICE, dialect),
        _compile(repository.ITEMS_OF_ONE, dialect),
        _compile(repository.PAYMENTS_OF_ONE, dialect),
    )


def _rows(statement: _Compiled, rows: list[tuple[Any, ...]]) -> list[SimpleNamespace]:
    return [SimpleNamespace(**dict(zip(statement.columns, row, strict=True))) for row in rows]


_BOOLEANS = ("tax", "accept_card", "accept_bank_account", "accept_cash", "accept_paypal",
             "accept_e_signature")  # fmt: skip


def _naive(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)  # SQLite keeps datetimes as ISO text


def _aware(value: Any) -> datetime | None:
    """A UTC column (see models.base.UTCDateTime), read without its type processing."""
    naive = _naive(value)
    return naive.replace(tzinfo=UTC) if naive is not None and naive.tzinfo is None else naive


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def read_invoice(
    connection: Any, dialect: Dialect, merchant_id: int, invoice_id: int
) -> InvoiceView | None:
    """One invoice of this merchant, or None: three statements in one transaction."""
    s = _statements(dialect)
    cursor = connection.cursor()
    try:
        if dialect.name == "sqlite":
            cursor.execute("BEGIN")  # one snapshot for the three reads
        found = s.invoice.execute(cursor, {"merchant_id": merchant_id, "invoice_id": invoice_id})
        if not found:
            return None
        invoice = _rows(s.invoice, found)[0]
        key = {"invoice_id": invoice_id}
        items = _rows(s.items, s.items.execute(cursor, key))
        payments = _rows(s.payments, s.payments.execute(cursor, key))
    finally:
        connection.rollback()  # read-only: ends the transaction on either database
        cursor.close()
    for name in ("date", "created_at", "updated_at", "scheduled_at"):
        setattr(invoice, name, _aware(getattr(invoice, name)))
    invoice.due_date = _naive(invoice.due_date)
    invoice.expires_at = _date(invoice.expires_at)
    for name in _BOOLEANS:
        setattr(invoice, name, bool(getattr(invoice, name)))
    for payment in payments:
        payment.payment_date = _naive(payment.payment_date)
    return repository.views_from_rows([invoice], items, payments)[0]
