"""Invoice rules that hold whichever dialect asks: when a link may expire, when it has.

Each dialect spells the outcome its own way (Hesabe's `invoice_status` 2, its 506 naming
`expiresAt`); the decision is made here once. Days are UTC days.
"""

from datetime import UTC, date, datetime

from fawtara.errors import InvalidInput

# An invoice in one of these is settled: an expiry date no longer changes how it shows.
_SETTLED = frozenset({"paid", "cancelled"})


def today() -> date:
    return datetime.now(UTC).date()


def check_expiry(expires_at: date | None, on: date) -> None:
    """A new invoice's link may not expire before the day it is made (that day is fine)."""
    if expires_at is not None and expires_at < on:
        raise InvalidInput("is in the past", field="expires_at")


def is_expired(status: str, expires_at: date | None, on: date) -> bool:
    """An unsettled invoice whose link's last day is before `on`."""
    return status not in _SETTLED and expires_at is not None and expires_at < on
