"""Merchants: the tenants. Every other table hangs off one."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from fawtara.errors import MerchantNotFound
from fawtara.models import Merchant
from fawtara.money import exponent


def create_merchant(
    session: Session, *, name: str, currency: str = "QAR", tax_rate_bp: int = 0, demo: bool = False
) -> Merchant:
    exponent(currency)  # refuse an unknown default currency up front
    merchant = Merchant(name=name, default_currency=currency, tax_rate_bp=tax_rate_bp, is_demo=demo)
    session.add(merchant)
    session.flush()
    return merchant


def get_merchant(session: Session, merchant_id: int) -> Merchant:
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise MerchantNotFound()
    return merchant


def find_demo_merchant(session: Session) -> Merchant | None:
    return session.scalars(select(Merchant).where(Merchant.is_demo).limit(1)).first()
