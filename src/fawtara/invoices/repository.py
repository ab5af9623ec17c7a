"""Invoice queries; every one takes the merchant id.

Reads select plain columns (no ORM identity map) and build views directly: this is the hot path
of `GET /v1/invoices/{id}`. Writes load ORM objects with their rows locked.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Row, Select, delete, func, or_, select
from sqlalchemy.orm import Session, selectinload

from fawtara.clients.schemas import ClientView
from fawtara.invoices.schemas import (
    InvoiceFilters,
    InvoiceView,
    ItemView,
    PaymentView,
    SettingView,
)
from fawtara.models import Client, Invoice, InvoiceItem, Payment
from fawtara.money import from_minor, unscale

_INVOICE_COLUMNS = (
    Invoice.id,
    Invoice.number,
    Invoice.currency,
    Invoice.title,
    Invoice.terms_conditions,
    Invoice.note,
    Invoice.date,
    Invoice.due_date,
    Invoice.status,
    Invoice.type,
    Invoice.link_token,
    Invoice.tax,
    Invoice.discount_type,
    Invoice.discount_minor,
    Invoice.discount_rate_bp,
    Invoice.language,
    Invoice.accept_card,
    Invoice.accept_bank_account,
    Invoice.accept_cash,
    Invoice.accept_paypal,
    Invoice.accept_e_signature,
    Invoice.total_minor,
    Invoice.paid_minor,
    Invoice.version,
    Invoice.client_id,
    Client.name.label("client_name"),
    Client.address.label("client_address"),
    Client.phone.label("client_phone"),
    Client.email.label("client_email"),
    Client.notes.label("client_notes"),
)

_ITEM_COLUMNS = (
    InvoiceItem.invoice_id,
    InvoiceItem.id,
    InvoiceItem.description,
    InvoiceItem.type,
    InvoiceItem.qty_milli,
    InvoiceItem.amount_minor,
)

_PAYMENT_COLUMNS = (
    Payment.invoice_id,
    Payment.id,
    Payment.payment_date,
    Payment.transaction_id,
    Payment.amount_minor,
    Payment.note,
    Payment.payment_type,
    Payment.status,
)


def _base(merchant_id: int) -> Select[*tuple[Any, ...]]:
    return (
        select(*_INVOICE_COLUMNS)
        .outerjoin(Client, Client.id == Invoice.client_id)
        .where(Invoice.merchant_id == merchant_id)
    )


def _views(session: Session, rows: Sequence[Row[*tuple[Any, ...]]]) -> list[InvoiceView]:
    """Attach items and payments to invoice rows: two queries whatever the number of rows."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    currency = {row.id: row.currency for row in rows}
    items: dict[int, list[ItemView]] = defaultdict(list)
    for r in session.execute(
        select(*_ITEM_COLUMNS)
        .where(InvoiceItem.invoice_id.in_(ids))
        .order_by(InvoiceItem.invoice_id, InvoiceItem.position)
    ):
        items[r.invoice_id].append(
            ItemView(
                id=r.id,
                description=r.description,
                type=r.type,
                qty=unscale(r.qty_milli, 3),
                amount=from_minor(r.amount_minor, currency[r.invoice_id]),
            )
        )
    payments: dict[int, list[PaymentView]] = defaultdict(list)
    for p in session.execute(
        select(*_PAYMENT_COLUMNS).where(Payment.invoice_id.in_(ids)).order_by(Payment.id)
    ):
        payments[p.invoice_id].append(
            PaymentView(
                id=p.id,
                payment_date=p.payment_date,
                transaction_id=p.transaction_id,
                amount=from_minor(p.amount_minor, currency[p.invoice_id]),
                note=p.note,
                payment_type=p.payment_type,
                status=p.status,
            )
        )
    return [_view(row, items[row.id], payments[row.id]) for row in rows]


def _view(
    row: Row[*tuple[Any, ...]], items: list[ItemView], payments: list[PaymentView]
) -> InvoiceView:
    client = None
    if row.client_id is not None:
        client = ClientView(
            id=row.client_id,
            name=row.client_name,
            address=row.client_address,
            phone=row.client_phone,
            email=row.client_email,
            notes=row.client_notes,
        )
    if row.discount_type == "percentage":
        discount = unscale(row.discount_rate_bp, 2)
    else:
        discount = from_minor(row.discount_minor, row.currency)
    return InvoiceView(
        id=row.id,
        number=row.number,
        currency=row.currency,
        title=row.title,
        terms_conditions=row.terms_conditions,
        note=row.note,
        date=row.date,
        due_date=row.due_date,
        status=row.status,
        type=row.type,
        client=client,
        link_token=row.link_token,
        items=items,
        payments=payments,
        setting=SettingView(
            tax=row.tax,
            discount=discount,
            discount_type=row.discount_type,
            language=row.language,
            card=row.accept_card,
            bank_account=row.accept_bank_account,
            cash=row.accept_cash,
            paypal=row.accept_paypal,
            e_signature=row.accept_e_signature,
        ),
        total=from_minor(row.total_minor, row.currency),
        paid=from_minor(row.paid_minor, row.currency),
        version=row.version,
    )


def get_view(session: Session, merchant_id: int, invoice_id: int) -> InvoiceView | None:
    row = session.execute(_base(merchant_id).where(Invoice.id == invoice_id)).first()
    return _views(session, [row])[0] if row is not None else None


def _filtered(merchant_id: int, filters: InvoiceFilters) -> Select[int]:
    conditions: list[Any] = [Invoice.merchant_id == merchant_id]
    if filters.status:
        conditions.append(Invoice.status == filters.status)
    if filters.type:
        conditions.append(Invoice.type == filters.type)
    if filters.date_from:
        conditions.append(Invoice.date >= datetime.combine(filters.date_from, time(), UTC))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), UTC)
        conditions.append(Invoice.date < end)
    if filters.client_email:
        client_id = (
            select(Client.id)
            .where(Client.merchant_id == merchant_id, Client.email == filters.client_email)
            .scalar_subquery()
        )
        conditions.append(Invoice.client_id == client_id)
    if filters.keyword:
        pattern = f"%{filters.keyword.lower()}%"
        conditions.append(
            or_(func.lower(Invoice.number).like(pattern), func.lower(Invoice.title).like(pattern))
        )
    return select(Invoice.id).where(*conditions)


def page(
    session: Session, merchant_id: int, filters: InvoiceFilters, *, page: int, page_size: int
) -> tuple[list[InvoiceView], int]:
    """One page, newest first (by id, which never changes: a stable order)."""
    ids = _filtered(merchant_id, filters)
    total = session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    page_ids = ids.order_by(Invoice.id.desc()).offset((page - 1) * page_size).limit(page_size)
    rows = session.execute(
        _base(merchant_id).where(Invoice.id.in_(page_ids)).order_by(Invoice.id.desc())
    ).all()
    return _views(session, rows), total


def lock(session: Session, merchant_id: int, invoice_id: int) -> Invoice | None:
    """The invoice with its items and payments, its row locked until the transaction ends."""
    return session.scalars(
        select(Invoice)
        .where(Invoice.id == invoice_id, Invoice.merchant_id == merchant_id)
        .options(selectinload(Invoice.items), selectinload(Invoice.payments))
        .with_for_update()
    ).first()


def delete_invoice(session: Session, merchant_id: int, invoice_id: int) -> bool:
    """Delete it (items and payments go by ON DELETE CASCADE); False if it was not there."""
    result = session.execute(
        delete(Invoice).where(Invoice.id == invoice_id, Invoice.merchant_id == merchant_id)
    )
    return bool(getattr(result, "rowcount", 0))
