from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fawtara.models.base import Base


class InvoiceItem(Base):
    __tablename__ = "invoice_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column()
    description: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(40))
    qty_milli: Mapped[int] = mapped_column()  # quantity in thousandths: 1.5 is 1500
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # unit price
