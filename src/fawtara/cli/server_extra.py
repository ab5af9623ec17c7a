"""The commands run on the server's host need the server's libraries, the `server` extra.

`pip install fawtara` brings the SDK and the commands that call a server; without the extra, a
server command says in one line how to install it instead of ending in an ImportError.
"""

import importlib.util
from typing import Any

import typer

INSTALL = "pip install 'fawtara[server]'"
# One module of each library the server's commands import first (the `server` extra).
MODULES = ("fastapi", "uvicorn", "sqlalchemy", "alembic", "pydantic_settings", "jwt", "psycopg",
           "iso4217", "orjson", "jiter", "argon2", "openpyxl", "jinja2", "weasyprint")  # fmt: skip


def missing() -> list[str]:
    """The server's libraries that are not installed (found without importing them)."""
    return [name for name in MODULES if importlib.util.find_spec(name) is None]


def require(command: str) -> None:
    """Exit with the install line when the server's libraries are not installed."""
    absent = missing()
    if absent:
        some = "" if len(absent) == len(MODULES) else f" ({', '.join(absent)} missing)"
        typer.secho(
            f"`fawtara {command}` needs the server, which is not installed{some}: {INSTALL}",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(1)


def unavailable(name: str) -> Any:
    """A stand-in for a server command group: any use of it prints the install line."""
    stub = typer.Typer(add_completion=False)

    @stub.command(
        name,
        help="Runs on the server's host: needs the server extra, which is not installed.",
        add_help_option=False,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    def hint(ctx: typer.Context) -> None:
        require(name)

    return typer.main.get_command(stub)
