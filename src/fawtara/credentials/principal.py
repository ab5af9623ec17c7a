"""Who is calling: the merchant a request acts for, and the credential that proved it."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    merchant_id: int
    api_key_id: int | None = None  # Fatora-style callers
    user_id: int | None = None  # Hesabe-style callers (a merchant user's login)

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return f"api_key:{self.api_key_id}"
