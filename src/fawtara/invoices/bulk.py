"""Creating many invoices at once (bulk upload): all or nothing, in set-based statements.

The rows come already validated. Ids are allocated up front, and the clients, invoices and items
are written in chunks by `fawtara.bulk_insert` (COPY on PostgreSQL), all inside the caller's one
transaction, so a failure anywhere leaves nothing behind; chunking bounds the memory the rows
take. One audit event records the batch (a per-invoice snapshot would double the write for no
reader).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from fawtara.audit import service as audit
from fawtara.bulk_insert import allocate_ids, insert_rows
from fawtara.credentials.principal import Principal
from fawtara.errors import InvalidInvoice
from fawtara.invoices.numbering import reserve_numbers
from fawtara.invoices.schemas import QUICK
from fawtara.invoices.service import new_access_key, new_link_token
from fawtara.models import Merchant, tables
from fawtara.models.base import utcnow

CHUNK = 5_000
_LOOKUP_CHUNK = 1_000  # names per IN (...) list: well under every database's parameter limit
_invoices, _items, _clients = tables.invoices, tables.items, tables.clients
_INVOICE_COLUMNS = ("id", "number", "title", "client_id", "link_token", "access_key",
                    "total_minor", "reference_number", "scheduled_at")  # fmt: skip


class BulkLine(Protocol):
    """One validated line of an upload (`bulk_file.BulkRow` satisfies this)."""

    @property
    def reference_number(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def amount_minor(self) -> int: ...
    @property
    def description(self) -> str | None: ...
    @property
    def schedule_time(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class BulkResult:
    count: int
    first_id: int
    last_id: int


def create_many(
    session: Session,
    principal: Principal,
    lines: Sequence[BulkLine],
    *,
    scheduled: bool,
    language: str = "en",
) -> BulkResult:
    if not lines:
        raise InvalidInvoice("the file has no invoices", field="invoices")
    merchant = session.get(Merchant, principal.merchant_id)
    assert merchant is not None, "an authenticated principal's merchant exists"
    numbers = reserve_numbers(session, principal.merchant_id, len(lines))
    connection = session.connection()
    ids = allocate_ids(connection, _invoices, len(lines))
    clients = _ClientResolver(connection, principal.merchant_id)
    now = utcnow()
    invoice_constants = {
        "merchant_id": principal.merchant_id,
        "currency": merchant.default_currency,
        "date": now,
        "status": "unpaid",
        "type": QUICK,
        "language": language,
        "origin": "scheduled" if scheduled else "bulk",
        "created_at": now,
        "updated_at": now,
    }
    item_constants = {"position": 0, "type": "Service Item", "qty_milli": 1_000}
    for offset in range(0, len(lines), CHUNK):
        chunk = lines[offset : offset + CHUNK]
        client_ids = clients.resolve(chunk)
        chunk_ids = ids[offset : offset + len(chunk)]
        insert_rows(
            connection,
            _invoices,
            _INVOICE_COLUMNS,
            (
                (
                    invoice_id,
                    numbers[offset + i],
                    line.description,
                    client_id,
                    new_link_token(),
                    new_access_key(),
                    line.amount_minor,
                    line.reference_number,
                    line.schedule_time,
                )
                for i, (invoice_id, line, client_id) in enumerate(
                    zip(chunk_ids, chunk, client_ids, strict=True)
                )
            ),  # fmt: skip
            invoice_constants,
        )
        insert_rows(
            connection,
            _items,
            ("invoice_id", "description", "amount_minor"),
            (
                (invoice_id, line.description or line.reference_number, line.amount_minor)
                for invoice_id, line in zip(chunk_ids, chunk, strict=True)
            ),
            item_constants,
        )
    result = BulkResult(len(ids), ids[0], ids[-1])
    audit.record(
        session,
        merchant_id=principal.merchant_id,
        actor=principal.actor,
        action="invoices.bulk_created",
        entity_type="invoice",
        entity_id=result.first_id,
        snapshot={
            "count": result.count,
            "first_id": result.first_id,
            "last_id": result.last_id,
            "origin": invoice_constants["origin"],
        },  # fmt: skip
    )
    return result


class _ClientResolver:
    """Client ids for upload lines: one client per email (existing ones reused, as a single
    invoice create does), and one per line that has no email."""

    def __init__(self, connection: Connection, merchant_id: int) -> None:
        self._connection = connection
        self._merchant_id = merchant_id
        self._by_email: dict[str, int] = {}

    def resolve(self, lines: Sequence[BulkLine]) -> list[int]:
        self._load_known([line.email for line in lines if line.email])
        new: dict[str, BulkLine] = {}
        anonymous: list[BulkLine] = []
        for line in lines:
            if line.email is None:
                anonymous.append(line)
            elif line.email not in self._by_email and line.email not in new:
                new[line.email] = line
        created = self._insert([*new.values(), *anonymous])
        self._by_email.update(zip(new, created, strict=False))
        without_email = iter(created[len(new) :])
        return [self._by_email[line.email] if line.email else next(without_email) for line in lines]

    def _load_known(self, emails: list[str]) -> None:
        unknown = [e for e in dict.fromkeys(emails) if e not in self._by_email]
        for start in range(0, len(unknown), _LOOKUP_CHUNK):
            rows = self._connection.execute(
                select(_clients.c.email, _clients.c.id).where(
                    _clients.c.merchant_id == self._merchant_id,
                    _clients.c.email.in_(unknown[start : start + _LOOKUP_CHUNK]),
                )
            )
            self._by_email.update((email, client_id) for email, client_id in rows if email)

    def _insert(self, lines: list[BulkLine]) -> list[int]:
        ids = allocate_ids(self._connection, _clients, len(lines))
        now = utcnow()
        insert_rows(
            self._connection,
            _clients,
            ("id", "name", "phone", "email"),
            ((i, line.name, line.phone, line.email) for i, line in zip(ids, lines, strict=True)),
            {"merchant_id": self._merchant_id, "created_at": now, "updated_at": now},
        )
        return ids
