"""The append-only audit log: who did what to which record, with a snapshot of it."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fawtara.models import AuditEvent

_INSERT = insert(AuditEvent)


def record(
    session: Session,
    *,
    merchant_id: int,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: int,
    snapshot: Any,
) -> None:
    """Append an event; `snapshot` is any dataclass or JSON-able value (Decimals as strings).

    Written with a Core insert on the session's connection (an ORM flush of the event cost
    several times the insert on the write path), after any pending ORM changes, as before."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    values = {
        "merchant_id": merchant_id,
        "actor": actor,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "snapshot": orjson.dumps(snapshot, default=_exact).decode(),
    }
    session.connection().execute(_INSERT, values)


def _exact(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot record {type(value).__name__} in the audit log")


def list_events(
    session: Session,
    *,
    merchant_id: int | None = None,
    action: str | None = None,
    entity_id: int | None = None,
    limit: int = 50,
) -> Sequence[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if merchant_id is not None:
        query = query.where(AuditEvent.merchant_id == merchant_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    return session.scalars(query).all()


def get_event(session: Session, event_id: int) -> AuditEvent | None:
    return session.get(AuditEvent, event_id)
