"""What every CLI command shares: settings, a migrated database, output helpers."""

from collections.abc import Iterator
from contextlib import contextmanager

import orjson
import typer
from rich.console import Console
from sqlalchemy.orm import Session

from fawtara import migrate
from fawtara.db import Database
from fawtara.settings import Settings

console = Console()
CLI_ACTOR = "cli"


def settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        typer.echo(f"Invalid configuration: {exc}", err=True)
        raise typer.Exit(2) from None


@contextmanager
def unit_of_work() -> Iterator[tuple[Session, Settings]]:
    """A migrated database and one transaction, committed when the command succeeds."""
    config = settings()
    database = Database(config)
    try:
        migrate.upgrade(database.engine)
        with database.session() as session:
            yield session, config
    finally:
        database.dispose()


def print_json(value: object) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())
