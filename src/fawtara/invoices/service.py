"""Invoice use cases: create, read, list, update, delete. No HTTP in here."""

import re
import secrets
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from fawtara.audit import service as audit
from fawtara.clients import repository as clients_repository
from fawtara.clients import service as clients
from fawtara.clients.service import normalise_email
from fawtara.constraints import flush
from fawtara.credentials.principal import Principal
from fawtara.db import Database
from fawtara.errors import (
    DuplicateInvoiceNumber,
    InvalidInvoice,
    InvoiceHasPayments,
    InvoiceNotFound,
)
from fawtara.invoices import fast_read, lines, numbering, repository, totals
from fawtara.invoices.schemas import (
    CHANNEL_OF,
    CHANNELS,
    DELIVERIES,
    DISCOUNT_TYPES,
    LANGUAGES,
    STATUSES,
    ClientRef,
    DeliveryDraft,
    InvoiceDraft,
    InvoiceFilters,
    InvoicePage,
    InvoicePatch,
    InvoiceView,
    PaymentDraft,
    SettingDraft,
)
from fawtara.models import Invoice, Merchant, Payment
from fawtara.models.base import utcnow
from fawtara.money import exact_units, exponent, to_minor

_PAID_STATUSES = frozenset({"paid"})
ANY_GATEWAY_METHOD = 0  # a payment-method code that restricts nothing (the gateway's picker)


LINK_TOKEN_PATTERN = "[A-Za-z0-9_-]{16,64}"
_LINK_TOKEN = re.compile(LINK_TOKEN_PATTERN)


def new_link_token() -> str:
    """192 random bits: the invoice link cannot be guessed."""
    return secrets.token_urlsafe(24)


def is_link_token(text: str) -> bool:
    """Whether `text` could be a link token (anything else is not looked up)."""
    return _LINK_TOKEN.fullmatch(text) is not None


def new_access_key() -> str:
    """A short key a customer can quote for the invoice; not a secret (the link is)."""
    return secrets.token_hex(8)


def get(session: Session, principal: Principal, invoice_id: int) -> InvoiceView:
    invoice = fast_read.view_in(session, principal.merchant_id, invoice_id)
    if invoice is None:
        raise InvoiceNotFound()
    return invoice


async def read(database: Database, principal: Principal, invoice_id: int) -> InvoiceView:
    """`get` for the hot path: one statement on a bare connection (see fast_read), from the
    read replica when the routing rules allow."""
    statement = fast_read.one_invoice(database.engine.dialect)
    params = statement.params({"merchant_id": principal.merchant_id, "invoice_id": invoice_id})
    row = await database.fetch_one(principal.merchant_id, statement.sql, params)
    if row is None:
        raise InvoiceNotFound()
    return fast_read.invoice_from_row(statement, row)


def list_page(
    session: Session, principal: Principal, filters: InvoiceFilters, *, page: int, page_size: int
) -> InvoicePage:
    if filters.client_email:
        filters = replace(filters, client_email=normalise_email(filters.client_email))
    rows, total = repository.page(
        session, principal.merchant_id, filters, page=page, page_size=page_size
    )
    return InvoicePage(rows, total, page, page_size)


def create(session: Session, principal: Principal, draft: InvoiceDraft) -> InvoiceView:
    merchant = repository.merchant_terms(session, principal.merchant_id)
    currency = draft.currency or merchant.default_currency
    exponent(currency)
    invoice = Invoice(
        merchant_id=principal.merchant_id,
        currency=currency,
        type=draft.type,
        title=draft.title,
        terms_conditions=draft.terms_conditions,
        note=draft.note,
        date=draft.date or utcnow(),
        link_token=new_link_token(),
        access_key=new_access_key(),
        client_id=resolve_client(session, principal, draft.client),
        items=lines.items(draft.items, currency),
        payments=[
            new_payment(principal, p, currency, f"payments[{i}]")
            for i, p in enumerate(draft.payments)
        ],
    )
    _apply_setting(invoice, draft.setting)
    invoice.tax_rate_bp = merchant.tax_rate_bp
    _apply_delivery(invoice, draft.delivery)
    set_due(invoice, draft.due_date or _day_start(draft.delivery.expires_at))
    invoice.number = _number(session, principal, draft.number)
    settle(invoice)
    if draft.stated_total is not None:
        lines.check_stated(draft.stated_total, invoice.total_minor, currency, "total")
    invoice_id = repository.insert_invoice(session, invoice)
    return recorded(session, principal, "invoice.created", invoice_id)


def update(
    session: Session, principal: Principal, invoice_id: int, patch: InvoicePatch
) -> InvoiceView:
    invoice = locked(session, principal, invoice_id)
    given = patch.given
    if "currency" in given and patch.currency != invoice.currency:
        if patch.currency is None or "items" not in given or invoice.payments:
            raise InvalidInvoice(
                "can change only together with the items, on an invoice without payments",
                field="currency",
            )
        exponent(patch.currency)
        invoice.currency = patch.currency
    if "number" in given and patch.number != invoice.number:
        invoice.number = _number(session, principal, patch.number)
    for name in ("title", "terms_conditions", "note"):
        if name in given:
            setattr(invoice, name, getattr(patch, name))
    if "due_date" in given:
        set_due(invoice, patch.due_date)
    if "date" in given and patch.date is not None:
        invoice.date = patch.date
    if "client" in given:
        invoice.client_id = resolve_client(session, principal, patch.client)
    if "items" in given:
        invoice.items = lines.items(patch.items or [], invoice.currency)
    if "setting" in given and patch.setting is not None:
        _apply_setting(invoice, patch.setting)
        invoice.tax_rate_bp = merchant_of(session, principal).tax_rate_bp
    cancelled = invoice.status == "cancelled"
    if "status" in given:
        if patch.status not in ("cancelled", None):
            raise InvalidInvoice(
                "follows the payments; only 'cancelled' can be set", field="status"
            )
        cancelled = patch.status == "cancelled"
    settle(invoice, cancelled=cancelled)
    invoice.version += 1
    flush(session)
    return recorded(session, principal, "invoice.updated", invoice.id)


def renew_link(session: Session, principal: Principal, invoice_id: int) -> InvoiceView:
    """Give the invoice a new link token: the old link answers 404 from now on."""
    invoice = locked(session, principal, invoice_id)
    invoice.link_token = new_link_token()
    invoice.version += 1
    flush(session)
    return recorded(session, principal, "invoice.link_renewed", invoice.id)


def id_by_token(session: Session, principal: Principal, link_token: str) -> int:
    if not is_link_token(link_token):
        raise InvoiceNotFound()
    invoice_id = repository.id_by_token(session, principal.merchant_id, link_token)
    if invoice_id is None:
        raise InvoiceNotFound()
    return invoice_id


def status_counts(
    session: Session, principal: Principal, filters: InvoiceFilters
) -> dict[str, int]:
    """How many of the merchant's invoices (matching `filters`) are in each status."""
    counts = dict.fromkeys(STATUSES, 0)
    counts.update(repository.status_counts(session, principal.merchant_id, filters))
    return counts


def delete(session: Session, principal: Principal, invoice_id: int) -> None:
    """Delete permanently; the audit log keeps a full snapshot of what was deleted."""
    if not repository.lock_id(session, principal.merchant_id, invoice_id):
        raise InvoiceNotFound()
    snapshot = get(session, principal, invoice_id)
    if snapshot.payments:
        raise InvoiceHasPayments()
    if not repository.delete_invoice(session, principal.merchant_id, invoice_id):
        raise InvoiceNotFound()  # deleted by a concurrent request after our read
    _audit(session, principal, "invoice.deleted", snapshot)


def locked(session: Session, principal: Principal, invoice_id: int) -> Invoice:
    """The merchant's invoice with its items and payments, its row locked until the
    transaction ends; InvoiceNotFound otherwise."""
    invoice = repository.lock(session, principal.merchant_id, invoice_id)
    if invoice is None:
        raise InvoiceNotFound()
    return invoice


def merchant_of(session: Session, principal: Principal) -> Merchant:
    merchant = session.get(Merchant, principal.merchant_id)
    assert merchant is not None, "an authenticated principal's merchant exists"
    return merchant


def _number(session: Session, principal: Principal, number: str | None) -> str:
    if number is None or not number.strip():
        return numbering.next_number(session, principal.merchant_id)
    number = number.strip()
    if numbering.number_taken(session, principal.merchant_id, number):
        raise DuplicateInvoiceNumber()
    return number


def resolve_client(session: Session, principal: Principal, ref: ClientRef | None) -> int | None:
    if ref is None:
        return None
    if ref.id is not None:
        if clients_repository.client_id(session, principal.merchant_id, id=ref.id) is None:
            raise InvalidInvoice("no client with this id", field="client.id")
        return ref.id
    email = normalise_email(ref.fields.email)
    if email:
        existing = clients_repository.client_id(session, principal.merchant_id, email=email)
        if existing is not None:
            return existing
    if not ref.fields.name:
        raise InvalidInvoice("a new client needs a name", field="client.name")
    return clients.create(session, principal, ref.fields).id


def new_payment(principal: Principal, draft: PaymentDraft, currency: str, field: str) -> Payment:
    """A payment row; `field` prefixes error locations ("payments[0]"), empty for a body that
    is the payment itself."""
    amount = f"{field}.amount" if field else "amount"
    if draft.amount <= 0:
        raise InvalidInvoice("must be positive", field=amount)
    return Payment(
        merchant_id=principal.merchant_id,
        payment_date=draft.payment_date or utcnow().replace(tzinfo=None, microsecond=0),
        transaction_id=draft.transaction_id,
        amount_minor=to_minor(draft.amount, currency, field=amount),
        note=draft.note,
        payment_type=draft.payment_type,
        status=draft.status,
    )


def _apply_setting(invoice: Invoice, setting: SettingDraft) -> None:
    if setting.discount_type not in DISCOUNT_TYPES:
        raise InvalidInvoice("must be '', 'fixed' or 'percentage'", field="setting.discount_type")
    if setting.language not in LANGUAGES:
        raise InvalidInvoice("must be 'en' or 'ar'", field="setting.language")
    if setting.discount < 0:
        raise InvalidInvoice("must not be negative", field="setting.discount")
    invoice.discount_minor = 0
    invoice.discount_rate_bp = 0
    if setting.discount_type == "percentage":
        rate = exact_units(setting.discount, 2, 100_00)
        if rate is None:
            raise InvalidInvoice(
                "a percentage up to 100 with at most 2 decimal places", field="setting.discount"
            )
        invoice.discount_rate_bp = rate
    elif setting.discount_type == "fixed":
        invoice.discount_minor = to_minor(
            setting.discount, invoice.currency, field="setting.discount"
        )
    elif setting.discount != 0:
        raise InvalidInvoice("needs a discount_type", field="setting.discount")
    invoice.tax = setting.tax
    invoice.discount_type = setting.discount_type
    invoice.language = setting.language
    invoice.accept_card = setting.card
    invoice.accept_bank_account = setting.bank_account
    invoice.accept_cash = setting.cash
    invoice.accept_paypal = setting.paypal
    invoice.accept_e_signature = setting.e_signature


def _apply_delivery(invoice: Invoice, delivery: DeliveryDraft) -> None:
    if delivery.delivery not in DELIVERIES:
        raise InvalidInvoice(f"must be one of {', '.join(DELIVERIES)}", field="delivery")
    channel = delivery.channel or CHANNEL_OF[delivery.delivery]
    if channel not in CHANNELS:
        raise InvalidInvoice(f"must be one of {', '.join(CHANNELS)}", field="channel")
    invoice.reference_number = delivery.reference_number
    invoice.delivery = delivery.delivery
    invoice.channel = channel
    invoice.payment_methods = repository.format_methods(delivery.payment_methods)
    if any(code != ANY_GATEWAY_METHOD for code in delivery.payment_methods):
        # Restricted to gateway methods, which are all card payments: card only.
        invoice.accept_card = True
        invoice.accept_bank_account = invoice.accept_cash = invoice.accept_paypal = False
        invoice.accept_e_signature = False


def set_due(invoice: Invoice, due: datetime | None) -> None:
    """One date, two spellings: the due date (Fatora-style, a naive date and time) is the last
    day to pay, and the Hesabe-style expiry (a date) is that day; past it the invoice reads
    as expired. Both columns are written here, and only here, so they cannot disagree."""
    invoice.due_date = due
    invoice.expires_at = due.date() if due is not None else None


def _day_start(day: date | None) -> datetime | None:
    return datetime.combine(day, time()) if day is not None else None


def settle(invoice: Invoice, *, cancelled: bool = False) -> None:
    """Recompute the stored totals and the status from the items, settings and payments (at
    the tax rate the invoice was issued with)."""
    figures = settlement(
        invoice,
        ((item.qty_milli, item.amount_minor) for item in invoice.items),
        ((p.amount_minor, p.status) for p in invoice.payments),
        cancelled=cancelled,
    )
    invoice.total_minor = figures["total_minor"]
    invoice.paid_minor = figures["paid_minor"]
    invoice.status = figures["status"]


def settlement(
    terms: Any,
    lines: Iterable[tuple[int, int]],
    payments: Iterable[tuple[int, str]],
    *,
    cancelled: bool = False,
) -> dict[str, Any]:
    """The stored figures (total_minor, paid_minor, status) of an invoice with these `terms`
    (anything with its discount and tax columns as attributes: an Invoice, a row), lines
    (qty_milli, amount_minor) and payments (amount_minor, status)."""
    result = totals.compute(
        lines,
        discount_type=terms.discount_type,
        discount_minor=terms.discount_minor,
        discount_rate_bp=terms.discount_rate_bp,
        tax=terms.tax,
        tax_rate_bp=terms.tax_rate_bp,
        paid=sum(amount for amount, status in payments if status.lower() in _PAID_STATUSES),
    )
    if result.discount > result.subtotal:
        raise InvalidInvoice("is larger than the items' subtotal", field="setting.discount")
    if result.paid > result.total:
        raise InvalidInvoice("exceed the invoice total", field="payments")
    status = totals.status_for(result, cancelled=cancelled)
    return {"total_minor": result.total, "paid_minor": result.paid, "status": status}


def recorded(session: Session, principal: Principal, action: str, invoice_id: int) -> InvoiceView:
    view = get(session, principal, invoice_id)
    _audit(session, principal, action, view)
    return view


def _audit(session: Session, principal: Principal, action: str, view: InvoiceView) -> None:
    audit.record(
        session,
        merchant_id=principal.merchant_id,
        actor=principal.actor,
        action=action,
        entity_type="invoice",
        entity_id=view.id,
        snapshot=view,
    )
