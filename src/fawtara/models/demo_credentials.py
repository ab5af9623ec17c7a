from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fawtara.models.base import Base


class DemoCredentials(Base):
    """The demo merchant's API key and password, sealed under the master key, so that
    `fawtara serve --demo` shows the same working ones at every start.

    Only the demo merchant has this row: every other key and password is kept as a hash alone.
    A demo is for trying the server; its credentials are printed on the console anyway."""

    __tablename__ = "demo_credentials"

    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True
    )
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    api_key_sealed: Mapped[str] = mapped_column(String(200))
    password_sealed: Mapped[str] = mapped_column(String(200))
