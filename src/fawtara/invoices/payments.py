"""Payments on an invoice: record one, remove one. The status follows the money."""

from sqlalchemy.orm import Session

from fawtara.constraints import flush
from fawtara.credentials.principal import Principal
from fawtara.errors import InvoiceCancelled, InvoiceNotFound, PaymentNotFound
from fawtara.invoices import repository
from fawtara.invoices.schemas import InvoiceView, PaymentDraft
from fawtara.invoices.service import locked, new_payment, recorded, settle, settlement


def add_payment(
    session: Session, principal: Principal, invoice_id: int, draft: PaymentDraft
) -> InvoiceView:
    """Record a payment. The invoice row is locked first, so concurrent payments on one invoice
    run one after the other and each sees the others' amounts: none can pass the total."""
    merchant_id = principal.merchant_id
    found = repository.payment_terms(session, merchant_id, invoice_id)
    if found is None:
        raise InvoiceNotFound()
    terms, lines, paid = found
    if terms.status == "cancelled":
        raise InvoiceCancelled()
    payment = new_payment(principal, draft, terms.currency, "")
    figures = settlement(terms, lines, [*paid, (payment.amount_minor, payment.status)])
    repository.add_payment(session, merchant_id, invoice_id, payment, figures)
    return recorded(session, principal, "invoice.payment_added", invoice_id)


def remove_payment(
    session: Session, principal: Principal, invoice_id: int, payment_id: int
) -> InvoiceView:
    invoice = locked(session, principal, invoice_id)
    payment = next((p for p in invoice.payments if p.id == payment_id), None)
    if payment is None:
        raise PaymentNotFound()
    invoice.payments.remove(payment)
    settle(invoice, cancelled=invoice.status == "cancelled")
    invoice.version += 1
    flush(session)
    return recorded(session, principal, "invoice.payment_removed", invoice.id)
