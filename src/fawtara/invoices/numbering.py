"""Invoice numbers: gapless per merchant when the merchant gives none.

The counter lives on the merchant row and is bumped inside the creating transaction, so the row
lock serialises concurrent creates of one merchant (on SQLite, the write lock does) and a
rolled-back create hands its number back.
"""

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from fawtara.models import Invoice, Merchant

PREFIX = "INV"


def format_number(seq: int) -> str:
    return f"{PREFIX}{seq:05d}"


def number_taken(session: Session, merchant_id: int, number: str) -> bool:
    query = select(exists().where(Invoice.merchant_id == merchant_id, Invoice.number == number))
    return bool(session.scalar(query))


def next_number(session: Session, merchant_id: int) -> str:
    while True:
        seq = session.execute(
            update(Merchant)
            .where(Merchant.id == merchant_id)
            .values(last_invoice_seq=Merchant.last_invoice_seq + 1)
            .returning(Merchant.last_invoice_seq)
        ).scalar_one()
        number = format_number(seq)
        # A number the merchant chose by hand may already hold this slot: step past it.
        if not number_taken(session, merchant_id, number):
            return number
