"""The mapped classes' tables, typed as Tables for Core statements (the declarative
`__table__` is typed as a FromClause, which insert/update/delete do not accept)."""

from sqlalchemy import Table

from fawtara.models.client import Client
from fawtara.models.invoice import Invoice
from fawtara.models.item import InvoiceItem
from fawtara.models.payment import Payment

invoices: Table = Invoice.__table__  # type: ignore[assignment]
clients: Table = Client.__table__  # type: ignore[assignment]
items: Table = InvoiceItem.__table__  # type: ignore[assignment]
payments: Table = Payment.__table__  # type: ignore[assignment]
