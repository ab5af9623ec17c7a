"""`fawtara merchant …`: create merchants and manage their API keys."""

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from fawtara.audit import service as audit
from fawtara.cli.common import CLI_ACTOR, console, print_json, unit_of_work
from fawtara.credentials.hesabe import add_user, assign, seal_envelope
from fawtara.credentials.keys import KeyHasher, issue_api_key, list_api_keys, revoke_api_key
from fawtara.credentials.secrets import SecretBox
from fawtara.errors import FawtaraError
from fawtara.merchants.service import create_merchant, get_merchant

app = typer.Typer(help="Merchants and their API keys.", no_args_is_help=True)
key_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)
app.add_typer(key_app, name="key")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
MerchantOption = Annotated[int, typer.Option("--merchant", "-m", help="Merchant id.")]


def _fail(exc: FawtaraError) -> typer.Exit:
    typer.echo(f"Error: {exc}", err=True)
    return typer.Exit(1)


@app.command("create")
def create(
    name: Annotated[str, typer.Option(help="Merchant name.")],
    currency: Annotated[str, typer.Option(help="Default invoice currency.")] = "QAR",
    tax_rate: Annotated[int, typer.Option(help="Tax rate in basis points (500 = 5%).")] = 0,
    merchant_code: Annotated[str | None, typer.Option(help="Hesabe merchantCode.")] = None,
    access_code: Annotated[str | None, typer.Option(help="Hesabe accessCode (a UUID).")] = None,
    secret_key: Annotated[str | None, typer.Option(help="Envelope key, 32 chars.")] = None,
    iv: Annotated[str | None, typer.Option(help="Envelope IV, 16 characters.")] = None,
    username: Annotated[str | None, typer.Option(help="Login of the Hesabe-style API.")] = None,
    password: Annotated[str | None, typer.Option(help="Its password (else generated).")] = None,
    json: JsonFlag = False,
) -> None:
    """Create a merchant with its first API key and its Hesabe-style credentials.

    Whatever is not given is generated; the API key, envelope key and IV, and a generated
    password are printed once (they are stored hashed or sealed)."""
    try:
        with unit_of_work() as (session, config):
            merchant = create_merchant(
                session, name=name, currency=currency.upper(), tax_rate_bp=tax_rate
            )
            key, clear = issue_api_key(
                session, KeyHasher(config.master_key), merchant_id=merchant.id, name="default"
            )
            _audit_key(session, merchant.id, "api_key.created", key.id, key.prefix)
            hesabe = assign(
                session,
                SecretBox(config.master_key),
                merchant,
                merchant_code=merchant_code,
                access_code=access_code,
                secret_key=secret_key,
                iv=iv,
            )
            user = add_user(session, merchant, username=username, password=password)
    except FawtaraError as exc:
        raise _fail(exc) from None
    shown = {
        "id": merchant.id,
        "name": merchant.name,
        "api_key": clear,
        **asdict(hesabe),
        "username": user.username,
        **({"password": user.password} if user.password else {}),
    }
    if json:
        print_json(shown)
        return
    console.print(f"Merchant [bold]{merchant.name}[/] created with id [bold]{merchant.id}[/].")
    console.print("Shown once, keep them safe:")
    for label, value in shown.items():
        if label not in ("id", "name"):
            console.print(f"  {label}: [bold green]{value}[/]", highlight=False)


@app.command("rotate-envelope")
def rotate_envelope(merchant: MerchantOption, json: JsonFlag = False) -> None:
    """Give a merchant a new envelope key and IV (the old ones stop decrypting at once)."""
    try:
        with unit_of_work() as (session, config):
            row = get_merchant(session, merchant)
            if row.merchant_code is None:  # made before Hesabe-style credentials existed
                hesabe = assign(session, SecretBox(config.master_key), row)
                secrets = {**asdict(hesabe)}
            else:
                secrets = asdict(seal_envelope(row, SecretBox(config.master_key)))
            audit.record(
                session,
                merchant_id=merchant,
                actor=CLI_ACTOR,
                action="merchant.envelope_rotated",
                entity_type="merchant",
                entity_id=merchant,
                snapshot={"merchant_code": row.merchant_code, "access_code": row.access_code},
            )
    except FawtaraError as exc:
        raise _fail(exc) from None
    if json:
        print_json(secrets)
        return
    for label, value in secrets.items():
        console.print(f"{label}: [bold green]{value}[/]", highlight=False)


@key_app.command("create")
def key_create(
    merchant: MerchantOption,
    name: Annotated[str, typer.Option(help="A label for the key.")] = "",
    json: JsonFlag = False,
) -> None:
    """Issue another API key for a merchant."""
    try:
        with unit_of_work() as (session, config):
            get_merchant(session, merchant)
            key, clear = issue_api_key(
                session, KeyHasher(config.master_key), merchant_id=merchant, name=name
            )
            _audit_key(session, merchant, "api_key.created", key.id, key.prefix)
    except FawtaraError as exc:
        raise _fail(exc) from None
    if json:
        print_json({"id": key.id, "merchant_id": merchant, "api_key": clear})
        return
    console.print(f"API key {key.id} (shown once, keep it safe): [bold green]{clear}[/]")


@key_app.command("list")
def key_list(merchant: MerchantOption, json: JsonFlag = False) -> None:
    """List a merchant's keys (prefix only: the keys themselves are not stored)."""
    with unit_of_work() as (session, _config):
        keys = list_api_keys(session, merchant_id=merchant)
        rows = [
            {
                "id": k.id,
                "name": k.name,
                "prefix": k.prefix,
                "created_at": k.created_at.isoformat(),
                "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
            }
            for k in keys
        ]
    if json:
        print_json(rows)
        return
    table = Table("id", "name", "prefix", "created", "revoked")
    for row in rows:
        table.add_row(
            str(row["id"]),
            str(row["name"]),
            f"{row['prefix']}…",
            str(row["created_at"]),
            str(row["revoked_at"] or "—"),
        )
    console.print(table)


@key_app.command("revoke")
def key_revoke(
    key_id: Annotated[int, typer.Argument(help="Key id (from `merchant key list`).")],
    merchant: MerchantOption,
) -> None:
    """Revoke a key; servers stop accepting it within the API key cache time (5 s default)."""
    try:
        with unit_of_work() as (session, _config):
            key = revoke_api_key(session, merchant_id=merchant, key_id=key_id)
            _audit_key(session, merchant, "api_key.revoked", key.id, key.prefix)
    except FawtaraError as exc:
        raise _fail(exc) from None
    console.print(f"API key {key_id} revoked.")


def _audit_key(session: Session, merchant_id: int, action: str, key_id: int, prefix: str) -> None:
    audit.record(
        session,
        merchant_id=merchant_id,
        actor=CLI_ACTOR,
        action=action,
        entity_type="api_key",
        entity_id=key_id,
        snapshot={"id": key_id, "prefix": prefix},
    )
