"""What the commands that call a server share: where it is and who calls it, the SDK client of
the chosen dialect, and exit codes (0 done, 1 refused by the server, 2 usage).

Each connection setting comes from its flag, else its environment variable, else the config
file (`--config`, `FAWTARA_CONFIG`, or `$XDG_CONFIG_HOME/fawtara/config.toml`):

    url = "https://invoices.example.com"
    api_key = "..."                 # the Fatora-style API
    dialect = "fatora"              # or "hesabe"; the default is fatora unless only
                                    # Hesabe-style credentials are given
    [hesabe]
    username = "..."                # and password, access_code, merchant_code, secret_key, iv
"""

import functools
import inspect
import os
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from fawtara.cli import output
from fawtara.cli.output import Output
from fawtara.client import FatoraClient, FawtaraError, HesabeClient

HESABE_FIELDS = ("username", "password", "access_code", "merchant_code", "secret_key", "iv")
PANEL = "Connection (flag, environment variable, or config file)"


class Dialect(StrEnum):
    fatora = "fatora"
    hesabe = "hesabe"


def _option(name: str, kind: Any, help: str, envvar: str) -> inspect.Parameter:
    info = typer.Option(envvar=envvar, help=help, rich_help_panel=PANEL)
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[kind, info]
    )


CONNECTION = [
    _option("url", str | None, "Server URL, e.g. https://invoices.example.com.", "FAWTARA_URL"),
    _option("api_key", str | None, "Fatora-style API key.", "FAWTARA_API_KEY"),
    _option("dialect", Dialect | None, "API to speak (default fatora).", "FAWTARA_DIALECT"),
    *(
        _option(
            f"hesabe_{field}",
            str | None,
            f"Hesabe-style {field.replace('_', ' ')}.",
            f"FAWTARA_HESABE_{field.upper()}",
        )
        for field in HESABE_FIELDS
    ),
    _option("config", Path | None, "Config file (TOML).", "FAWTARA_CONFIG"),
    inspect.Parameter(
        "output",
        inspect.Parameter.KEYWORD_ONLY,
        default=Output.table,
        annotation=Annotated[Output, typer.Option("--output", "-o", help="table or json.")],
    ),
]


@dataclass(frozen=True)
class Remote:
    """The server a command calls, and how it prints what it gets."""

    url: str
    dialect: Dialect
    api_key: str | None
    hesabe_login: dict[str, str | None]
    output: Output

    @property
    def hesabe(self) -> bool:
        return self.dialect is Dialect.hesabe

    def client(self) -> FatoraClient | HesabeClient:
        return self.hesabe_client() if self.hesabe else self.fatora_client()

    def fatora_client(self) -> FatoraClient:
        if self.hesabe:
            raise usage("this command belongs to the Fatora-style API (--dialect)")
        if not self.api_key:
            raise usage("no API key: --api-key, FAWTARA_API_KEY or the config file")
        return FatoraClient(self.url, self.api_key)

    def hesabe_client(self) -> HesabeClient:
        login = {name: value for name, value in self.hesabe_login.items() if value}
        missing = [f"FAWTARA_HESABE_{name.upper()}" for name in HESABE_FIELDS if name not in login]
        if missing:
            raise usage(f"missing Hesabe-style credentials: {', '.join(missing)}")
        return HesabeClient(self.url, **login)  # type: ignore[arg-type]

    def refuse(self, **options: object) -> None:
        """A usage error if any of these options was given: the dialect does not take them."""
        named = [f"--{name.replace('_', '-')}" for name, value in options.items() if value]
        if named:
            raise usage(f"{', '.join(named)}: not taken by the {self.dialect} API")

    def show(self, record: BaseModel | dict[str, Any]) -> None:
        output.show(record, self.output)

    def show_list(self, rows: Sequence[BaseModel], caption: str | None = None) -> None:
        output.show_list(rows, self.output, caption)

    def show_pages(self, listing: Any, page: int, every: bool, filters: dict[str, Any]) -> None:
        """Page `page` of a resource's list (`listing`: `client.invoices`, …), or `every`
        page; the filters that have a value."""
        if every:
            self.show_list(list(listing.iter(**given(filters))))
            return
        result = listing.list(page, **given(filters))
        shown = f"page {page}: {len(result.items)} of {result.total}"
        self.show_list(result.items, shown + ("; --all for every page" if result.next_page else ""))


def given(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields that have a value (an empty list or record is no value)."""
    return {name: value for name, value in fields.items() if value not in (None, [], {})}


def config_path() -> Path:
    home = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(home) / "fawtara" / "config.toml"


def _config(path: Path | None) -> dict[str, Any]:
    """The config file's settings; {} when the default file does not exist."""
    if path is None and not config_path().exists():
        return {}
    path = path or config_path()
    try:
        return tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise usage(f"config file {path}: {exc}") from None


def _setting(flag: Any, section: dict[str, Any], name: str) -> Any:
    """A flag's value (or its environment variable's), else the config file's."""
    value = section.get(name) if flag is None else flag
    if value is not None and not isinstance(value, str):
        raise usage(f"config file: {name} must be a string")
    return value


def resolve(options: dict[str, Any]) -> Remote:
    config = _config(options["config"])
    url = _setting(options["url"], config, "url")
    if not url:
        raise usage("no server: --url, FAWTARA_URL or url in the config file")
    api_key = _setting(options["api_key"], config, "api_key")
    section = config.get("hesabe", {})
    if not isinstance(section, dict):
        raise usage("config file: [hesabe] must be a table")
    login = {name: _setting(options[f"hesabe_{name}"], section, name) for name in HESABE_FIELDS}
    dialect = options["dialect"] or _setting(None, config, "dialect")
    if dialect is None:
        dialect = Dialect.hesabe if login["username"] and not api_key else Dialect.fatora
    if dialect not in tuple(Dialect):
        raise usage(f"config file: dialect must be fatora or hesabe, not {dialect!r}")
    return Remote(url, Dialect(dialect), api_key, login, options["output"])


def usage(message: str) -> typer.Exit:
    """Exit 2: the command was not given what it needs."""
    typer.echo(f"Usage error: {message}", err=True)
    return typer.Exit(2)


def refused(message: str) -> typer.Exit:
    """Exit 1: the server (or the file to import) refused."""
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(1)


def fail(exc: FawtaraError) -> typer.Exit:
    """Exit 1 with what the server said, and the problems it listed, on stderr."""
    outcome = refused(str(exc))
    for problem in exc.errors:
        where = problem.get("line") or problem.get("field")
        typer.echo(f"  {where}: {problem.get('reason')}", err=True)
    return outcome


def command(app: typer.Typer, name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command that calls a server. It takes the connection options besides its own
    and is given the `remote: Remote` they make; a refused request exits 1."""

    def register(function: Callable[..., None]) -> Callable[..., None]:
        own = [p for p in inspect.signature(function).parameters.values() if p.name != "remote"]

        @functools.wraps(function)
        def run(**values: Any) -> None:
            remote = resolve({p.name: values.pop(p.name) for p in CONNECTION})
            try:
                function(remote=remote, **values)
            except FawtaraError as exc:
                raise fail(exc) from None

        run.__signature__ = inspect.Signature([*own, *CONNECTION])  # type: ignore[attr-defined]
        app.command(name)(run)
        return function

    return register
