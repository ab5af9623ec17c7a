"""Invoice numbers: gapless per merchant when the merchant gives none.

The counter lives on the merchant row and is bumped inside the creating transaction, so the row
lock serialises concurrent creates of one merchant (on SQLite, the write lock does) and a
rolled-back create hands its number back. Numbers a merchant chose by hand are stepped past.
"""

from itertools import islice

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from fawtara.models import Invoice, Merchant

PREFIX = "INV"
_LOOKUP_CHUNK = 1_000  # numbers per IN (...) list: well under every database's parameter limit


def format_number(seq: int) -> str:
    return f"{PREFIX}{seq:05d}"


def number_taken(session: Session, merchant_id: int, number: str) -> bool:
    query = select(exists().where(Invoice.merchant_id == merchant_id, Invoice.number == number))
    return bool(session.scalar(query))


def next_number(session: Session, merchant_id: int) -> str:
    return reserve_numbers(session, merchant_id, 1)[0]


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
