"""Invoice numbers: gapless per merchant when the merchant gives none.

The counter lives on the merchant row and is bumped inside the creating transaction, so the row
lock serialises concurrent creates of one merchant (on SQLite, the write lock does) and a
rolled-back create hands its number back. Numbers a merchant chose by hand are stepped past.
The statements run on the session's connection: through the ORM session they cost several times
as much, on every create.
"""

from itertools import islice

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import Session

from fawtara.models import Invoice, Merchant

PREFIX = "INV"
_LOOKUP_CHUNK = 1_000  # numbers per IN (...) list: well under every database's parameter limit


# Built once: constructing a statement costs more than running it on SQLite.
_BUMP = (
    update(Merchant)
    .where(Merchant.id == bindparam("merchant"))
    .values(last_invoice_seq=Merchant.last_invoice_seq + bindparam("wanted"))
    .returning(Merchant.last_invoice_seq)
)
_TAKEN = select(Invoice.number).where(
    Invoice.merchant_id == bindparam("merchant"),
    Invoice.number.in_(bindparam("numbers", expanding=True)),
)
_EXISTS = select(
    exists().where(Invoice.merchant_id == bindparam("merchant"), Invoice.number == bindparam("n"))
)


def format_number(seq: int) -> str:
    return f"{PREFIX}{seq:05d}"


def number_taken(session: Session, merchant_id: int, number: str) -> bool:
    return bool(session.connection().scalar(_EXISTS, {"merchant": merchant_id, "n": number}))


def next_number(session: Session, merchant_id: int) -> str:
    return reserve_numbers(session, merchant_id, 1)[0]


def reserve_numbers(session: Session, merchant_id: int, count: int) -> list[str]:
    """`count` gapless numbers from the merchant's counter, stepping past hand-chosen ones."""
    numbers: list[str] = []
    while len(numbers) < count:
        wanted = count - len(numbers)
        params = {"merchant": merchant_id, "wanted": wanted}
        last = session.connection().execute(_BUMP, params).scalar_one()
        block = [format_number(seq) for seq in range(last - wanted + 1, last + 1)]
        taken = _existing(session, merchant_id, block)
        numbers.extend(n for n in block if n not in taken)
    return numbers


def _existing(session: Session, merchant_id: int, numbers: list[str]) -> set[str]:
    taken: set[str] = set()
    it = iter(numbers)
    while chunk := list(islice(it, _LOOKUP_CHUNK)):
        params = {"merchant": merchant_id, "numbers": chunk}
        taken.update(session.connection().scalars(_TAKEN, params))
    return taken
