"""How the commands that call a server print what they get: Rich tables, or JSON.

JSON carries amounts as strings ("100.005"), exactly; tables show one record as a list of its
fields (with a table for each list inside it, such as items) and lists with a few columns.
"""

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from fawtara.client import Client, HesabeInvoice, Invoice

console = Console()
errors = Console(stderr=True)


class Output(StrEnum):
    table = "table"
    json = "json"


# The columns of a list, by record type; a dotted name reads a field of a field.
COLUMNS: dict[type[BaseModel], tuple[str, ...]] = {
    Invoice: (
        "id",
        "number",
        "date",
        "client.name",
        "title",
        "status",
        "total",
        "amount_due",
        "currency",
    ),  # fmt: skip
    HesabeInvoice: (
        "id",
        "invoice_number",
        "reference_number",
        "customer.name",
        "amount",
        "currency",
        "status",
        "expires_at",
    ),  # fmt: skip
    Client: ("id", "name", "email", "phone"),
}


def show(value: BaseModel | dict[str, Any], output: Output) -> None:
    """One record."""
    if output is Output.json:
        _print_json(value)
        return
    fields = value.model_dump() if isinstance(value, BaseModel) else value
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    lists = []
    for name, cell in _flat(fields):
        if isinstance(cell, list):
            lists.append((name, cell))
        else:
            grid.add_row(name, _text(cell))
    console.print(grid)
    for name, rows in lists:
        if rows:
            console.print(_table(rows, tuple(rows[0]), title=name))


def show_list(rows: Sequence[BaseModel], output: Output, caption: str | None = None) -> None:
    if output is Output.json:
        _print_json(list(rows))
        return
    columns = COLUMNS[type(rows[0])] if rows else ("id",)
    console.print(_table([row.model_dump() for row in rows], columns, caption=caption))


def _print_json(value: Any) -> None:
    plain = _plain(value)
    typer.echo(json.dumps(plain, indent=2, ensure_ascii=False))


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return str(value) if isinstance(value, Decimal) else value


def _flat(fields: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Fields with those of nested records spelled out: client.name, setting.tax, …"""
    flat: list[tuple[str, Any]] = []
    for name, value in fields.items():
        if isinstance(value, dict):
            flat.extend(_flat(value, f"{prefix}{name}."))
        else:
            flat.append((f"{prefix}{name}", value))
    return flat


def _table(
    rows: list[dict[str, Any]],
    columns: tuple[str, ...],
    *,
    title: str | None = None,
    caption: str | None = None,
) -> Table:
    table = Table(*columns, title=title, caption=caption, title_justify="left")
    for row in rows:
        table.add_row(*(_text(_get(row, column)) for column in columns))
    return table


def _get(row: dict[str, Any], dotted: str) -> Any:
    value: Any = row
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
