"""`fawtara invoices …`: a server's invoices, through either API."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from fawtara.cli import importing
from fawtara.cli.remote import Remote, command, given, usage

app = typer.Typer(help="Invoices: list, get, create, update, cancel, delete, import.")


class Status(StrEnum):
    unpaid = "unpaid"
    partially_paid = "partially_paid"
    paid = "paid"
    cancelled = "cancelled"


class Kind(StrEnum):
    quick = "quick"
    detailed = "detailed"

    @property
    def wire(self) -> str:
        return f"{self.value.capitalize()} invoice"  # "Quick invoice"


class Language(StrEnum):
    en = "en"
    ar = "ar"


class Channel(StrEnum):
    """How a Hesabe-style invoice reaches its customer."""

    sms = "sms"
    whatsapp = "whatsapp"
    email = "email"
    link = "link"

    @property
    def wire(self) -> str:
        """Its invoiceSubType code."""
        return {"sms": "0", "whatsapp": "1", "email": "2", "link": "3"}[self.value]


def amount(text: str) -> Decimal:
    """A decimal amount, exactly as typed (never through a float)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise typer.BadParameter(f"{text!r} is not an amount") from None
    if not value.is_finite():
        raise typer.BadParameter(f"{text!r} is not an amount")
    return value


def item(text: str) -> tuple[str, Decimal, Decimal]:
    """DESCRIPTION:QTY:AMOUNT (the description may hold colons)."""
    description, qty, price = (text.rsplit(":", 2) + ["", ""])[:3]
    if not description or not qty or not price:
        raise typer.BadParameter(f"{text!r}: give an item as DESCRIPTION:QTY:AMOUNT")
    return description, amount(qty), amount(price)


InvoiceId = Annotated[int, typer.Argument(help="Invoice id.", min=1)]
Amount = Annotated[Decimal | None, typer.Option(parser=amount, help="e.g. 100.500")]
Items = Annotated[
    list[str] | None,
    typer.Option("--item", help="DESCRIPTION:QTY:AMOUNT; repeat for more items."),
]
Text = Annotated[str | None, typer.Option()]
FatoraOnly = "Fatora-style only"
HesabeOnly = "Hesabe-style only"


@command(app, "list")
def list_invoices(
    remote: Remote,
    keyword: Annotated[str | None, typer.Option(help="In the number or title.")] = None,
    status: Annotated[
        Status | None,
        typer.Option(rich_help_panel=FatoraOnly),
    ] = None,
    kind: Annotated[
        Kind | None,
        typer.Option("--type", rich_help_panel=FatoraOnly),
    ] = None,
    client_email: Annotated[str | None, typer.Option(rich_help_panel=FatoraOnly)] = None,
    date_from: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="From this day.")
    ] = None,
    date_to: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="To this day.")
    ] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    page_size: Annotated[int | None, typer.Option(min=1, max=100, help=FatoraOnly)] = None,
    all_pages: Annotated[bool, typer.Option("--all", help="Every page.")] = False,
) -> None:
    """Invoices, newest first: one page, or --all."""
    days = {
        "date_from": date_from.date() if date_from else None,
        "date_to": date_to.date() if date_to else None,
    }
    if remote.hesabe:
        remote.refuse(status=status, type=kind, client_email=client_email, page_size=page_size)
        dashboard = {"search": keyword, "from_date": days["date_from"], "to_date": days["date_to"]}
        with remote.hesabe_client() as hesabe:
            remote.show_pages(hesabe.invoices, page, all_pages, dashboard)
        return
    filters = {
        "keyword": keyword,
        "status": status,
        "type": kind.wire if kind else None,
        "client_email": client_email,
        "page_size": page_size,
        **days,
    }
    with remote.fatora_client() as fatora:
        remote.show_pages(fatora.invoices, page, all_pages, filters)


@command(app, "get")
def get(invoice_id: InvoiceId, remote: Remote) -> None:
    """One invoice."""
    with remote.client() as client:
        remote.show(client.invoices.get(invoice_id))


@command(app, "create")
def create(
    remote: Remote,
    amount: Amount = None,
    description: Text = None,
    items: Items = None,
    client_name: Text = None,
    client_email: Text = None,
    client_phone: Text = None,
    language: Annotated[Language | None, typer.Option()] = None,
    currency: Annotated[str | None, typer.Option(rich_help_panel=FatoraOnly)] = None,
    number: Annotated[str | None, typer.Option(rich_help_panel=FatoraOnly)] = None,
    title: Annotated[str | None, typer.Option(rich_help_panel=FatoraOnly)] = None,
    note: Annotated[str | None, typer.Option(rich_help_panel=FatoraOnly)] = None,
    due_date: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], rich_help_panel=FatoraOnly)
    ] = None,
    client_id: Annotated[int | None, typer.Option(rich_help_panel=FatoraOnly)] = None,
    reference: Annotated[str | None, typer.Option(rich_help_panel=HesabeOnly)] = None,
    country_code: Annotated[str | None, typer.Option(rich_help_panel=HesabeOnly)] = None,
    expires: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], rich_help_panel=HesabeOnly, help="Default: 30 days."),
    ] = None,
    channel: Annotated[Channel, typer.Option(rich_help_panel=HesabeOnly)] = Channel.link,
) -> None:
    """A quick invoice (--amount and --description) or one with items (--item, repeated)."""
    client = given({"name": client_name, "email": client_email, "phone": client_phone})
    lines = [item(text) for text in items or []]
    if not remote.hesabe:
        remote.refuse(reference=reference, country_code=country_code, expires=expires)
        fields = {
            "amount": amount,
            "description": description,
            "items": [{"description": d, "qty": q, "amount": a} for d, q, a in lines],
            "client": client,
            "client_id": client_id,
            "currency": currency,
            "number": number,
            "title": title,
            "note": note,
            "due_date": due_date,
            "setting": {"language": language} if language else None,
        }
        with remote.fatora_client() as fatora:
            remote.show(fatora.invoices.create(**given(fields)))
        return
    remote.refuse(currency=currency, number=number, title=title, note=note, due_date=due_date,
                  client_id=client_id)  # fmt: skip
    if not (amount and reference and client_name and client_phone and country_code):
        raise usage(
            "the Hesabe-style API needs --amount, --reference, --client-name, --client-phone "
            "and --country-code"
        )
    hesabe_fields = {
        "reference_number": reference,
        "customer_name": client_name,
        "mobile_number": client_phone,
        "country_code": country_code,
        "customer_email": client_email,
        "amount": amount,
        "description": description,
        "expires_at": (expires.date() if expires else datetime.now(UTC).date() + timedelta(30)),
        "invoice_sub_type": channel.wire,
        "language": language,
        "items": [{"name": d, "quantity": q, "price": a} for d, q, a in lines],
    }
    with remote.hesabe_client() as hesabe:
        created = hesabe.invoices.create(**given(hesabe_fields))
        remote.show(hesabe.invoices.get(created.id))


@command(app, "update")
def update(
    invoice_id: InvoiceId,
    remote: Remote,
    client_name: Text = None,
    client_email: Text = None,
    client_phone: Text = None,
    title: Annotated[str | None, typer.Option(rich_help_panel=FatoraOnly)] = None,
    note: Annotated[str | None, typer.Option(rich_help_panel=FatoraOnly)] = None,
    number: Annotated[str | None, typer.Option(rich_help_panel=FatoraOnly)] = None,
    due_date: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], rich_help_panel=FatoraOnly)
    ] = None,
    amount: Annotated[
        Decimal | None, typer.Option(parser=amount, rich_help_panel=HesabeOnly)
    ] = None,
    reference: Annotated[str | None, typer.Option(rich_help_panel=HesabeOnly)] = None,
) -> None:
    """Change the fields given."""
    if remote.hesabe:
        remote.refuse(title=title, note=note, number=number, due_date=due_date)
        changes = {
            "amount": amount,
            "name": client_name,
            "email": client_email,
            "phone": client_phone,
            "reference_number": reference,
        }
        with remote.hesabe_client() as hesabe:
            remote.show(hesabe.bulk.update(invoice_id, **given(changes)))
        return
    remote.refuse(amount=amount, reference=reference)
    client = given({"name": client_name, "email": client_email, "phone": client_phone})
    fields = {"title": title, "note": note, "number": number, "due_date": due_date}
    with remote.fatora_client() as fatora:
        remote.show(fatora.invoices.update(invoice_id, **given({**fields, "client": client})))


@command(app, "cancel")
def cancel(invoice_id: InvoiceId, remote: Remote) -> None:
    """Cancel an invoice (it stays, marked cancelled, and takes no payment)."""
    if remote.hesabe:
        with remote.hesabe_client() as hesabe:
            hesabe.invoices.cancel(hesabe.invoices.get(invoice_id).token)
            remote.show(hesabe.invoices.get(invoice_id))
        return
    with remote.fatora_client() as fatora:
        remote.show(fatora.invoices.update(invoice_id, status="cancelled"))


@command(app, "delete")
def delete(invoice_id: InvoiceId, remote: Remote) -> None:
    """Delete an invoice for good (the server's audit log keeps a copy)."""
    if remote.hesabe:
        with remote.hesabe_client() as hesabe:
            hesabe.bulk.delete(invoice_id)
    else:
        with remote.fatora_client() as fatora:
            fatora.invoices.delete(invoice_id)
    remote.show({"id": invoice_id, "deleted": True})


@command(app, "revoke-link")
def revoke_link(invoice_id: InvoiceId, remote: Remote) -> None:
    """Give an invoice a new link; the old one stops working (Fatora-style API)."""
    with remote.fatora_client() as fatora:
        remote.show(fatora.invoices.revoke_link(invoice_id))


@command(app, "import")
def import_file(
    path: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="A .csv or .xlsx file."),
    ],
    remote: Remote,
    scheduled: Annotated[
        bool, typer.Option(help="Rows have a schedule_time (Hesabe-style only).")
    ] = False,
) -> None:
    """Create an invoice for each row of a .csv or .xlsx file.

    The columns are the bulk upload's: reference_number, name, phone, email, amount,
    description. Through the Fatora-style API each row is one invoice and the rows refused are
    reported; through the Hesabe-style API the file is one bulk upload: every row, or none.
    """
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise usage(f"{path.name}: give a .csv or .xlsx file")
    if remote.hesabe:
        importing.upload(remote, path, scheduled=scheduled)
    else:
        remote.refuse(scheduled=scheduled)
        importing.create_each(remote, path)
