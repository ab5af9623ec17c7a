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


def claim_render(
    session: Session, invoice_id: int, fingerprint: str, lease: float
) -> tuple[bool, bytes | None]:
    """(claimed, kept PDF): whether this caller is to render the version, or its PDF if it was
    kept meanwhile. A renderer keeps the PDF and drops its claim in one transaction, so a claim
    won just after that finds the PDF here instead of rendering it again."""
    if not repository.claim_render(session, invoice_id, fingerprint, lease):
        return False, None
    pdf = repository.kept_pdf(session, invoice_id, fingerprint)
    if pdf is not None:
        repository.release_render(session, invoice_id, fingerprint)
        return False, pdf
    return True, None


def keep_pdf(session: Session, invoice_id: int, fingerprint: str, pdf: bytes) -> None:
    """Keep the rendered PDF and end the claim of its renderer, together."""
    repository.keep_pdf(session, invoice_id, fingerprint, pdf)
    repository.release_render(session, invoice_id, fingerprint)


kept_pdf = repository.kept_pdf
release_render = repository.release_render
