from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from fawtara.models.base import Base, UTCDateTime, utcnow


class Merchant(Base):
    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    default_currency: Mapped[str] = mapped_column(String(3), default="QAR")
    # Tax rate in basis points (1/100 of a percent): 500 is 5%.
    tax_rate_bp: Mapped[int] = mapped_column(default=0)
    # Last invoice number handed out; bumped inside the creating transaction so numbers are
    # gapless per merchant (a rolled-back create returns its number).
    last_invoice_seq: Mapped[int] = mapped_column(default=0)
    # Kept by database triggers (migration 0005) on every insert and delete of an invoice: an
    # unfiltered list reads its total here instead of counting.
    invoice_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    is_demo: Mapped[bool] = mapped_column(default=False)
    # Hesabe-style credentials: the envelope key and IV are kept sealed by the SecretBox.
    merchant_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    access_code: Mapped[str | None] = mapped_column(String(36), unique=True)
    secret_key_sealed: Mapped[str | None] = mapped_column(String(200))
    iv_sealed: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
