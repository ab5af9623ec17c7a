import datetime as dt
from datetime import datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fawtara.models.base import Base, UTCDateTime, utcnow
from fawtara.models.item import InvoiceItem
from fawtara.models.payment import Payment


class Invoice(Base):
    """An invoice. Money columns are integer minor units of `currency`."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("merchant_id", "number"),
        # One index per common list filter, each ending in id for the stable order.
        Index("ix_invoices_merchant_id_id", "merchant_id", "id"),
        Index("ix_invoices_merchant_id_status_id", "merchant_id", "status", "id"),
        Index("ix_invoices_merchant_id_type_id", "merchant_id", "type", "id"),
        Index("ix_invoices_merchant_id_date_id", "merchant_id", "date", "id"),
        Index("ix_invoices_merchant_id_client_id_id", "merchant_id", "client_id", "id"),
        Index("ix_invoices_merchant_id_origin_id", "merchant_id", "origin", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    title: Mapped[str | None] = mapped_column(String(300))
    terms_conditions: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    date: Mapped[datetime] = mapped_column(UTCDateTime)
    due_date: Mapped[datetime | None] = mapped_column()  # naive, as the wire shows it
    status: Mapped[str] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(40))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"))
    link_token: Mapped[str] = mapped_column(String(64), unique=True)

    tax: Mapped[bool] = mapped_column(default=False)
    discount_type: Mapped[str] = mapped_column(String(20), default="")
    # The discount is an amount when discount_type is "fixed", a rate when "percentage".
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_rate_bp: Mapped[int] = mapped_column(default=0)  # 1/100 of a percent
    # The merchant's tax rate when the invoice's setting was last written: a later change of
    # the merchant's rate does not change the total of an invoice already issued.
    tax_rate_bp: Mapped[int] = mapped_column(default=0, server_default="0")
    language: Mapped[str] = mapped_column(String(2), default="en")
    accept_card: Mapped[bool] = mapped_column(default=True)
    accept_bank_account: Mapped[bool] = mapped_column(default=True)
    accept_cash: Mapped[bool] = mapped_column(default=True)
    accept_paypal: Mapped[bool] = mapped_column(default=True)
    accept_e_signature: Mapped[bool] = mapped_column(default=True)

    # Stored results of fawtara.invoices.totals, recomputed on every write of the invoice.
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)

    # How the invoice reaches its customer and where it came from (the Hesabe-style API sets
    # these; the Fatora-style API leaves the defaults).
    reference_number: Mapped[str | None] = mapped_column(String(64))
    delivery: Mapped[str] = mapped_column(String(10), default="link", server_default="link")
    channel: Mapped[str] = mapped_column(String(10), default="link", server_default="link")
    payment_methods: Mapped[str | None] = mapped_column(String(100))  # "1,2": method numbers
    # dt.date: the class has a column named `date`
    expires_at: Mapped[dt.date | None] = mapped_column(Date)
    origin: Mapped[str] = mapped_column(String(10), default="api", server_default="api")
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    access_key: Mapped[str | None] = mapped_column(String(32))

    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    items: Mapped[list[InvoiceItem]] = relationship(
        lazy="raise", order_by=InvoiceItem.position, cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(
        lazy="raise", order_by=Payment.id, cascade="all, delete-orphan"
    )
