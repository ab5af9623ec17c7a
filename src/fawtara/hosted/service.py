"""Use cases of the invoice link: open an invoice by its token, keep and find its PDF."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from fawtara.errors import InvoiceNotFound
from fawtara.hosted import repository
from fawtara.invoices import fast_read, totals
from fawtara.invoices.schemas import InvoiceView


@dataclass(frozen=True, slots=True)
class HostedInvoice:
    """What the page and the PDF show: the invoice, who issued it, and its totals."""

    merchant_name: str
    invoice: InvoiceView
    totals: totals.Totals


def open_invoice(session: Session, link_token: str) -> HostedInvoice:
    found = repository.find(session, link_token)
    if found is None:
        raise InvoiceNotFound()
    merchant_id, invoice_id, merchant_name = found
    invoice = fast_read.view_in(session, merchant_id, invoice_id)
    if invoice is None:  # deleted between the two reads
        raise InvoiceNotFound()
    return HostedInvoice(merchant_name, invoice, totals.of_view(invoice))


kept_pdf = repository.kept_pdf
keep_pdf = repository.keep_pdf
