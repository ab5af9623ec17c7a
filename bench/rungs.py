"""The apps of ceiling.py: each answers a `GET` invoice or a create with the same bytes Fawtara
answers, doing only part of Fawtara's work, so the distance between two of them under load is
what that part costs. Run under uvicorn like baseline.py, configured by the environment:

- `BENCH_BASELINE_BODY`, `BENCH_BASELINE_HEAD`: the answer to replay (harness.save_answer)
- `RUNG_DATABASE`: the SQLite file to read and write, or a PostgreSQL URL to read from
- `RUNG_CREATE`: a JSON file of a create's statements (ceiling.capture_create)

The apps:

- `rungs:raw_read`: a bare ASGI app that runs the hot read's one statement (the invoice with its
  items and payments, as `fast_read` runs it) and fetches its row
- `rungs:fastapi_empty`, `rungs:fastapi_read`: a FastAPI `async def` route on the same path, with
  the same typed path parameter; empty, or running the same statement
- `rungs:raw_create`: a bare ASGI app that reads the request's body and replays a create's
  statements on SQLite, in one transaction with its commit, the way Fawtara's write unit does
  (in a writer thread, taking the processes' turn first): the least a create costs with
  Fawtara's statements and transactions

None parses, authenticates, validates or encodes anything: what they cost is the floor under
what Fawtara can cost.
"""

import asyncio
import json
import os
import re
import secrets
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

from baseline import BODY, MEDIA_TYPE, STATUS, answer, lifespan_app
from fastapi import FastAPI
from fastapi import Path as PathParam
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.dialects import postgresql, sqlite
from starlette.responses import Response

from fawtara.db import ProcessTurn, configure_sqlite_connection
from fawtara.invoices import fast_read

Scope = dict[str, Any]

_DATABASE = os.environ.get("RUNG_DATABASE", "")
_POSTGRES = _DATABASE.startswith("postgresql")
_READ = fast_read.one_invoice((postgresql.psycopg.dialect if _POSTGRES else sqlite.dialect)())
_PARAMS = {"merchant_id": 1}  # the datasets' one merchant (invoice_data)
_POOL_SIZE = 10  # Fawtara's default per worker (FAWTARA_DB_POOL_SIZE)
_INVOICE = re.compile(r"/v1/invoices/(\d+)")


@cache
def _connection() -> sqlite3.Connection:
    """This process's connection, configured as fawtara.db configures its own."""
    db = sqlite3.connect(_DATABASE, check_same_thread=False)
    configure_sqlite_connection(db)
    return db


@cache
def _pool() -> AsyncConnectionPool:
    """This process's PostgreSQL connections, as fawtara.db's pool for the hot read."""
    return AsyncConnectionPool(
        _DATABASE, min_size=1, max_size=_POOL_SIZE, kwargs={"autocommit": True}, open=False
    )


async def _read(invoice_id: int) -> None:
    """The hot read's statement, its row fetched: inline on SQLite, on the event loop through
    an asyncio pool on PostgreSQL, as `Database.fetch_one` runs it."""
    params = _READ.params({**_PARAMS, "invoice_id": invoice_id})
    if _POSTGRES:
        pool = _pool()
        if pool.closed:
            await pool.open(wait=False)
        async with pool.connection() as connection:
            row = await (await connection.execute(_READ.sql, params)).fetchone()
    else:
        row = _connection().execute(_READ.sql, params).fetchone()
    if row is None:
        raise LookupError(invoice_id)


@lifespan_app
async def raw_read(scope: Scope, _receive: Any, send: Any) -> None:
    match = _INVOICE.fullmatch(scope["path"])
    if match is not None:  # anything else is a readiness probe
        await _read(int(match.group(1)))
    await answer(send)


fastapi_empty = FastAPI()
fastapi_read = FastAPI()


@fastapi_empty.get("/v1/invoices/{invoice_id}")
async def empty(invoice_id: int = PathParam(ge=1)) -> Response:
    return Response(BODY, STATUS, media_type=MEDIA_TYPE)


@fastapi_read.get("/v1/invoices/{invoice_id}")
async def read(invoice_id: int = PathParam(ge=1)) -> Response:
    await _read(invoice_id)
    return Response(BODY, STATUS, media_type=MEDIA_TYPE)


class _Create:
    """A create's statements, replayed with what must differ between two invoices made new:
    the number (from the merchant's counter, as the create takes it), the link token and
    access key, and the new invoice's id in the statements after its INSERT."""

    def __init__(self, path: str) -> None:
        captured = json.loads(Path(path).read_text())
        self.statements: list[tuple[str, list[Any], bool]] = [
            (s["sql"], s["params"], s["many"]) for s in captured["statements"]
        ]
        self.number: str = captured["number"]
        self.invoice_id: int = captured["invoice_id"]
        self.link_token: str = captured["link_token"]
        self.access_key: str = captured["access_key"]
        self.turn = ProcessTurn(f"{_DATABASE}-writer.lock")  # the one fawtara.db takes
        self.writer = ThreadPoolExecutor(1)  # the process's writes run one at a time, off the loop

    def run(self) -> None:
        db = _connection()
        swap: dict[Any, Any] = {
            self.link_token: secrets.token_urlsafe(24),
            self.access_key: secrets.token_hex(8),
        }
        self.turn.take()
        try:
            db.execute("BEGIN IMMEDIATE")
            for sql, params, many in self.statements:
                if many:
                    cursor = db.executemany(sql, [_swapped(row, swap) for row in params])
                else:
                    cursor = db.execute(sql, _swapped(params, swap))
                rows = cursor.fetchall()
                if sql.startswith("UPDATE merchants SET last_invoice_seq"):
                    prefix = self.number.rstrip("0123456789")
                    width = len(self.number) - len(prefix)
                    swap[self.number] = f"{prefix}{rows[0][0]:0{width}d}"
                elif sql.startswith("INSERT INTO invoices "):
                    swap[self.invoice_id] = rows[0][0] if rows else cursor.lastrowid
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            self.turn.give()


def _swapped(params: list[Any], swap: dict[Any, Any]) -> list[Any]:
    return [swap.get(v, v) if isinstance(v, (int, str)) else v for v in params]


@cache
def _create() -> _Create:
    return _Create(os.environ["RUNG_CREATE"])


@lifespan_app
async def raw_create(scope: Scope, receive: Any, send: Any) -> None:
    while (await receive()).get("more_body"):
        pass
    if scope["method"] == "POST":  # anything else is a readiness probe
        create = _create()
        await asyncio.get_running_loop().run_in_executor(create.writer, create.run)
    await answer(send)
