"""What this stack allows: `GET` invoice and create served by apps that do less and less of
Fawtara's work (rungs.py), next to Fawtara and the baseline, under the same server, workers and
load, in one run, as ratios to the baseline.

    .venv/bin/python bench/ceiling.py [--size 100000] [--workers 2] [--connections 64]
        [--rounds 3] [--duration 6] [--warmup 2] [--backends sqlite,postgres]
        [--only get,create] [--postgres-url URL]

On SQLite, a copy of the dataset bench/invoice_data.py builds; on PostgreSQL (reads only), a
database made for the run on the server given, or on a throwaway cluster as the suite starts.
Every app must answer the operation's sample request with Fawtara's own bytes first. The
create's statements are captured from one create that Fawtara makes in-process, with
SQLAlchemy's cursor events.
Writes the report to bench/CEILING.md (--results), the runs to bench/out/ceiling.json.
"""

import argparse
import asyncio
import json
import os
import platform
import re
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import harness
import invoice_data
import operations
import postgres
from sqlalchemy.engine import make_url

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"


@dataclass(frozen=True)
class Rung:
    name: str
    app: str  # module:attribute under uvicorn, or "fawtara"
    what: str


RUNGS = {
    "get": (
        Rung("baseline", "baseline:app", "the do-nothing baseline: fixed bytes"),
        Rung("raw + SQL", "rungs:raw_read", "bare ASGI app running the hot read's one statement"),
        Rung("FastAPI, empty", "rungs:fastapi_empty", "FastAPI `async def` route, no work"),
        Rung("FastAPI + SQL", "rungs:fastapi_read", "the same route running the statement"),
        Rung("Fawtara", "fawtara", "`fawtara serve`"),
    ),
    "create": (
        Rung("baseline", "baseline:app", "the do-nothing baseline: reads the body, fixed bytes"),
        Rung(
            "raw + SQL",
            "rungs:raw_create",
            "bare ASGI app replaying a create's statements "
            "and commit in a writer thread, taking the processes' turn",
        ),
        Rung("Fawtara", "fawtara", "`fawtara serve`"),
    ),
}


@dataclass(frozen=True)
class Run:
    rung: str
    requests: int
    requests_per_second: float
    p99_ms: float
    others_cpus: float


BACKENDS = {"sqlite": ("get", "create"), "postgres": ("get",)}  # the replay runs on SQLite
Results = dict[str, dict[str, list[Run]]]  # backend → operation → runs


def main() -> None:
    args = _arguments()
    started = time.monotonic()
    source = harness.source()
    folder = args.out / "ceiling"
    folder.mkdir(parents=True, exist_ok=True)
    results: Results = {}
    stores: dict[str, str] = {}
    with harness.stop_on_signals():
        for backend in args.backends:
            only = [name for name in args.only if name in BACKENDS[backend]]
            with _store(backend, args, folder) as (dataset, url, db_servers, described):
                stores[backend] = described
                results[backend] = _backend(only, dataset, url, db_servers, folder, args)
    if harness.source() != source:
        print("WARNING: Fawtara's code changed during the run; the figures mix versions")
    report = _report(results, stores, args, time.monotonic() - started, source)
    args.results.write_text(report)
    runs = {b: {k: [asdict(r) for r in v] for k, v in ops.items()} for b, ops in results.items()}
    (args.out / "ceiling.json").write_text(json.dumps(runs, indent=2))
    print(f"\n{report}\nWritten to {args.results} (per-run figures: ceiling.json in --out)")


def _backend(
    only: list[str],
    dataset: invoice_data.Dataset,
    url: str,
    db_servers: list[int],
    folder: Path,
    args: argparse.Namespace,
) -> dict[str, list[Run]]:
    store = operations.Store(dataset, url, folder)
    if "create" in only:
        capture_create(url, dataset.api_key, store.requests("create").sample, folder)
    env = {**dataset.env(), "FAWTARA_DATABASE_URL": url}
    with harness.fawtara_server(args.workers, env, folder / "fawtara.log") as fawtara:
        return {name: _measure(name, store, fawtara, folder, args, db_servers) for name in only}


@contextmanager
def _store(
    backend: str, args: argparse.Namespace, folder: Path
) -> Iterator[tuple[invoice_data.Dataset, str, list[int], str]]:
    """The dataset, the URL the apps use, a local PostgreSQL's postmaster (its CPU is work, not
    noise), and what the store is. On SQLite a copy of the dataset (the creates write to it);
    on PostgreSQL a database made for the run (reads only) on the server given or on a
    throwaway cluster, dropped at the end."""
    if backend == "postgres":
        with postgres.server(args.postgres_url) as admin:
            databases = postgres.Databases(admin)
            try:
                postmaster = databases.local_server()
                url = databases.fresh(f"ceiling{args.size}")
                dataset = invoice_data.build_postgres(args.size, url, args.out)
                where = "this machine" if postmaster is not None else "another host"
                version = databases.settings().get("server_version", "?").split()[0]
                described = f"PostgreSQL {version} on {where}"
                yield dataset, url, [postmaster] if postmaster is not None else [], described
            finally:
                databases.drop_all()
        return
    dataset = invoice_data.ensure(args.size, args.out)
    dataset.into_page_cache()
    with invoice_data.working_copy(dataset, folder / "work.db") as url:
        yield dataset, url, [], f"SQLite {sqlite3.sqlite_version} (a file in the OS page cache)"


def capture_create(url: str, api_key: str, sample: operations.Request, folder: Path) -> Path:
    """Make one invoice with Fawtara in-process and write the statements of its create (all
    but the `BEGIN`, which the replay issues itself), with their parameters, and what must
    differ in each replay, for rungs.raw_create."""
    os.environ.update({**invoice_data.server_env(url)})  # before fawtara reads its settings
    import httpx
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from fawtara.app import create_app

    statements: list[dict[str, Any]] = []
    capturing = False

    def record(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        if capturing and not sql.startswith("BEGIN"):
            rows = [list(p) for p in params] if many else list(params)
            statements.append({"sql": sql, "params": rows, "many": many})

    async def create() -> httpx.Response:
        nonlocal capturing
        app = create_app()
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                headers = {"api_key": api_key, "content-type": "application/json"}
                await client.get("/v1/invoices/1", headers=headers)  # caches the key
                capturing = True
                made = await client.post(sample.path, content=sample.body, headers=headers)
                capturing = False
                return made

    event.listen(Engine, "before_cursor_execute", record)
    try:
        made = asyncio.run(create())
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    if made.status_code != 201:
        raise RuntimeError(f"capture: create answered {made.status_code}: {made.text[:300]}")
    insert = next(s for s in statements if s["sql"].startswith("INSERT INTO invoices "))
    columns = re.match(r"INSERT INTO invoices \(([^)]*)\)", insert["sql"])
    assert columns is not None, insert["sql"]
    row = dict(zip((c.strip() for c in columns.group(1).split(",")), insert["params"], strict=True))
    captured = {
        "statements": statements,
        "invoice_id": made.json()["invoice"]["id"],
        **{name: row[name] for name in ("number", "link_token", "access_key")},
    }
    path = folder / "create-statements.json"
    path.write_text(json.dumps(captured, indent=1))
    print(f"[capture] a create: {len(statements)} statements → {path.name}")
    return path


def _measure(
    name: str,
    store: operations.Store,
    fawtara: harness.Server,
    folder: Path,
    args: argparse.Namespace,
    db_servers: list[int],
) -> list[Run]:
    requests = store.requests(name)
    fawtara.wait_ready("/healthz")
    expected = requests.sample.send(fawtara.port, requests.headers)
    requests.check(fawtara.port, expected)
    body, head = harness.save_answer(expected, folder, f"answer-{name}")
    env = {
        **os.environ,
        "BENCH_BASELINE_BODY": str(body),
        "BENCH_BASELINE_HEAD": str(head),
        "RUNG_DATABASE": _rung_database(store.url),
        "RUNG_CREATE": str(folder / "create-statements.json"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH), os.environ.get("PYTHONPATH")])),
    }
    rungs = RUNGS[name]
    with ExitStack() as stack:
        servers: dict[str, harness.Server] = {}
        for rung in rungs:
            if rung.app == "fawtara":
                servers[rung.name] = fawtara
                continue
            log = folder / f"{name}-{rung.app.replace(':', '-')}.log"
            server = harness.bench_app(rung.app, args.workers, env, log, name=rung.name)
            servers[rung.name] = stack.enter_context(server)
        sample = requests.sample
        for server in servers.values():
            if server is not fawtara:
                harness.check_same_answer(
                    server, expected, sample.method, sample.path, sample.body.encode()
                )
        return _alternate(name, servers, requests, args, db_servers)


def _rung_database(url: str) -> str:
    """The store as rungs.py takes it: a SQLite file's path, or a URL libpq takes."""
    if url.startswith("sqlite"):
        return make_url(url).database or ""
    return postgres.plain(url)


def _alternate(
    name: str,
    servers: dict[str, harness.Server],
    requests: operations.Requests,
    args: argparse.Namespace,
    db_servers: list[int],
) -> list[Run]:
    """Warm every server up, then rounds of one run each, the order reversed every other
    round, so that the machine's noise falls on all alike."""
    unique = list({id(s): s for s in servers.values()}.values())
    others = harness.OthersMeter(unique, db_servers)
    for server in servers.values():
        if args.warmup > 0:
            _wrk(server, requests, args, seed=0, duration=args.warmup)
    runs: list[Run] = []
    for round_no in range(1, args.rounds + 1):
        order = list(servers) if round_no % 2 else list(servers)[::-1]
        for rung in order:
            others.start()
            result = _wrk(servers[rung], requests, args, seed=round_no, duration=args.duration)
            runs.append(
                Run(rung, result.requests, result.requests_per_second, result.p99_ms, others.stop())
            )
            print(
                f"[run] {name} round {round_no}/{args.rounds} {rung:15} "
                f"{result.requests_per_second:>9,.0f} req/s  p99 {result.p99_ms:7.2f} ms  "
                f"others {runs[-1].others_cpus:.2f} CPUs",
                flush=True,
            )
    return runs


def _wrk(
    server: harness.Server,
    requests: operations.Requests,
    args: argparse.Namespace,
    seed: int,
    duration: float,
) -> harness.WrkResult:
    result = harness.run_wrk(
        server.port,
        script=BENCH / "requests.lua",
        script_args=requests.script_args(seed, args.threads, walk=False),
        duration=duration,
        connections=args.connections,
        threads=args.threads,
    )
    if not result.ok:
        raise RuntimeError(f"wrk saw errors from {server.name}: {result.errors}")
    return result


def _report(
    results: Results, stores: dict[str, str], args: argparse.Namespace, seconds: float, source: str
) -> str:
    argv = ["URL" if a.startswith("postgresql") else a for a in sys.argv[1:]]
    lines = [
        "# What this stack allows: Fawtara's work, rung by rung",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {seconds / 60:.1f} min: "
        f"`{' '.join(['.venv/bin/python', 'bench/ceiling.py', *argv])}`. What it is and how "
        "to read it: bench/README.md, *What the stack allows*.  ",
        f"Machine: {os.cpu_count()} CPUs, shared by wrk, the servers and PostgreSQL; load "
        f"average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}.  ",
        f"Fawtara: {source.replace(f'{REPO}/', '')}.  ",
        f"Python {platform.python_version()} ({harness.python_build()}).  ",
        f"Servers: uvicorn, {args.workers} worker(s) each. wrk: {args.threads} thread, "
        f"{args.connections} connections, {args.duration:g} s per run, {args.rounds} runs per "
        f"app in alternating order, after a {args.warmup:g} s warm-up of each. "
        f"Stores: {args.size:,} invoices, each with a client, 3 items and 2 payments.",
    ]
    for backend, by_operation in results.items():
        for name, runs in by_operation.items():
            lines += ["", f"## {operations.BY_NAME[name].label}, {stores[backend]}", ""]
            lines += _table(name, runs)
    lines += [
        "",
        "Medians of the runs, their range in brackets. *of the baseline*: the median over the "
        "baseline's median. *others*: the most CPUs programs other than these, wrk and a "
        "local PostgreSQL kept busy during a run (noise; 0.00 is a quiet machine).",
    ]
    return "\n".join(lines) + "\n"


def _table(name: str, runs: list[Run]) -> list[str]:
    by_rung: dict[str, list[Run]] = {}
    for run in runs:
        by_rung.setdefault(run.rung, []).append(run)
    base = statistics.median(r.requests_per_second for r in by_rung["baseline"])
    lines = [
        "| app | what it does | req/s | of the baseline | p99 | others |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for rung in RUNGS[name]:
        mine = by_rung[rung.name]
        rps = [r.requests_per_second for r in mine]
        lines.append(
            f"| {rung.name} | {rung.what} | {statistics.median(rps):,.0f} "
            f"({min(rps):,.0f}–{max(rps):,.0f}) | {statistics.median(rps) / base:.1%} | "
            f"{statistics.median(r.p99_ms for r in mine):.1f} ms | "
            f"{max(r.others_cpus for r in mine):.2f} |"
        )
    return lines


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="invoices in the store")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--rounds", type=int, default=3, help="measured runs per app")
    parser.add_argument("--duration", type=int, default=6, help="seconds per run (whole)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per app")
    parser.add_argument("--out", type=Path, default=OUT, help="datasets, logs, per-run JSON")
    parser.add_argument(
        "--results", type=Path, default=BENCH / "CEILING.md", help="the report (Markdown)"
    )
    parser.add_argument("--backends", type=_names, default=list(BACKENDS), help="sqlite,postgres")
    parser.add_argument("--only", type=_names, default=list(RUNGS), help="get,create")
    parser.add_argument(
        "--postgres-url", metavar="URL", default=os.environ.get("FAWTARA_BENCH_POSTGRES_URL"),
        help="a superuser URL to make (and drop) the run's database on; default: "
        "$FAWTARA_BENCH_POSTGRES_URL, else a throwaway cluster as the suite starts",
    )  # fmt: skip
    args = parser.parse_args()
    for option, known in (("only", RUNGS), ("backends", BACKENDS)):
        unknown = set(getattr(args, option)) - set(known)
        if unknown:
            parser.error(
                f"--{option}: unknown {', '.join(sorted(unknown))}; known: {', '.join(known)}"
            )
    return args


if __name__ == "__main__":
    main()
