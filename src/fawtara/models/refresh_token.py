from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fawtara.models.base import Base, UTCDateTime, utcnow


class RefreshToken(Base):
    """A single-use refresh token of the Hesabe-style API, kept only as a keyed hash.

    Tokens rotated from one login share a `family`: presenting a used token again revokes the
    whole family, since one of the two holders is not the user."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("merchant_users.id", ondelete="CASCADE"), index=True
    )
    family: Mapped[str] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
