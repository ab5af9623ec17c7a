from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from fawtara.models.base import Base, UTCDateTime


class ThrottleCounter(Base):
    """Failed sign-in attempts of one account or one client address in the current window.

    In the database so that every server process counts the same attempts."""

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column()
