"""Who is calling: the merchant a request acts for, and the credential that proved it."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    merchant_id: int
    api_key_id: int

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return f"api_key:{self.api_key_id}"
