"""The `fawtara` command: serve, db, merchant, audit on the server's host; invoices, clients,
payments from anywhere, through the SDK.

The server's own modules (SQLAlchemy, FastAPI, uvicorn, …) are imported only by the commands
that use them, so that the commands that call a server start in a fraction of the time, and
work where only the SDK is installed (`pip install fawtara`, without the `server` extra).
"""

import importlib
import ipaddress
import os
import signal
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from fawtara.cli import clients, invoices, payments, server_extra

if TYPE_CHECKING:
    from fawtara.demo import Demo


class _Commands(TyperGroup):
    """The root command; the groups run on the server's host are imported when called."""

    LAZY = {"merchant": "fawtara.cli.merchant", "audit": "fawtara.cli.audit"}

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *self.LAZY]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.LAZY:
            return super().get_command(ctx, cmd_name)
        if server_extra.missing():
            return server_extra.unavailable(cmd_name)
        group = typer.main.get_group(importlib.import_module(self.LAZY[cmd_name]).app)
        group.name = cmd_name
        return group


app = typer.Typer(
    cls=_Commands,
    help="Fawtara: a self-hostable merchant invoicing server.",
    no_args_is_help=True,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(invoices.app, name="invoices", no_args_is_help=True)
app.add_typer(clients.app, name="clients", no_args_is_help=True)
app.add_typer(payments.app, name="payments", no_args_is_help=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    demo: Annotated[bool, typer.Option(help="Create demo data and print a working key.")] = False,
    access_log: Annotated[
        bool | None, typer.Option(help="Log every request [default: FAWTARA_ACCESS_LOG or on].")
    ] = None,
    allow_placeholder_key: Annotated[
        bool,
        typer.Option(
            help="Serve beyond this host on the public development master key (anyone can then "
            "forge a token for any merchant)."
        ),
    ] = False,
) -> None:
    """Apply migrations, then serve the API."""
    server_extra.require("serve")
    # Invoice links point at this server unless a public base URL is configured.
    os.environ.setdefault("FAWTARA_BASE_URL", f"http://{_shown(host)}:{port}")
    if access_log is not None:
        os.environ["FAWTARA_ACCESS_LOG"] = "true" if access_log else "false"
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _serve(host, port, workers, demo, allow_placeholder_key)
        return
    from fawtara.ops.metrics_folder import metrics_folder

    # uvicorn re-raises the SIGTERM it caught once it has shut down; as an exit rather than the
    # default handler's instant death, so that the folder below is removed.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    # The workers add up their metrics in one folder (before prometheus_client is imported).
    with metrics_folder() as folder:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
        _serve(host, port, workers, demo, allow_placeholder_key)


def _serve(host: str, port: int, workers: int, demo: bool, allow_placeholder_key: bool) -> None:
    # Imports the server's modules, prometheus_client among them: only once its folder is set.
    _check_master_key(host, allow_placeholder_key)
    import uvicorn

    from fawtara import migrate
    from fawtara.cli.common import settings, unit_of_work
    from fawtara.credentials.keys import KeyHasher
    from fawtara.credentials.secrets import SecretBox
    from fawtara.db import Database
    from fawtara.demo import ensure_demo
    from fawtara.ops.logs import log_config

    config = settings()
    if demo:
        with unit_of_work() as (session, _config):
            result = ensure_demo(
                session, KeyHasher(config.master_key), SecretBox(config.master_key)
            )
        _print_demo(result, host, port)
    else:
        database = Database(config)
        migrate.upgrade(database.engine)
        database.dispose()
    uvicorn.run(
        "fawtara.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(config.log_level, config.log_format),
        access_log=False,  # the app writes its own access lines, with the request id
        server_header=False,
    )


def _check_master_key(host: str, allowed: bool) -> None:
    """The placeholder master key is public: whoever reads it can sign tokens and key hashes for
    any merchant. Say so at every start, and refuse to listen beyond this host with it unless
    asked to in so many words."""
    from fawtara.cli.common import settings
    from fawtara.settings import PLACEHOLDER_MASTER_KEY

    if settings().master_key != PLACEHOLDER_MASTER_KEY:
        return
    typer.secho(
        "WARNING: FAWTARA_MASTER_KEY is not set: serving on the public development placeholder, "
        "with which anyone can forge a token for any merchant. Set a secret of your own "
        "(e.g. `export FAWTARA_MASTER_KEY=$(openssl rand -hex 32)`) before real use.",
        err=True,
        fg=typer.colors.RED,
        bold=True,
    )
    if not _loopback(host) and not allowed:
        typer.secho(
            f"Refusing to listen on {host} with the placeholder master key: set "
            "FAWTARA_MASTER_KEY, listen on 127.0.0.1, or pass --allow-placeholder-key.",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(2)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return False


def _shown(host: str) -> str:
    return "localhost" if host in ("0.0.0.0", "::") else host


def _print_demo(demo: "Demo", host: str, port: int) -> None:
    from fawtara.cli.common import console

    base = f"http://{_shown(host)}:{port}"
    console.print("[bold]Demo merchant ready.[/]")
    console.print(f"API key (kept with the database): [bold green]{demo.api_key}[/]")
    console.print(f"Invoices: {', '.join(map(str, demo.invoice_ids))}. Try:")
    console.print(
        f"  curl --location --request GET '{base}/v1/invoices/{demo.invoice_ids[0]}' "
        f"--header 'api_key: {demo.api_key}' --header 'Content-Type: application/json'",
        soft_wrap=True,
        highlight=False,
    )
    console.print(
        "Hesabe-style API: merchant code, access code, key and IV are Hesabe's public sandbox "
        f"ones (see README). Log in as [bold]{demo.username}[/] with password "
        f"[bold green]{demo.password}[/] (kept with the database):"
    )
    console.print(
        f"  curl --request POST '{base}/api/v1/login' --header 'Content-Type: application/json' "
        f"""--data '{{"username": "{demo.username}", "password": "{demo.password}"}}'""",
        soft_wrap=True,
        highlight=False,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (idempotent)."""
    server_extra.require("db upgrade")
    from fawtara import migrate
    from fawtara.cli.common import console, settings
    from fawtara.db import Database

    database = Database(settings())
    try:
        migrate.upgrade(database.engine)
    finally:
        database.dispose()
    console.print("Database is up to date.")
