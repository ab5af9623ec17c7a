"""`fawtara audit …`: read the append-only audit log."""

from typing import Annotated

import orjson
import typer
from rich.table import Table

from fawtara.audit import service as audit
from fawtara.cli.common import console, print_json, unit_of_work

app = typer.Typer(help="Read the audit log (append-only).", no_args_is_help=True)


@app.command("list")
def list_events(
    merchant: Annotated[int | None, typer.Option("--merchant", "-m")] = None,
    action: Annotated[str | None, typer.Option(help="e.g. invoice.deleted")] = None,
    entity_id: Annotated[int | None, typer.Option(help="e.g. the invoice id")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Newest events first."""
    with unit_of_work() as (session, _config):
        events = audit.list_events(
            session, merchant_id=merchant, action=action, entity_id=entity_id, limit=limit
        )
        rows = [
            {
                "id": e.id,
                "created_at": e.created_at.isoformat(),
                "merchant_id": e.merchant_id,
                "actor": e.actor,
                "action": e.action,
                "entity_type": e.entity_type,
                "entity_id": e.entity_id,
            }
            for e in events
        ]
    if json:
        print_json(rows)
        return
    table = Table("id", "when", "merchant", "actor", "action", "entity")
    for r in rows:
        table.add_row(
            str(r["id"]),
            str(r["created_at"]),
            str(r["merchant_id"]),
            str(r["actor"]),
            str(r["action"]),
            f"{r['entity_type']} {r['entity_id']}",
        )
    console.print(table)


@app.command("show")
def show(event_id: Annotated[int, typer.Argument()]) -> None:
    """One event with the full snapshot it recorded, as JSON."""
    with unit_of_work() as (session, _config):
        event = audit.get_event(session, event_id)
        if event is None:
            typer.echo(f"Error: no audit event {event_id}", err=True)
            raise typer.Exit(1)
        record = {
            "id": event.id,
            "created_at": event.created_at.isoformat(),
            "merchant_id": event.merchant_id,
            "actor": event.actor,
            "action": event.action,
            "entity_type": event.entity_type,
            "entity_id": event.entity_id,
            "snapshot": orjson.loads(event.snapshot),
        }
    print_json(record)
