"""Client queries; every one takes the merchant id."""

from sqlalchemy import Select, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from fawtara.clients.contact import normalise_email
from fawtara.models import Client, Invoice


def get(session: Session, merchant_id: int, client_id: int) -> Client | None:
    return session.scalars(
        select(Client).where(Client.id == client_id, Client.merchant_id == merchant_id)
    ).first()


def find_by_email(session: Session, merchant_id: int, email: str) -> Client | None:
    return session.scalars(
        select(Client).where(Client.merchant_id == merchant_id, Client.email == email)
    ).first()


_ID_BY_ID = select(Client.id).where(
    Client.merchant_id == bindparam("merchant"), Client.id == bindparam("id")
)
_ID_BY_EMAIL = select(Client.id).where(
    Client.merchant_id == bindparam("merchant"), Client.email == bindparam("email")
)


def client_id(
    session: Session, merchant_id: int, *, id: int | None = None, email: str = ""
) -> int | None:
    """The id of the merchant's client with this id or email, if there is one. A Core statement
    on the session's connection: invoice creates look clients up on every call."""
    if id is not None:
        return session.connection().scalar(_ID_BY_ID, {"merchant": merchant_id, "id": id})
    return session.connection().scalar(_ID_BY_EMAIL, {"merchant": merchant_id, "email": email})


def has_invoices(session: Session, merchant_id: int, client_id: int) -> bool:
    query = select(
        exists().where(Invoice.merchant_id == merchant_id, Invoice.client_id == client_id)
    )
    return bool(session.scalar(query))


def _filtered(merchant_id: int, keyword: str | None, email: str | None) -> Select[Client]:
    query = select(Client).where(Client.merchant_id == merchant_id)
    if email:
        query = query.where(Client.email == normalise_email(email))
    if keyword:
        # A substring, taken literally: `%`, `_` and the escape character match themselves.
        keyword = keyword.lower()
        query = query.where(
            or_(
                func.lower(Client.name).contains(keyword, autoescape=True),
                func.lower(Client.email).contains(keyword, autoescape=True),
                Client.phone.contains(keyword, autoescape=True),
            )
        )
    return query


def page(
    session: Session,
    merchant_id: int,
    *,
    keyword: str | None,
    email: str | None,
    page: int,
    page_size: int,
) -> tuple[list[Client], int]:
    query = _filtered(merchant_id, keyword, email)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Client.id.desc()).offset((page - 1) * page_size).limit(page_size)
    ).all()
    return list(rows), total
