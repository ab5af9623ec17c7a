"""What one GET /v1/invoices/{id} costs on PostgreSQL, and who pays it: this process (the app
and psycopg) and the PostgreSQL server, in CPU time per request, one request at a time.

    .venv/bin/python bench/postgres_read_cost.py [--size 100000] [--requests 3000]
        [--postgres-url postgresql://…]

The ratio targets compare Fawtara with a baseline that costs a few tens of µs of CPU per request
on the same machine; where the database server shares the CPUs, what PostgreSQL spends on each
read is part of the request's cost and bounds the ratio (see bench/README.md). Rows: the whole
app in-process (ASGI calls, no HTTP server), then the app's one statement sent alone with
synchronous psycopg, over the URL's TCP connection and, when the server's Unix socket is on
this machine, over that. The database is made for the run on a local server (a superuser URL,
default $FAWTARA_BENCH_POSTGRES_URL, else a throwaway cluster) and dropped after.
"""

import argparse
import os
import random
import time
from pathlib import Path
from typing import Any

import harness
import invoice_data
import postgres
import psycopg
import uvloop
from get_invoice_stages import asgi_caller
from sqlalchemy.engine import make_url

OUT = Path(__file__).resolve().parent / "out"

Costs = tuple[float, float, float]  # µs per call: wall, this process's CPU, the server's CPU


class Meter:
    def __init__(self, postmaster: int) -> None:
        self._server = frozenset({postmaster})
        self._start = (0.0, 0.0, 0.0)

    def _server_cpu(self) -> float:
        return harness.group_cpu(parents=self._server)

    def start(self) -> None:
        self._start = (time.perf_counter(), time.process_time(), self._server_cpu())

    def stop(self, calls: int) -> Costs:
        wall, own, server = self._start
        per = 1e6 / calls
        return (
            (time.perf_counter() - wall) * per,
            (time.process_time() - own) * per,
            (self._server_cpu() - server) * per,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=3_000)
    parser.add_argument("--postgres-url", default=os.environ.get("FAWTARA_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    with harness.stop_on_signals(), postgres.server(args.postgres_url) as admin:
        databases = postgres.Databases(admin)
        try:
            postmaster = databases.local_server()
            if postmaster is None:
                raise SystemExit("the PostgreSQL server must run on this machine")
            dataset = invoice_data.build_postgres(args.size, databases.fresh("cost"), OUT)
            rows = _measure(dataset, args.requests, Meter(postmaster))
        finally:
            databases.drop_all()
    print(f"{'one request at a time, µs per request':46} {'wall':>7} {'client':>7} {'server':>7}")
    for label, (wall, client, server) in rows:
        print(f"{label:46} {wall:7.0f} {client:7.0f} {server:7.0f}")
    print("client: CPU of this process (app and driver); server: CPU of PostgreSQL's processes")


def _measure(dataset: invoice_data.Dataset, n: int, meter: Meter) -> list[tuple[str, Costs]]:
    os.environ.update(dataset.env())  # before fawtara reads its settings
    from fawtara.app import create_app
    from fawtara.invoices import fast_read

    ids = random.Random(1).choices(range(1, dataset.size + 1), k=n)
    app = create_app()
    call = asgi_caller(app, dataset.api_key, "/v1/invoices/")

    async def whole() -> Costs:
        async with app.router.lifespan_context(app):
            for invoice_id in ids[: n // 10]:  # warm: the key cache, the pool, prepared plans
                await call(invoice_id)
            meter.start()
            for invoice_id in ids:
                await call(invoice_id)
            return meter.stop(n)

    rows = [("whole Fawtara app (auth, SQL, JSON), TCP", uvloop.run(whole()))]
    statement = fast_read.one_invoice(app.state.db.engine.dialect)
    url = make_url(postgres.plain(dataset.url))
    targets = {"TCP": url.render_as_string(hide_password=False)}
    with psycopg.connect(targets["TCP"]) as db:
        found = db.execute("SHOW unix_socket_directories").fetchone()
    folder = str(found[0]).split(",")[0].strip() if found else ""
    if folder and Path(folder, f".s.PGSQL.{url.port or 5432}").exists():
        local = url.set(host=None, query={"host": folder})
        targets["Unix socket"] = local.render_as_string(hide_password=False)
    for name, conninfo in targets.items():
        with psycopg.connect(conninfo, autocommit=True) as db:
            label = f"  its statement alone, psycopg, {name}"
            rows.append((label, _reads(db, statement, dataset, ids, meter)))
    return rows


def _reads(
    db: psycopg.Connection[Any],
    statement: Any,
    dataset: invoice_data.Dataset,
    ids: list[int],
    meter: Meter,
) -> Costs:
    def run() -> None:
        for invoice_id in ids:
            params = statement.params(
                {"merchant_id": dataset.merchant["id"], "invoice_id": invoice_id}
            )
            db.execute(statement.sql, params).fetchone()

    run()  # warm: psycopg prepares the statement after a few executions, as on the app's pool
    meter.start()
    run()
    return meter.stop(len(ids))


if __name__ == "__main__":
    main()
