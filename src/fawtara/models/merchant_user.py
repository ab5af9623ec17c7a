import unicodedata
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from fawtara.models.base import Base, UTCDateTime, utcnow


def username_key(username: str) -> str:
    """What sign-in matches a username by: case and compatibility forms folded (`Test`,
    `test` and `ＴＥＳＴ` are one login), as the login throttle counts failures."""
    return unicodedata.normalize("NFKC", username).casefold()


class MerchantUser(Base):
    """A login of the Hesabe-style API; the password is kept only as an Argon2 hash.

    The username is kept as typed and shown so; `username_key` is set from it on every write,
    and is what sign-in looks up and what is unique."""

    __tablename__ = "merchant_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    username: Mapped[str] = mapped_column(String(150), unique=True)
    # Folding can lengthen a name (`ß` becomes `ss`, `ﬃ` becomes `ffi`): at most 3 times.
    username_key: Mapped[str] = mapped_column(String(450), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @validates("username")
    def _keyed(self, _field: str, username: str) -> str:
        self.username_key = username_key(username)
        return username
