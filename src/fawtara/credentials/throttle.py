"""Throttling of failed sign-ins (Hesabe-style login, Fatora-style Authorize).

Failures are counted per key (an account, a client address) in fixed windows; once a key has
`attempts` failures in its window, attempts with it are refused until the window ends, with
the seconds left (for `Retry-After`). Successes are not counted, so an integration that signs
in often is never slowed. Counters live in the database: every process sees the same ones.
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, literal, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fawtara.models import ThrottleCounter
from fawtara.models.base import UTCDateTime, utcnow
from fawtara.models.merchant_user import username_key


@dataclass(frozen=True, slots=True)
class Limit:
    attempts: int
    window_seconds: int


class Throttle:
    def __init__(self, limits: dict[str, Limit]) -> None:
        self.limits = limits  # by kind: the part of the key before its first ":"

    def _limit(self, key: str) -> Limit:
        return self.limits[key.split(":", 1)[0]]

    def retry_after(self, session: Session, keys: list[str]) -> int | None:
        """Seconds until the first of `keys` that is over its limit may try again, if any."""
        now = utcnow()
        rows = session.execute(
            select(ThrottleCounter).where(ThrottleCounter.key.in_(keys))
        ).scalars()
        waits = []
        for row in rows:
            limit = self._limit(row.key)
            ends = row.window_start + timedelta(seconds=limit.window_seconds)
            if row.failures >= limit.attempts and ends > now:
                waits.append(math.ceil((ends - now).total_seconds()))
        return max(waits) if waits else None

    def failed(self, session: Session, keys: list[str]) -> None:
        """Count one failure against each key (a new window if its last one has ended)."""
        now = utcnow()
        postgres = session.get_bind().dialect.name == "postgresql"
        insert = postgresql_insert if postgres else sqlite_insert
        for key in keys:
            window = timedelta(seconds=self._limit(key).window_seconds)
            expired = ThrottleCounter.window_start <= now - window
            statement = insert(ThrottleCounter).values(key=key, window_start=now, failures=1)
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=["key"],
                    set_={
                        "failures": case((expired, 1), else_=ThrottleCounter.failures + 1),
                        "window_start": case(
                            (expired, literal(now, UTCDateTime())),
                            else_=ThrottleCounter.window_start,
                        ),
                    },
                )
            )


def address_key(host: str | None) -> str:
    return f"address:{host or 'unknown'}"


def account_key(username: str) -> str:
    return f"account:{username_key(username)}"  # the login sign-in would open
