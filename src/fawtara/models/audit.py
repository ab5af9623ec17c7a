from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fawtara.models.base import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """Append-only (database triggers refuse UPDATE and DELETE). No foreign keys on purpose:
    an event outlives whatever it describes."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_merchant_id_id", "merchant_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column()
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    entity_type: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int] = mapped_column()
    snapshot: Mapped[str] = mapped_column(Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
