"""What one GET /v1/invoices/{id} costs in-process: no HTTP server, no wrk, one request at a
time, so each figure is CPU time per request on one core, free of concurrency effects.

    .venv/bin/python bench/get_invoice_stages.py [--size 100000] [--requests 3000] [--cprofile]

Compares the whole Fawtara app with the SQL it sends (recorded through sqlite3's trace hook, so
whichever layer sends it, then replayed on a raw connection), and with what an empty FastAPI
route and one thread-pool hop cost on this machine. With --cprofile, also prints where the
whole app's time goes (cProfile slows Python down about 2x: read the shares, not the times).
Uses the dataset bench/get_invoice.py builds.
"""

import argparse
import cProfile
import os
import pstats
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import invoice_data
import uvloop
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

OUT = Path(__file__).resolve().parent / "out"

Call = Callable[[int], Awaitable[bytes]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=3_000)
    parser.add_argument("--cprofile", action="store_true", help="profile the whole app too")
    args = parser.parse_args()
    dataset = invoice_data.ensure(args.size, OUT)
    os.environ.update(dataset.env())  # before fawtara reads its settings
    profile = cProfile.Profile() if args.cprofile else None
    rows = uvloop.run(_measure(dataset, args.requests, profile))
    whole = rows[0][1]
    print(f"{'stage (one request at a time, in-process)':58} {'µs/req':>8} {'of app':>7}")
    for label, micros in rows:
        print(f"{label:58} {micros:8.0f} {micros / whole:7.0%}")
    if profile is not None:
        stats = pstats.Stats(profile).sort_stats("cumulative")
        stats.print_stats(r"fawtara|fastapi|starlette|sqlalchemy/pool", 30)


async def _measure(
    dataset: invoice_data.Dataset, n: int, profile: cProfile.Profile | None
) -> list[tuple[str, float]]:
    from fawtara.app import create_app

    app = create_app()
    recorded = _record_sql(app.state.db.engine)
    ids = random.Random(1).choices(range(1, dataset.size + 1), k=n + n // 10)
    call = asgi_caller(app, dataset.api_key, "/v1/invoices/")
    marker = dataset.size // 2 + 7  # an id whose digits appear nowhere else in the queries
    async with app.router.lifespan_context(app):
        await call(ids[0])  # fills the API key cache: steady-state requests do not look it up
        recorded.clear()
        body = await call(marker)
        statements = [s for s in recorded if s.lstrip().upper().startswith("SELECT")]
        recorded.clear()
        whole = await _timed(call, ids)
        if profile is not None:
            profile.enable()
            await _timed(call, ids)
            profile.disable()
    if not statements:
        raise RuntimeError("no SELECT recorded: does the app still read SQLite?")
    empty = _empty_app(body)
    return [
        ("whole Fawtara app (routing, auth, SQL, JSON)", whole),
        (
            f"  its {len(statements)} SELECTs replayed on raw sqlite3",
            await _timed(_replayer(dataset.path, statements, str(marker)), ids),
        ),
        ("empty FastAPI `def` route, same body", await _timed(empty("/sync/"), ids)),
        ("empty FastAPI `async def` route, same body", await _timed(empty("/async/"), ids)),
        ("one thread-pool hop (run_in_threadpool)", await _timed(_hop, ids)),
    ]


async def _timed(fn: Call, ids: list[int]) -> float:
    warm, measured = ids[: len(ids) // 11], ids[len(ids) // 11 :]
    for invoice_id in warm:
        await fn(invoice_id)
    started = time.perf_counter()
    for invoice_id in measured:
        await fn(invoice_id)
    return (time.perf_counter() - started) / len(measured) * 1e6


async def _hop(_invoice_id: int) -> bytes:
    return await run_in_threadpool(bytes)


def asgi_caller(app: Any, api_key: str, prefix: str) -> Call:
    headers = [(b"host", b"127.0.0.1"), (b"api_key", api_key.encode())]

    async def call(invoice_id: int) -> bytes:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": f"{prefix}{invoice_id}",
            "raw_path": f"{prefix}{invoice_id}".encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        if sent[0]["status"] != 200:
            raise RuntimeError(f"{scope['path']}: {sent}")
        return b"".join(m.get("body", b"") for m in sent[1:])

    return call


def _empty_app(body: bytes) -> Callable[[str], Call]:
    app = FastAPI()

    @app.get("/sync/{invoice_id}")
    def sync_route(invoice_id: int) -> Response:
        return Response(body, media_type="application/json")

    @app.get("/async/{invoice_id}")
    async def async_route(invoice_id: int) -> Response:
        return Response(body, media_type="application/json")

    return lambda prefix: asgi_caller(app, "", prefix)


def _record_sql(engine: Any) -> list[str]:
    """Every statement the engine's SQLite connections run from now on, as sqlite3 traces it
    (with its parameters filled in)."""
    from sqlalchemy import event

    recorded: list[str] = []

    def hook(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(recorded.append)

    engine.dispose()  # only connections made after this get the hook
    event.listen(engine, "connect", hook)
    return recorded


def _replayer(path: Path, statements: list[str], marker: str) -> Call:
    # The id becomes a parameter again, so sqlite3 reuses its prepared statements as the app's
    # connection does.
    prepared = [(s.replace(marker, "?"), s.count(marker)) for s in statements]
    db = sqlite3.connect(path, isolation_level=None)

    async def replay(invoice_id: int) -> bytes:
        db.execute("BEGIN")
        for statement, uses in prepared:
            db.execute(statement, (invoice_id,) * uses).fetchall()
        db.execute("COMMIT")
        return b""

    return replay


if __name__ == "__main__":
    main()
