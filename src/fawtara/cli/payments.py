"""`fawtara payments …`: payments recorded on invoices (Fatora-style API)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import typer

from fawtara.cli.invoices import InvoiceId, Text, amount
from fawtara.cli.remote import Remote, command, given

app = typer.Typer(help="Payments on invoices: add, delete (Fatora-style API).")


@command(app, "add")
def add(
    invoice_id: InvoiceId,
    remote: Remote,
    amount: Annotated[Decimal, typer.Option(parser=amount, help="e.g. 40.500")],
    transaction_id: Annotated[str | None, typer.Option(help="Unique per merchant.")] = None,
    kind: Annotated[str | None, typer.Option("--type", help="Cash (default), Card, …")] = None,
    day: Annotated[
        datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="YYYY-MM-DD.")
    ] = None,
    note: Text = None,
) -> None:
    """Record a payment; shows the invoice, whose status follows the money."""
    fields: dict[str, Any] = {
        "transaction_id": transaction_id,
        "payment_type": kind,
        "payment_date": day,
        "note": note,
    }
    with remote.fatora_client() as fatora:
        remote.show(fatora.payments.add(invoice_id, amount=amount, **given(fields)))


@command(app, "delete")
def delete(
    invoice_id: InvoiceId,
    payment_id: Annotated[int, typer.Argument(help="Payment id.", min=1)],
    remote: Remote,
) -> None:
    """Remove a payment; shows the invoice."""
    with remote.fatora_client() as fatora:
        remote.show(fatora.payments.delete(invoice_id, payment_id))
