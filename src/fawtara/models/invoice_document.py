from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from fawtara.models.base import Base, UTCDateTime, utcnow


class InvoiceDocument(Base):
    """The last PDF rendered of an invoice, kept until the invoice's rendering changes.

    `fingerprint` is the SHA-256 of the HTML the PDF was rendered from: any change that shows
    on the invoice (a payment, a new link, the merchant's name, the template) gives another
    fingerprint, so a stale PDF is never served. It lives in the database so every server
    process shares it.
    """

    __tablename__ = "invoice_documents"

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True
    )
    fingerprint: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PdfRenderClaim(Base):
    """Who is rendering an invoice's PDF now: the first download of a version claims it, the
    others wait for the kept PDF instead of rendering it again. The claim is a lease: a
    renderer that died leaves one that expires, and the next download claims it anew."""

    __tablename__ = "pdf_render_claims"

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True
    )
    fingerprint: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
