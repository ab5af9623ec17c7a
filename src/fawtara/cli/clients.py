"""`fawtara clients …`: a merchant's clients (Fatora-style API)."""

from typing import Annotated

import typer

from fawtara.cli.invoices import Text
from fawtara.cli.remote import Remote, command, given

app = typer.Typer(help="Clients: list, get, create, update, delete (Fatora-style API).")

ClientId = Annotated[int, typer.Argument(help="Client id.", min=1)]


@command(app, "list")
def list_clients(
    remote: Remote,
    keyword: Annotated[str | None, typer.Option(help="In the name or email.")] = None,
    email: Text = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    page_size: Annotated[int | None, typer.Option(min=1, max=100)] = None,
    all_pages: Annotated[bool, typer.Option("--all", help="Every page.")] = False,
) -> None:
    """Clients, newest first: one page, or --all."""
    filters = {"keyword": keyword, "email": email, "page_size": page_size}
    with remote.fatora_client() as fatora:
        remote.show_pages(fatora.clients, page, all_pages, filters)


@command(app, "get")
def get(client_id: ClientId, remote: Remote) -> None:
    """One client."""
    with remote.fatora_client() as fatora:
        remote.show(fatora.clients.get(client_id))


@command(app, "create")
def create(
    remote: Remote,
    name: Annotated[str, typer.Option()],
    email: Text = None,
    phone: Text = None,
    address: Text = None,
    notes: Text = None,
) -> None:
    """A new client (its email, if given, is unique for the merchant)."""
    fields = {"email": email, "phone": phone, "address": address, "notes": notes}
    with remote.fatora_client() as fatora:
        remote.show(fatora.clients.create(name=name, **given(fields)))


@command(app, "update")
def update(
    client_id: ClientId,
    remote: Remote,
    name: Text = None,
    email: Text = None,
    phone: Text = None,
    address: Text = None,
    notes: Text = None,
) -> None:
    """Change the fields given."""
    fields = {"name": name, "email": email, "phone": phone, "address": address, "notes": notes}
    with remote.fatora_client() as fatora:
        remote.show(fatora.clients.update(client_id, **given(fields)))


@command(app, "delete")
def delete(client_id: ClientId, remote: Remote) -> None:
    """Delete a client that has no invoices."""
    with remote.fatora_client() as fatora:
        fatora.clients.delete(client_id)
    remote.show({"id": client_id, "deleted": True})
