"""Turn a unique-constraint violation from either database into the domain's Conflict error."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fawtara import errors

# Constraint name (PostgreSQL reports it) and column list (SQLite reports it) per conflict.
_UNIQUE: dict[str, tuple[str, type[errors.Conflict]]] = {
    "uq_invoices_merchant_id_number": (
        "invoices.merchant_id, invoices.number",
        errors.DuplicateInvoiceNumber,
    ),
    "uq_clients_merchant_id_email": (
        "clients.merchant_id, clients.email",
        errors.DuplicateClientEmail,
    ),
    "uq_merchants_merchant_code": ("merchants.merchant_code", errors.DuplicateMerchantCredential),
    "uq_merchants_access_code": ("merchants.access_code", errors.DuplicateMerchantCredential),
    "uq_merchant_users_username": ("merchant_users.username", errors.DuplicateMerchantCredential),
    "uq_merchant_users_username_key": (
        "merchant_users.username_key",
        errors.DuplicateMerchantCredential,
    ),
    "uq_payments_merchant_id_transaction_id": (
        "payments.merchant_id, payments.transaction_id",
        errors.DuplicateTransaction,
    ),
}


def conflict_from(exc: IntegrityError) -> errors.Conflict | None:
    """The Conflict a unique violation stands for, or None if it is not one we know."""
    constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    text = str(exc.orig)
    for name, (sqlite_columns, error) in _UNIQUE.items():
        if constraint == name or f"UNIQUE constraint failed: {sqlite_columns}" in text:
            return error()
    return None


@contextmanager
def conflicts() -> Iterator[None]:
    """Writes inside the block raise a known unique violation as its Conflict."""
    try:
        yield
    except IntegrityError as exc:
        conflict = conflict_from(exc)
        if conflict is None:
            raise
        raise conflict from exc


def flush(session: Session) -> None:
    """Flush, turning a known unique violation into its Conflict."""
    with conflicts():
        session.flush()
