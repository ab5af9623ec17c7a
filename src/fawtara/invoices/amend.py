"""Amending a single-amount invoice (as the Hesabe-style bulk edit does): amount, reference,
customer."""

from sqlalchemy.orm import Session

from fawtara.clients import repository as clients_repository
from fawtara.clients import service as clients
from fawtara.clients.contact import normalise_email
from fawtara.clients.schemas import ClientFields
from fawtara.constraints import flush
from fawtara.credentials.principal import Principal
from fawtara.errors import InvalidInvoice
from fawtara.invoices.schemas import Amendment, ClientRef, InvoiceView
from fawtara.invoices.service import locked, recorded, resolve_client, settle
from fawtara.models import Invoice
from fawtara.money import to_minor


def amend(
    session: Session, principal: Principal, invoice_id: int, amendment: Amendment
) -> InvoiceView:
    """Change the amount, reference or customer of a single-amount invoice (a bulk upload's)."""
    invoice = locked(session, principal, invoice_id)
    if amendment.amount is not None:
        if len(invoice.items) != 1 or invoice.payments:
            raise InvalidInvoice(
                "can change only on a single-item invoice without payments", field="amount"
            )
        if amendment.amount <= 0:
            raise InvalidInvoice("must be positive", field="amount")
        invoice.items[0].amount_minor = to_minor(amendment.amount, invoice.currency)
        invoice.items[0].qty_milli = 1_000
    if amendment.reference_number is not None:
        invoice.reference_number = amendment.reference_number
    if amendment.customer != ClientFields():
        invoice.client_id = _amended_client(session, principal, invoice, amendment.customer)
    settle(invoice, cancelled=invoice.status == "cancelled")
    invoice.version += 1
    flush(session)
    return recorded(session, principal, "invoice.updated", invoice.id)


def _amended_client(
    session: Session, principal: Principal, invoice: Invoice, fields: ClientFields
) -> int:
    """The customer is the merchant's client record: a new email means another client (found
    or created); a new name or phone updates the client, as the Fatora client API would."""
    current = (
        clients_repository.get(session, principal.merchant_id, invoice.client_id)
        if invoice.client_id is not None
        else None
    )
    email = normalise_email(fields.email)
    if current is None or (email is not None and email != current.email):
        merged = ClientFields(
            name=fields.name or (current.name if current else None),
            phone=fields.phone or (current.phone if current else None),
            email=email,
        )
        client_id = resolve_client(session, principal, ClientRef(fields=merged))
        assert client_id is not None
    else:
        client_id = current.id
    if fields.name is not None or fields.phone is not None:
        clients.update(
            session, principal, client_id, ClientFields(name=fields.name, phone=fields.phone)
        )
    return client_id
