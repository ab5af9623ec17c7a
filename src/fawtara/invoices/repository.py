"""Invoice queries; every one takes the merchant id.

Reads select plain columns (no ORM identity map) and build views directly: this is the hot path
of `GET /v1/invoices/{id}`. The frequent writes (create, payment, delete) are Core statements on
the session's connection too: through the ORM unit of work (flush, loading with selectinload)
each cost several times its SQL (bench/README.md, "Research"). Updates of whole invoices load ORM
objects with their rows locked.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Text,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy import inspect as orm_state
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, selectinload

from fawtara.clients.schemas import ClientView
from fawtara.constraints import conflicts
from fawtara.invoices.schemas import (
    DeliveryView,
    InvoiceFilters,
    InvoiceView,
    ItemView,
    PaymentView,
    SettingView,
)
from fawtara.models import Client, Invoice, InvoiceItem, Merchant, Payment, tables
from fawtara.money import exponent, unscale

_invoices, _clients = tables.invoices, tables.clients
_items, _payments = tables.items, tables.payments

# The read statements are built once: constructing a select costs more than running it on
# SQLite. They are Core statements, executed on the session's connection, so no ORM loading
# machinery runs on the hot path. An invoice's view takes every column but the tenant's.
_INVOICE_SELECT = select(
    *(column for column in _invoices.c if column.key != "merchant_id"),
    _clients.c.name.label("client_name"),
    _clients.c.address.label("client_address"),
    _clients.c.phone.label("client_phone"),
    _clients.c.email.label("client_email"),
    _clients.c.notes.label("client_notes"),
).select_from(_invoices.outerjoin(_clients, _clients.c.id == _invoices.c.client_id))

ONE_INVOICE = _INVOICE_SELECT.where(
    _invoices.c.merchant_id == bindparam("merchant_id"), _invoices.c.id == bindparam("invoice_id")
)
_ITEM_SELECT = select(
    _items.c.invoice_id,
    _items.c.id,
    _items.c.description,
    _items.c.type,
    _items.c.qty_milli,
    _items.c.amount_minor,
)
_ITEMS_OF_MANY = _ITEM_SELECT.where(
    _items.c.invoice_id.in_(bindparam("invoice_ids", expanding=True))
).order_by(_items.c.invoice_id, _items.c.position)
_PAYMENT_SELECT = select(
    _payments.c.invoice_id,
    _payments.c.id,
    _payments.c.payment_date,
    _payments.c.transaction_id,
    _payments.c.amount_minor,
    _payments.c.note,
    _payments.c.payment_type,
    _payments.c.status,
)
_PAYMENTS_OF_MANY = _PAYMENT_SELECT.where(
    _payments.c.invoice_id.in_(bindparam("invoice_ids", expanding=True))
).order_by(_payments.c.id)


def _children_as_json(dialect: str, rows: Select[Any], order: ColumnElement[Any]) -> Any:
    """A correlated subquery: the invoice's child rows as one JSON array of objects, in order,
    as text on both databases (decoded with orjson: psycopg's json loader, the standard
    library's, was a fifth of the client's CPU per hot read: 133 → 104 µs)."""
    columns = list(rows.selected_columns)
    table = columns[0].table
    pairs = [part for c in columns for part in (literal_column(f"'{c.key}'"), c)]
    if dialect == "postgresql":
        array = func.json_agg(aggregate_order_by(func.json_build_object(*pairs), order))
        return (
            select(cast(func.coalesce(array, literal_column("'[]'::json")), Text))
            .where(table.c.invoice_id == _invoices.c.id)
            .scalar_subquery()
        )
    # SQLite before 3.44 has no ORDER BY inside an aggregate: it aggregates an ordered subquery.
    ordered = (
        select(func.json_object(*pairs).label("child"))
        .where(table.c.invoice_id == _invoices.c.id)
        .order_by(order)
        .correlate(_invoices)
        .subquery()
    )
    # json(): a subquery's column loses its JSON subtype, which would make each object a string.
    array = func.json_group_array(func.json(ordered.c.child))
    return select(array).correlate(_invoices).scalar_subquery()


def one_invoice_with_children(dialect: str) -> Select[Any]:
    """ONE_INVOICE with its items and payments as two JSON columns: one statement, one round
    trip (the read of one invoice; the children decode like the item and payment selects)."""
    return ONE_INVOICE.add_columns(
        _children_as_json(dialect, _ITEM_SELECT, _items.c.position).label("items"),
        _children_as_json(dialect, _PAYMENT_SELECT, _payments.c.id).label("payments"),
    )


Rows = Sequence[Row[*tuple[Any, ...]]]
Record = Mapping[Any, Any]  # one row's columns by name (a dict, or a Row._mapping)


def _views(session: Session, rows: Rows) -> list[InvoiceView]:
    """Attach items and payments to invoice rows: two more queries whatever the number of rows."""
    if not rows:
        return []
    connection = session.connection()
    params = {"invoice_ids": [row.id for row in rows]}
    items = connection.execute(_ITEMS_OF_MANY, params).all()
    payments = connection.execute(_PAYMENTS_OF_MANY, params).all()
    return views_from_rows(rows, items, payments)


def views_from_rows(invoices: Rows, items: Rows, payments: Rows) -> list[InvoiceView]:
    """Domain views from rows of the statements above: invoices, and their children."""
    items_of: dict[int, list[Record]] = defaultdict(list)
    for item in items:
        items_of[item.invoice_id].append(item._mapping)
    payments_of: dict[int, list[Record]] = defaultdict(list)
    for payment in payments:
        payments_of[payment.invoice_id].append(payment._mapping)
    return [invoice_view(r._mapping, items_of[r.id], payments_of[r.id]) for r in invoices]


def invoice_view(row: Record, items: Iterable[Record], payments: Iterable[Record]) -> InvoiceView:
    """The view of one invoice from its columns (named as in _INVOICE_SELECT) and its
    children's (as in _ITEM_SELECT and _PAYMENT_SELECT), already of their Python types."""
    currency = row["currency"]
    places = exponent(currency)
    client = None
    if row["client_id"] is not None:
        client = ClientView(
            id=row["client_id"],
            name=row["client_name"],
            address=row["client_address"],
            phone=row["client_phone"],
            email=row["client_email"],
            notes=row["client_notes"],
        )
    if row["discount_type"] == "percentage":
        discount = unscale(row["discount_rate_bp"], 2)
    else:
        discount = unscale(row["discount_minor"], places)
    return InvoiceView(
        id=row["id"],
        number=row["number"],
        currency=currency,
        title=row["title"],
        terms_conditions=row["terms_conditions"],
        note=row["note"],
        date=row["date"],
        due_date=row["due_date"],
        status=row["status"],
        type=row["type"],
        client=client,
        link_token=row["link_token"],
        items=[
            ItemView(
                id=r["id"],
                description=r["description"],
                type=r["type"],
                qty=unscale(r["qty_milli"], 3),
                amount=unscale(r["amount_minor"], places),
            )
            for r in items
        ],
        payments=[
            PaymentView(
                id=p["id"],
                payment_date=p["payment_date"],
                transaction_id=p["transaction_id"],
                amount=unscale(p["amount_minor"], places),
                note=p["note"],
                payment_type=p["payment_type"],
                status=p["status"],
            )
            for p in payments
        ],
        setting=SettingView(
            tax=row["tax"],
            tax_rate=unscale(row["tax_rate_bp"], 2),
            discount=discount,
            discount_type=row["discount_type"],
            language=row["language"],
            card=row["accept_card"],
            bank_account=row["accept_bank_account"],
            cash=row["accept_cash"],
            paypal=row["accept_paypal"],
            e_signature=row["accept_e_signature"],
        ),
        total=unscale(row["total_minor"], places),
        paid=unscale(row["paid_minor"], places),
        version=row["version"],
        delivery=DeliveryView(
            reference_number=row["reference_number"],
            delivery=row["delivery"],
            channel=row["channel"],
            payment_methods=parse_methods(row["payment_methods"]),
            expires_at=row["expires_at"],
            origin=row["origin"],
            scheduled_at=row["scheduled_at"],
            access_key=row["access_key"],
        ),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def parse_methods(stored: str | None) -> tuple[int, ...]:
    return tuple(int(n) for n in stored.split(",")) if stored else ()


def format_methods(methods: Sequence[int]) -> str | None:
    return ",".join(str(n) for n in methods) or None


def _filtered(merchant_id: int, filters: InvoiceFilters) -> Select[int]:
    conditions: list[Any] = [Invoice.merchant_id == merchant_id]
    if filters.status:
        conditions.append(Invoice.status == filters.status)
    if filters.type:
        conditions.append(Invoice.type == filters.type)
    if filters.date_from:
        conditions.append(Invoice.date >= datetime.combine(filters.date_from, time(), UTC))
    if filters.date_to:
        # Up to the day's last microsecond (the finest time either database keeps), not before
        # the next day: 9999-12-31 has none.
        conditions.append(Invoice.date <= datetime.combine(filters.date_to, time.max, UTC))
    if filters.client_email:
        client_id = (
            select(Client.id)
            .where(Client.merchant_id == merchant_id, Client.email == filters.client_email)
            .scalar_subquery()
        )
        conditions.append(Invoice.client_id == client_id)
    if filters.origins:
        conditions.append(Invoice.origin.in_(filters.origins))
    if filters.delivery:
        conditions.append(Invoice.delivery == filters.delivery)
    if filters.keyword:
        # A substring, taken literally: `%`, `_` and the escape character match themselves.
        keyword = filters.keyword.lower()
        conditions.append(
            or_(
                func.lower(Invoice.number).contains(keyword, autoescape=True),
                func.lower(Invoice.title).contains(keyword, autoescape=True),
                func.lower(Invoice.reference_number).contains(keyword, autoescape=True),
            )
        )
    return select(Invoice.id).where(*conditions)


def status_counts(session: Session, merchant_id: int, filters: InvoiceFilters) -> dict[str, int]:
    ids = _filtered(merchant_id, filters).subquery()
    rows = session.execute(
        select(Invoice.status, func.count())
        .where(Invoice.id.in_(select(ids.c.id)))
        .group_by(Invoice.status)
    )
    return {status: count for status, count in rows}


def id_by_token(session: Session, merchant_id: int, link_token: str) -> int | None:
    return session.scalar(
        select(Invoice.id).where(
            Invoice.merchant_id == merchant_id, Invoice.link_token == link_token
        )
    )


_INVOICE_COUNT = select(Merchant.invoice_count).where(Merchant.id == bindparam("merchant_id"))


def page(
    session: Session, merchant_id: int, filters: InvoiceFilters, *, page: int, page_size: int
) -> tuple[list[InvoiceView], int]:
    """One page, newest first (by id, which never changes: a stable order)."""
    ids = _filtered(merchant_id, filters)
    if filters == InvoiceFilters():  # all of them: the count the database keeps (0005)
        total = session.connection().scalar(_INVOICE_COUNT, {"merchant_id": merchant_id})
    else:
        total = session.scalar(select(func.count()).select_from(ids.subquery()))
    total = total or 0
    page_ids = ids.order_by(Invoice.id.desc()).offset((page - 1) * page_size).limit(page_size)
    rows = (
        session.connection()
        .execute(
            _INVOICE_SELECT.where(
                _invoices.c.merchant_id == merchant_id, _invoices.c.id.in_(page_ids)
            ).order_by(_invoices.c.id.desc())
        )
        .all()
    )
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
    condition = (_invoices.c.id == invoice_id, _invoices.c.merchant_id == merchant_id)
    result = session.connection().execute(delete(_invoices).where(*condition))
    return bool(result.rowcount)


_MERCHANT_TERMS = select(Merchant.default_currency, Merchant.tax_rate_bp).where(
    Merchant.id == bindparam("merchant_id")
)


def merchant_terms(session: Session, merchant_id: int) -> Row[str, int]:
    """The merchant's default currency and tax rate: what a new invoice takes from it."""
    return session.connection().execute(_MERCHANT_TERMS, {"merchant_id": merchant_id}).one()


def _set_columns(obj: Invoice | InvoiceItem | Payment) -> dict[str, Any]:
    """The column values set on a new (transient) ORM object; the rest take their defaults."""
    table = type(obj).__table__
    values: dict[str, Any] = orm_state(obj).dict  # type: ignore[attr-defined]
    return {k: v for k, v in values.items() if k in table.c}


def insert_invoice(session: Session, invoice: Invoice) -> int:
    """Insert a new invoice, built as an ORM object, with its items and payments; its id.
    A known unique violation (the number, a payment's transaction id) is its Conflict."""
    connection = session.connection()
    with conflicts():
        invoice_id: int = connection.execute(
            insert(_invoices).returning(_invoices.c.id), _set_columns(invoice)
        ).scalar_one()
        for table, children in ((_items, invoice.items), (_payments, invoice.payments)):
            if children:
                rows = [{**_set_columns(c), "invoice_id": invoice_id} for c in children]
                connection.execute(insert(table), rows)
    return invoice_id


_LOCK_ID = (
    select(_invoices.c.id)
    .where(_invoices.c.merchant_id == bindparam("merchant_id"), _invoices.c.id == bindparam("id"))
    .with_for_update()
)
_TERMS = (
    select(
        _invoices.c.currency,
        _invoices.c.status,
        _invoices.c.discount_type,
        _invoices.c.discount_minor,
        _invoices.c.discount_rate_bp,
        _invoices.c.tax,
        _invoices.c.tax_rate_bp,
    )
    .where(_invoices.c.merchant_id == bindparam("merchant_id"), _invoices.c.id == bindparam("id"))
    .with_for_update()
)
_LINES = (
    select(_items.c.qty_milli, _items.c.amount_minor)
    .where(_items.c.invoice_id == bindparam("id"))
    .order_by(_items.c.position)
)
_PAID = select(_payments.c.amount_minor, _payments.c.status).where(
    _payments.c.invoice_id == bindparam("id")
)


def lock_id(session: Session, merchant_id: int, invoice_id: int) -> bool:
    """Lock the invoice's row until the transaction ends; False if the merchant has no such
    invoice. (SQLite has no row locks: its writers take the database's write lock.)"""
    params = {"merchant_id": merchant_id, "id": invoice_id}
    return session.connection().execute(_LOCK_ID, params).first() is not None


def payment_terms(
    session: Session, merchant_id: int, invoice_id: int
) -> tuple[Any, list[tuple[int, int]], list[tuple[int, str]]] | None:
    """For a payment: the invoice's row of terms (currency, status, discount, tax), locked
    until the transaction ends (as `lock_id`), its lines (qty_milli, amount_minor) and its
    payments (amount_minor, status); None if the merchant has no such invoice."""
    connection = session.connection()
    params = {"merchant_id": merchant_id, "id": invoice_id}
    terms = connection.execute(_TERMS, params).first()
    if terms is None:
        return None
    lines: list[tuple[int, int]] = [(q, a) for q, a in connection.execute(_LINES, params)]
    paid: list[tuple[int, str]] = [(a, s) for a, s in connection.execute(_PAID, params)]
    return terms, lines, paid


# The figures to store are SET from the parameters named as their columns; the WHERE's
# bound names differ from those (update() reserves column names for SET).
_SETTLE = (
    update(_invoices)
    .where(_invoices.c.merchant_id == bindparam("of"), _invoices.c.id == bindparam("invoice"))
    .values(version=_invoices.c.version + 1)
)


def add_payment(
    session: Session, merchant_id: int, invoice_id: int, payment: Payment, settled: dict[str, Any]
) -> None:
    """Insert the new payment and store the invoice's recomputed `settled` figures
    (total_minor, paid_minor, status), one version up."""
    connection = session.connection()
    with conflicts():
        connection.execute(insert(_payments), {**_set_columns(payment), "invoice_id": invoice_id})
    connection.execute(_SETTLE, {"of": merchant_id, "invoice": invoice_id, **settled})
