"""Client use cases: create, read, list, update, delete."""

from dataclasses import asdict

from sqlalchemy.orm import Session

from fawtara.audit import service as audit
from fawtara.clients import repository
from fawtara.clients.contact import normalise_email
from fawtara.clients.schemas import ClientFields, ClientPage, ClientView
from fawtara.constraints import flush
from fawtara.credentials.principal import Principal
from fawtara.errors import ClientHasInvoices, ClientNotFound, DuplicateClientEmail, InvalidInput
from fawtara.models import Client


def view(client: Client) -> ClientView:
    return ClientView(
        id=client.id,
        name=client.name,
        address=client.address,
        phone=client.phone,
        email=client.email,
        notes=client.notes,
    )


def create(session: Session, principal: Principal, fields: ClientFields) -> Client:
    if not fields.name:
        raise InvalidInput("is required", field="name")
    email = normalise_email(fields.email)
    if email and repository.find_by_email(session, principal.merchant_id, email):
        raise DuplicateClientEmail()
    client = Client(
        merchant_id=principal.merchant_id,
        name=fields.name,
        address=fields.address,
        phone=fields.phone,
        email=email,
        notes=fields.notes,
    )
    session.add(client)
    flush(session)
    _audit(session, principal, "client.created", client)
    return client


def get(session: Session, principal: Principal, client_id: int) -> Client:
    client = repository.get(session, principal.merchant_id, client_id)
    if client is None:
        raise ClientNotFound()
    return client


def list_page(
    session: Session,
    principal: Principal,
    *,
    keyword: str | None = None,
    email: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> ClientPage:
    rows, total = repository.page(
        session,
        principal.merchant_id,
        keyword=keyword,
        email=email,
        page=page,
        page_size=page_size,
    )
    return ClientPage([view(c) for c in rows], total, page, page_size)


def update(session: Session, principal: Principal, client_id: int, fields: ClientFields) -> Client:
    client = get(session, principal, client_id)
    changes = {k: v for k, v in asdict(fields).items() if v is not None}
    if "email" in changes:
        email = normalise_email(changes["email"])
        if email != client.email and email:
            if repository.find_by_email(session, principal.merchant_id, email):
                raise DuplicateClientEmail()
        changes["email"] = email
    for key, value in changes.items():
        setattr(client, key, value)
    flush(session)
    _audit(session, principal, "client.updated", client)
    return client


def delete(session: Session, principal: Principal, client_id: int) -> None:
    client = get(session, principal, client_id)
    if repository.has_invoices(session, principal.merchant_id, client_id):
        raise ClientHasInvoices()
    snapshot = view(client)
    session.delete(client)
    session.flush()
    _audit(session, principal, "client.deleted", client, snapshot)


def _audit(
    session: Session,
    principal: Principal,
    action: str,
    client: Client,
    snapshot: ClientView | None = None,
) -> None:
    audit.record(
        session,
        merchant_id=principal.merchant_id,
        actor=principal.actor,
        action=action,
        entity_type="client",
        entity_id=client.id,
        snapshot=snapshot or view(client),
    )
