"""Queries of the invoice link: find an invoice by its token; the kept PDF of an invoice and
the claim of whoever renders it."""

from datetime import timedelta

from sqlalchemy import Row, delete, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fawtara.models import Invoice, InvoiceDocument, Merchant
from fawtara.models.base import utcnow
from fawtara.models.invoice_document import PdfRenderClaim


def find(session: Session, link_token: str) -> Row[int, int, str] | None:
    """(merchant id, invoice id, merchant name) of the invoice the token opens.

    The one query that finds an invoice without a merchant id: the token *is* the credential
    (192 random bits, unique). Everything after it is scoped to the merchant it names.
    """
    return session.execute(
        select(Invoice.merchant_id, Invoice.id, Merchant.name)
        .join(Merchant, Merchant.id == Invoice.merchant_id)
        .where(Invoice.link_token == link_token)
    ).first()


def kept_pdf(session: Session, invoice_id: int, fingerprint: str) -> bytes | None:
    return session.scalar(
        select(InvoiceDocument.pdf).where(
            InvoiceDocument.invoice_id == invoice_id, InvoiceDocument.fingerprint == fingerprint
        )
    )


def claim_render(session: Session, invoice_id: int, fingerprint: str, lease: float) -> bool:
    """Whether this caller may render the version: no one holds it, its lease expired, or the
    claim was for another version. One statement, so two processes cannot both win."""
    now = utcnow()
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(PdfRenderClaim).values(
        invoice_id=invoice_id, fingerprint=fingerprint, expires_at=now + timedelta(seconds=lease)
    )
    upsert = statement.on_conflict_do_update(
        index_elements=["invoice_id"],
        set_={"fingerprint": fingerprint, "expires_at": statement.excluded.expires_at},
        where=or_(PdfRenderClaim.expires_at < now, PdfRenderClaim.fingerprint != fingerprint),
    ).returning(PdfRenderClaim.invoice_id)
    return session.execute(upsert).first() is not None


def release_render(session: Session, invoice_id: int, fingerprint: str) -> None:
    session.execute(
        delete(PdfRenderClaim).where(
            PdfRenderClaim.invoice_id == invoice_id, PdfRenderClaim.fingerprint == fingerprint
        )
    )


def keep_pdf(session: Session, invoice_id: int, fingerprint: str, pdf: bytes) -> None:
    """Insert or replace the invoice's PDF (one row per invoice: only the latest is kept)."""
    values = {"invoice_id": invoice_id, "fingerprint": fingerprint, "pdf": pdf}
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(InvoiceDocument).values(created_at=utcnow(), **values)
    replace = {name: statement.excluded[name] for name in ("fingerprint", "pdf", "created_at")}
    session.execute(statement.on_conflict_do_update(index_elements=["invoice_id"], set_=replace))
