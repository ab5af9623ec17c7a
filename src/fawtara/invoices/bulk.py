"""Creating many invoices at once (bulk upload): all or nothing, in set-based statements.

The rows come already validated. They are written in chunks of plain Core `executemany`
statements (clients, invoices, items), all inside the caller's one transaction, so a failure
anywhere leaves nothing behind; chunking bounds the memory the parameter lists take. One audit
event records the batch (a per-invoice snapshot would double the write for no reader).
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from fawtara.audit import service as audit
from fawtara.credentials.principal import Principal
from fawtara.errors import InvalidInvoice
from fawtara.invoices.numbering import format_number
from fawtara.invoices.schemas import QUICK
from fawtara.invoices.service import new_access_key, new_link_token
from fawtara.models import Client, Invoice, InvoiceItem, Merchant
from fawtara.models.base import utcnow

CHUNK = 2_000
_LOOKUP_CHUNK = 1_000  # names per IN (...) list: well under every database's parameter limit


class BulkLine(Protocol):
    """One validated line of an upload (the dialect's row type satisfies this)."""

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


def _chunks(rows: Sequence[BulkLine], size: int) -> Iterator[Sequence[BulkLine]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


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
    currency = merchant.default_currency
    numbers = reserve_numbers(session, principal.merchant_id, len(lines))
    clients = _ClientResolver(session, principal.merchant_id)
    origin = "scheduled" if scheduled else "bulk"
    connection = session.connection()
    now = utcnow()
    ids: list[int] = []
    for offset, chunk in zip(range(0, len(lines), CHUNK), _chunks(lines, CHUNK), strict=True):
        client_ids = clients.resolve(chunk)
        rows: list[dict[str, Any]] = [
            {
                "merchant_id": principal.merchant_id,
                "number": numbers[offset + i],
                "currency": currency,
                "title": line.description,
                "date": now,
                "status": "unpaid",
                "type": QUICK,
                "client_id": client_id,
                "link_token": new_link_token(),
                "access_key": new_access_key(),
                "language": language,
                "total_minor": line.amount_minor,
                "reference_number": line.reference_number,
                "origin": origin,
                "scheduled_at": line.schedule_time,
                "created_at": now,
                "updated_at": now,
            }
            for i, (line, client_id) in enumerate(zip(chunk, client_ids, strict=True))
        ]
        inserted = connection.execute(
            insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True), rows
        )
        chunk_ids = list(inserted.scalars())
        connection.execute(
            insert(InvoiceItem),
            [
                {
                    "invoice_id": invoice_id,
                    "position": 0,
                    "description": line.description or line.reference_number,
                    "type": "Service Item",
                    "qty_milli": 1_000,
                    "amount_minor": line.amount_minor,
                }
                for invoice_id, line in zip(chunk_ids, chunk, strict=True)
            ],
        )
        ids.extend(chunk_ids)
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
            "origin": origin,
        },  # fmt: skip
    )
    return result


def reserve_numbers(session: Session, merchant_id: int, count: int) -> list[str]:
    """`count` gapless numbers from the merchant's counter, stepping past hand-chosen ones."""
    numbers: list[str] = []
    while len(numbers) < count:
        wanted = count - len(numbers)
        last = session.execute(
            update(Merchant)
            .where(Merchant.id == merchant_id)
            .values(last_invoice_seq=Merchant.last_invoice_seq + wanted)
            .returning(Merchant.last_invoice_seq)
        ).scalar_one()
        block = [format_number(seq) for seq in range(last - wanted + 1, last + 1)]
        taken = _existing(session, merchant_id, block)
        numbers.extend(n for n in block if n not in taken)
    return numbers


def _existing(session: Session, merchant_id: int, numbers: list[str]) -> set[str]:
    taken: set[str] = set()
    it = iter(numbers)
    while chunk := list(islice(it, _LOOKUP_CHUNK)):
        taken.update(
            session.scalars(
                select(Invoice.number).where(
                    Invoice.merchant_id == merchant_id, Invoice.number.in_(chunk)
                )
            )
        )
    return taken


class _ClientResolver:
    """Client ids for upload lines: one client per email (existing ones reused, as a single
    invoice create does), and one per line that has no email."""

    def __init__(self, session: Session, merchant_id: int) -> None:
        self._session = session
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
            rows = self._session.execute(
                select(Client.email, Client.id).where(
                    Client.merchant_id == self._merchant_id,
                    Client.email.in_(unknown[start : start + _LOOKUP_CHUNK]),
                )
            )
            self._by_email.update((email, client_id) for email, client_id in rows if email)

    def _insert(self, lines: list[BulkLine]) -> list[int]:
        if not lines:
            return []
        now = utcnow()
        result = self._session.connection().execute(
            insert(Client).returning(Client.id, sort_by_parameter_order=True),
            [
                {
                    "merchant_id": self._merchant_id,
                    "name": line.name,
                    "phone": line.phone,
                    "email": line.email,
                    "created_at": now,
                    "updated_at": now,
                }
                for line in lines
            ],
        )
        return list(result.scalars())
