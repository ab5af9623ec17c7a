"""The hot read of one invoice, in plain DBAPI calls.

`GET /v1/invoices/{id}` is the most frequent request. On it, SQLAlchemy's per-execution work
(parameter and result processing, session and transaction events) cost about five times what
the SQLite queries themselves do (bench/README.md has the profile). So this one read runs the
repository's own Core statement (the invoice with its items and payments as JSON columns: one
round trip), compiled once per dialect, straight on a DBAPI connection (`Database.fetch_one`),
and converts the few typed columns (SQLite's booleans and datetimes) itself. Writes, lists and
everything else go through SQLAlchemy as usual.

It is the one read of an invoice's view: the Fatora and Hesabe GETs run it alone
(`invoices.read`, through `Database.fetch_one`), the page, the PDF and each write's answer inside
their unit of work (`view_in`); the statement and the decoder are the same. Measured against the
same statement through SQLAlchemy and its one pool (same run, alternating, 2 workers, 64
connections, bench/README.md "One read path"), this layer serves GETs enough faster to stay.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import Dialect, Select
from sqlalchemy.orm import Session

from fawtara.invoices import repository
from fawtara.invoices.schemas import InvoiceView


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # parameter order, for positional paramstyles
    positional: bool
    columns: tuple[str, ...]

    def params(self, values: Mapping[str, int]) -> tuple[int, ...] | dict[str, int]:
        return tuple(values[n] for n in self.names) if self.positional else dict(values)


def _compile(statement: Select[Any], dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    columns = tuple(str(c.key) for c in statement.selected_columns)
    return _Compiled(str(compiled), names, bool(compiled.positional), columns)


@cache
def one_invoice(dialect: Dialect) -> _Compiled:
    """The hot read as one statement for this database (compiled once per dialect)."""
    return _compile(repository.one_invoice_with_children(dialect.name), dialect)


_BOOLEANS = ("tax", "accept_card", "accept_bank_account", "accept_cash", "accept_paypal",
             "accept_e_signature")  # fmt: skip
_AWARE = ("date", "created_at", "updated_at", "scheduled_at")


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


def invoice_from_row(statement: _Compiled, found: Sequence[Any]) -> InvoiceView:
    """The view of `one_invoice`'s row (its two JSON columns arrive as text)."""
    row = dict(zip(statement.columns, found, strict=True))
    for name in _AWARE:
        row[name] = _aware(row[name])
    row["due_date"] = _naive(row["due_date"])
    row["expires_at"] = _date(row["expires_at"])
    for name in _BOOLEANS:
        row[name] = bool(row[name])
    payments = orjson.loads(row["payments"])
    for payment in payments:
        payment["payment_date"] = _naive(payment["payment_date"])
    return repository.invoice_view(row, orjson.loads(row["items"]), payments)


def view_in(session: Session, merchant_id: int, invoice_id: int) -> InvoiceView | None:
    """The same read inside a unit of work (after a write, on its connection and transaction),
    as driver SQL: SQLAlchemy's result processing is what `invoice_from_row` does itself."""
    connection = session.connection()
    statement = one_invoice(connection.dialect)
    params = statement.params({"merchant_id": merchant_id, "invoice_id": invoice_id})
    row = connection.exec_driver_sql(statement.sql, params).first()
    return invoice_from_row(statement, row) if row is not None else None
