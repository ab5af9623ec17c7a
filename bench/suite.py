"""The performance suite: every measured operation of both dialects against a do-nothing
baseline serving the same bytes, on SQLite and PostgreSQL, with 1 and 2 workers, at 1 to 256
connections; GET and list as the store grows; the servers' memory; uvicorn against granian.
Writes bench/RESULTS.md and PNG plots in bench/plots/.

    scripts/bench [OPTIONS]              # installs what it needs, then runs this
    .venv/bin/python bench/suite.py [--quick] [--only get,create] [--backends sqlite]
        [--workers 1] [--connections 16,64] [--parts ops,sizes,servers] [--postgres-url URL]

See bench/README.md (The performance suite) for what is measured and how.
"""

import argparse
import importlib.util
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import hardening
import harness
import invoice_data
import operations
import postgres
import suite_report
from operations import OPERATIONS, Requests, Store
from suite_results import Cell, Failure, Results, Run, ServerRecord, SizeCell, merged

BENCH = harness.BENCH
REPO = BENCH.parent
SCRIPT = BENCH / "requests.lua"
BACKENDS = ("sqlite", "postgres")
PARTS = ("ops", "sizes", "servers", "hardening")
SIZE_OPERATIONS = ("get", "list")  # measured as the store grows
SERVER_OPERATIONS = ("get", "create")  # measured under uvicorn and granian
SERVER_CONNECTIONS = 64
# A server still stuck this long after a run (requests queued behind a lock or a pool that
# time out one batch after another) is restarted, and the cell marked stalled.
STALL_SECONDS = 12.0
WARMUP_CONNECTIONS = 8
RUN_OVERHEAD = 0.4  # seconds a wrk run costs beyond its duration (start, meters): for the ETA
SERVER_START = 2.5  # seconds to start and check a server: for the ETA
HARDENING_SECONDS = 40.0  # the hardening part but for its PDF renders: for the ETA
PDF_RENDER_SECONDS = 4.0  # a 50-item and a 500-item render, averaged: for the ETA

FULL = {
    "connections": [1, 16, 64, 256],
    "workers": [1, 2],
    "sizes": [10_000, 100_000, 1_000_000],
    "ops_size": 100_000,
    "duration": 4.0,
    "warmup": 1.0,
    "rounds": 1,
    "size_rounds": 2,
    "pdf_renders": 5,
}
QUICK = {
    "connections": [16, 64],
    "workers": [2],
    "sizes": [1_000, 10_000],
    "ops_size": 10_000,
    "duration": 1.0,
    "warmup": 0.0,
    "rounds": 1,
    "size_rounds": 1,
    "pdf_renders": 1,
}


def main() -> None:
    args = _arguments()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    raw = out / "suite.json"
    if args.report_only:
        if not raw.exists():
            sys.exit(f"{raw} is missing: a run of the suite writes it")
        _write_report(Results.load(raw), args)
        return
    _ensure_tools(args)
    results = Results(context=_context_before(args))
    suite = Suite(args, results)
    source = harness.source()
    finished = False
    try:
        with harness.stop_on_signals():
            suite.run()
        finished = True
    finally:
        results.context.update(_context_after(suite, source, finished))
        results.save(raw)
        if not finished:
            print(f"\nStopped before the end: what was measured is in {raw} (no report written).")
    _write_report(results, args)


# --- options ---------------------------------------------------------------------------------


def _ints(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def _names(choices: Sequence[str]) -> Any:
    def parse(text: str) -> list[str]:
        names = [part.strip() for part in text.split(",") if part.strip()]
        wrong = [name for name in names if name not in choices]
        if wrong:
            raise argparse.ArgumentTypeError(f"{', '.join(wrong)}: choose among {choices}")
        return names

    return parse


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true",
        help="for development and smoke tests: 1 s runs without warm-up, 2 workers, 16 and 64 "
        "connections, stores of 1,000 and 10,000 invoices (about 5 minutes)",
    )  # fmt: skip
    names = [op.name for op in OPERATIONS]
    parser.add_argument("--only", type=_names(names), default=names, help=", ".join(names))
    parser.add_argument(
        "--backends", type=_names(BACKENDS), default=list(BACKENDS), help=", ".join(BACKENDS)
    )
    parser.add_argument("--parts", type=_names(PARTS), default=list(PARTS), help=", ".join(PARTS))
    parser.add_argument("--workers", type=_ints, help="default 1,2")
    parser.add_argument("--connections", type=_ints, help="default 1,16,64,256")
    parser.add_argument("--sizes", type=_ints, help="stores measured as they grow")
    parser.add_argument("--ops-size", type=int, help="invoices in the store of the operations")
    parser.add_argument("--size-workers", type=int, default=1, help="workers for --parts sizes")
    parser.add_argument(
        "--size-connections", type=int, default=16, help="connections for --parts sizes",
    )  # fmt: skip
    parser.add_argument("--duration", type=float, help="seconds per measured run (whole)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per server; 0: none")
    parser.add_argument("--rounds", type=int, help="Fawtara/baseline pairs per cell")
    parser.add_argument("--size-rounds", type=int, help="runs per store size, interleaved")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--pdf-renders", type=int, help="renders per PDF size, --parts hardening")
    parser.add_argument(
        "--servers", type=_names(harness.SERVERS), default=list(harness.SERVERS),
        help="servers compared in --parts servers",
    )  # fmt: skip
    parser.add_argument(
        "--postgres-url", default=os.environ.get("FAWTARA_BENCH_POSTGRES_URL"),
        help="a PostgreSQL superuser URL to make (and drop) the run's databases on; default "
        "$FAWTARA_BENCH_POSTGRES_URL, else a throwaway cluster started for the run",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=BENCH / "out", help="datasets, logs, JSON")
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md", help="the report")
    parser.add_argument("--plots", type=Path, default=BENCH / "plots", help="folder of PNGs")
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument(
        "--report-only", action="store_true",
        help="write the report and plots again from OUT/suite.json, measuring nothing",
    )  # fmt: skip
    args = parser.parse_args()
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.duration < 1 or args.duration != int(args.duration):
        parser.error("--duration: whole seconds, at least 1 (wrk takes no less)")
    if args.warmup and (args.warmup < 1 or args.warmup != int(args.warmup)):
        parser.error("--warmup: 0, or whole seconds")
    if min(args.workers + args.connections + [args.rounds, args.size_rounds, args.threads]) < 1:
        parser.error("--workers, --connections, --rounds and --threads must be positive")
    if min(args.connections) < args.threads:
        parser.error("wrk needs at least as many connections as threads")
    if args.sizes != sorted(args.sizes) or len(args.sizes) < 1:
        parser.error("--sizes: increasing")
    if min([*args.sizes, args.ops_size]) < 200:
        parser.error("stores need at least 200 invoices (a page of the list is 20)")
    return args


def _ensure_tools(args: argparse.Namespace) -> None:
    """wrk (installed with Debian's package if missing, as the project's scripts install
    system packages), and the bench extra's Python packages."""
    if shutil.which("wrk") is None:
        print("wrk is missing: installing it (scripts/system-packages --bench)", flush=True)
        subprocess.run([str(REPO / "scripts" / "system-packages"), "--bench"], check=False)
        if shutil.which("wrk") is None:
            sys.exit(
                "wrk is needed: `apt-get install wrk` on Debian/Ubuntu (scripts/bench does it), "
                "or build it from its sources (github.com/wg/wrk) and put it on the PATH."
            )
    missing = []
    if not args.no_plots and importlib.util.find_spec("matplotlib") is None:
        missing.append("matplotlib")
    if "servers" in args.parts and "granian" in args.servers:
        if not Path(sys.executable).with_name("granian").exists():
            missing.append("granian")
    if missing:
        sys.exit(
            f"{', '.join(missing)} missing: run scripts/bench, or "
            f"{sys.executable} -m pip install -e '.[bench]' (or --no-plots / --servers uvicorn)"
        )


# --- progress ----------------------------------------------------------------------------------


class Progress:
    """Which run this is, how many are left, and when the suite should be done: the plan's
    seconds still to go, scaled by how the plan has held so far."""

    def __init__(self, runs: int, seconds: float) -> None:
        self.runs, self.seconds = runs, seconds
        self.done_runs, self.done_seconds = 0, 0.0
        self.started = time.monotonic()

    def advance(self, seconds: float) -> None:
        """Planned work done that is not a run (a server started, a dataset built)."""
        self.done_seconds += seconds

    def skip(self, runs: int, seconds: float) -> None:
        """Planned runs that will not be made."""
        self.runs -= runs
        self.seconds -= seconds + runs * RUN_OVERHEAD

    def run(self, seconds: float, label: str, result: harness.WrkResult) -> None:
        self.done_runs += 1
        self.advance(seconds + RUN_OVERHEAD)
        elapsed = time.monotonic() - self.started
        pace = min(max(elapsed / self.done_seconds, 0.5), 3.0) if self.done_seconds > 20 else 1.0
        left = max(self.seconds - self.done_seconds, 0) * pace
        eta = datetime.now().astimezone().timestamp() + left
        errors = f"  ERRORS: {result.errors}" if result.errors else ""
        print(
            f"[{self.done_runs:>4}/{self.runs}] {label:<58} {result.requests_per_second:>9,.0f}"
            f" req/s  p50 {result.p50_ms:7.2f}  p99 {result.p99_ms:7.2f} ms  | "
            f"ETA {datetime.fromtimestamp(eta):%H:%M} ({left / 60:.0f} min left){errors}",
            flush=True,
        )


def _plan(args: argparse.Namespace) -> tuple[int, float]:
    """Runs and seconds the suite should take (for the ETA)."""
    runs, seconds = 0, 0.0
    ops = args.only
    warm = 1 if args.warmup else 0
    for backend in args.backends:
        if "sizes" in args.parts:
            per_size = [op for op in SIZE_OPERATIONS if op in ops]
            n = len(args.sizes) * len(per_size)
            runs += n * (warm + args.size_rounds)
            seconds += n * (warm * args.warmup + args.size_rounds * args.duration)
            seconds += len(args.sizes) * SERVER_START
            seconds += sum(_build_seconds(backend, size, args.out) for size in args.sizes)
        sized = "sizes" in args.parts and args.ops_size in args.sizes
        if ("ops" in args.parts or "servers" in args.parts) and not sized:
            seconds += _build_seconds(backend, args.ops_size, args.out)
        for _workers in args.workers:
            if "ops" in args.parts:
                pairs = len(ops) * len(args.connections) * args.rounds
                runs += 2 * (pairs + warm * len(ops))
                seconds += 2 * (pairs * args.duration + warm * len(ops) * args.warmup)
                seconds += (1 + len(ops)) * SERVER_START
            if "servers" in args.parts:
                per_server = [op for op in SERVER_OPERATIONS if op in ops]
                sides = 2 * len(args.servers) * len(per_server)
                runs += sides * (warm + args.rounds)
                seconds += sides * (warm * args.warmup + args.rounds * args.duration)
                seconds += (len(args.servers) + sides // 2) * SERVER_START
    if "hardening" in args.parts:
        seconds += HARDENING_SECONDS + args.pdf_renders * 2 * PDF_RENDER_SECONDS
    return runs, seconds + runs * RUN_OVERHEAD


def _build_seconds(backend: str, size: int, out: Path) -> float:
    if backend == "postgres":
        return 5 + size * 100e-6  # COPY, then VACUUM ANALYZE: 97 s for 1,000,000 here
    stored = out / f"invoices-{size}.json"  # a reusable dataset is checked in a second or so
    return 1.0 if stored.exists() else 5 + size * 50e-6


# --- the suite ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    backend: str
    server: str
    workers: int

    def label(self) -> str:
        workers = f"{self.workers} worker{'s' if self.workers > 1 else ''}"
        return f"{self.backend} {self.server} {workers}"

    def tag(self) -> str:
        return f"{self.backend}-{self.server}-w{self.workers}"


class Suite:
    def __init__(self, args: argparse.Namespace, results: Results) -> None:
        self.args = args
        self.results = results
        self.out: Path = args.out
        self.logs = self.out / "logs" / "suite"
        self.files = self.out / "suite-files"
        self.progress = Progress(*_plan(args))
        self.db_servers: list[int] = []  # a local PostgreSQL's postmaster: work, not noise
        self.pg_settings: dict[str, str] = {}
        self.seed = 0
        self._rest_mb: dict[int, float] = {}  # id(server): RSS once ready
        self._watches: dict[int, harness.LogWatch] = {}  # id(server): errors in its log

    def run(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.files.mkdir(parents=True, exist_ok=True)
        runs, seconds = self.progress.runs, self.progress.seconds
        print(f"[suite] {runs} runs planned, about {seconds / 60:.0f} min", flush=True)
        with self._postgres() as databases:
            for backend in self.args.backends:
                self._backend(backend, databases)
        if "hardening" in self.args.parts:
            self._guarded("hardening", self._hardening)

    def _hardening(self) -> None:
        print("[suite] hardening: PDF renders by items, first downloads, XLSX memory", flush=True)
        started = time.monotonic()
        self.results.hardening = hardening.measure(self.args.pdf_renders)
        self.progress.advance(time.monotonic() - started)

    @contextmanager
    def _postgres(self) -> Iterator[postgres.Databases | None]:
        if "postgres" not in self.args.backends:
            yield None
            return
        with postgres.server(self.args.postgres_url) as admin:
            databases = postgres.Databases(admin)
            try:
                self.pg_settings = databases.settings()
                postmaster = databases.local_server()
                self.db_servers = [postmaster] if postmaster is not None else []
                yield databases
            finally:
                databases.drop_all()

    # --- one backend

    def _dataset(
        self, backend: str, size: int, databases: postgres.Databases | None
    ) -> invoice_data.Dataset:
        started = time.monotonic()
        if backend == "sqlite":
            dataset = invoice_data.ensure(size, self.out)
        else:
            assert databases is not None
            dataset = invoice_data.build_postgres(size, databases.fresh(f"d{size}"), self.out)
        self.results.context.setdefault("build_seconds", {})[f"{backend} {size}"] = round(
            time.monotonic() - started, 1
        )
        self.progress.advance(_build_seconds(backend, size, self.out))
        return dataset

    def _backend(self, backend: str, databases: postgres.Databases | None) -> None:
        args = self.args
        datasets: dict[int, invoice_data.Dataset] = {}
        if "sizes" in args.parts and set(SIZE_OPERATIONS) & set(args.only):
            for size in args.sizes:
                datasets[size] = self._dataset(backend, size, databases)
            self._guarded(
                f"sizes {backend}", self._sizes, backend, [datasets[s] for s in args.sizes]
            )
        if not {"ops", "servers"} & set(args.parts):
            return
        source = datasets.get(args.ops_size) or self._dataset(backend, args.ops_size, databases)
        with self._working_copy(source, databases) as url:
            store = Store(source, url, self.files)
            for workers in args.workers:
                if "ops" in args.parts:
                    config = Config(backend, "uvicorn", workers)
                    self._guarded(config.label(), self._operations, store, config)
            for workers in args.workers:
                if "servers" in args.parts and set(SERVER_OPERATIONS) & set(args.only):
                    where = f"servers {backend} w{workers}"
                    self._guarded(where, self._server_choice, store, backend, workers)

    @contextmanager
    def _working_copy(
        self, dataset: invoice_data.Dataset, databases: postgres.Databases | None
    ) -> Iterator[str]:
        """A copy of the dataset for the operations to write to (the stored one stays as
        built, for the next run)."""
        if databases is not None and dataset.path is None:
            yield databases.copy(dataset.url, "work")
            return
        with invoice_data.working_copy(dataset, self.out / "work.db") as url:
            yield url

    # --- servers

    @contextmanager
    def _fawtara(self, config: Config, url: str, part: str) -> Iterator[harness.Server]:
        env = {
            **invoice_data.server_env(url),
            # One login serves the whole run (a token lives 900 s by default).
            "FAWTARA_HESABE_TOKEN_TTL_SECONDS": "86400",
        }
        log = self.logs / f"fawtara-{part}-{config.tag()}.log"
        with harness.fawtara_server(config.workers, env, log, config.server) as server:
            self._watches[id(server)] = harness.LogWatch(log)
            try:
                yield server
            finally:
                server.stop()
                del self._watches[id(server)]
                self.results.servers.append(
                    ServerRecord(
                        part, config.backend, config.server, config.workers,
                        self._rest_mb.pop(id(server), 0.0), _logged(log), log.name,
                    )
                )  # fmt: skip

    def _ready(self, server: harness.Server, store: Store) -> None:
        """Wait for the server, check that bulk-made invoices answer like API-made ones, and
        note its memory at rest."""
        server.wait_ready("/v1/invoices/1", {"api_key": store.dataset.api_key})
        invoice_data.check_shapes(server.port, store.dataset)
        rss = sum(harness.rss_bytes(pid) for pid in harness.group_pids(server.pid))
        self._rest_mb[id(server)] = rss / 2**20
        self.progress.advance(SERVER_START)

    @contextmanager
    def _baseline(
        self, config: Config, name: str, reply: harness.Reply, requests: Requests
    ) -> Iterator[harness.Server]:
        body, head = harness.save_answer(reply, self.files, f"answer-{name}")
        log = self.logs / f"baseline-{config.tag()}-{name}.log"
        with harness.baseline_server(config.workers, body, log, head, config.server) as baseline:
            sample = requests.sample
            harness.check_same_answer(
                baseline, reply, sample.method, sample.path, sample.body.encode()
            )
            self.progress.advance(SERVER_START)
            yield baseline

    # --- runs

    def _wrk(
        self,
        label: str,
        server: harness.Server,
        requests: Requests,
        *,
        connections: int,
        seconds: float,
        seed: int,
        walk: bool = False,
        memory: bool = False,
        others: Sequence[harness.Server] = (),
    ) -> Run:
        meter = harness.OthersMeter([server, *others], self.db_servers)
        sampler = harness.MemorySampler(server) if memory else None
        meter.start()
        if sampler:
            sampler.start()
        try:
            result = harness.run_wrk(
                server.port,
                script=SCRIPT,
                script_args=requests.script_args(seed, self.args.threads, walk),
                duration=seconds,
                connections=connections,
                threads=self.args.threads,
            )
        finally:
            used = sampler.stop() if sampler else None
        run = Run(result, meter.stop(), used)
        self.progress.run(seconds, label, result)
        return run

    def _pair(
        self,
        config: Config,
        name: str,
        servers: dict[str, harness.Server],
        requests: Requests,
        store: Store,
        connections: int,
        seconds: float,
        reverse: bool,
    ) -> dict[str, Run]:
        """Fawtara then the baseline (or the other way round), on the same request sequence.
        After Fawtara's run of a write, wait for the server to finish what the run left queued,
        and count the errors it logged meanwhile."""
        self.seed += 1
        runs = {}
        walks = operations.BY_NAME[name].walk
        for side in ("baseline", "fawtara") if reverse else ("fawtara", "baseline"):
            server = servers[side]
            walk = walks and side == "fawtara"
            if walk:
                store.refill(name, seconds, connections)
            label = f"{config.label()} {name} c{connections} {side}"
            run = self._wrk(
                label, server, requests, connections=connections, seconds=seconds,
                seed=self.seed, walk=walk, memory=side == "fawtara",
                others=[s for s in servers.values() if s is not server],
            )  # fmt: skip
            if side == "fawtara":
                run = self._settled(server, store, run)
            if walk:
                store.pools[name].used(run.wrk.walked, run.wrk.requests_per_second)
            runs[side] = run
        return runs

    def _settled(self, server: harness.Server, store: Store, run: Run) -> Run:
        """Wait for the server to finish what the run left it, count the errors it logged, and
        restart it if it is still stuck after STALL_SECONDS."""
        drain = store.settle(server.port, timeout=STALL_SECONDS)
        stalled = drain >= STALL_SECONDS - 1
        logged = self._watches[id(server)].new_errors()
        if drain > 1 or logged:
            errors = ", ".join(f"{n} × {name}" for name, n in logged.items()) or "no errors"
            print(
                f"         the server went on {drain:.1f} s after the run; logged: {errors}"
                f"{'; still stuck: restarting it' if stalled else ''}",
                flush=True,
            )
        if stalled:
            server.restart()
            server.wait_ready("/v1/invoices/1", {"api_key": store.dataset.api_key})
            if store.token:
                store.login(server.port)
            logged = merged([logged, self._watches[id(server)].new_errors()])
        return replace(run, logged=logged, drain_seconds=round(drain, 2), stalled=stalled)

    def _prepared(self, store: Store, name: str, fawtara: harness.Server) -> tuple[Any, Any]:
        """The operation's requests, and Fawtara's checked answer to their sample."""
        requests = store.requests(name)
        reply = requests.sample.send(fawtara.port, requests.headers)
        requests.check(fawtara.port, reply)
        return requests, reply

    def _operations(self, store: Store, config: Config) -> None:
        """Every operation at every connection count, each cell a Fawtara/baseline pair."""
        args = self.args
        print(f"[ops] {config.label()}, store of {store.dataset.size:,} invoices", flush=True)
        with self._fawtara(config, store.url, "ops") as fawtara:
            self._ready(fawtara, store)
            if any(operations.BY_NAME[name].dialect == "Hesabe" for name in args.only):
                store.login(fawtara.port)
            for name in args.only:
                where = f"{config.label()} {name}"
                self._guarded(where, self._operation, store, config, name, fawtara)

    def _operation(self, store: Store, config: Config, name: str, fawtara: harness.Server) -> None:
        args = self.args
        requests, reply = self._prepared(store, name, fawtara)
        with self._baseline(config, name, reply, requests) as baseline:
            servers = {"fawtara": fawtara, "baseline": baseline}
            if args.warmup:  # a few connections: enough to warm up, too few to stall writes
                warm = min(WARMUP_CONNECTIONS, max(args.connections))
                self._pair(config, name, servers, requests, store, warm, args.warmup, False)
            runs: dict[int, dict[str, list[Run]]] = {}
            stalled_at = 0
            for round_no in range(args.rounds):
                for i, connections in enumerate(sorted(args.connections)):
                    if stalled_at and connections > stalled_at:
                        self._skip(config, name, connections, stalled_at)
                        continue
                    reverse = (i + round_no) % 2 == 1
                    pair = self._pair(
                        config, name, servers, requests, store, connections, args.duration, reverse
                    )
                    for side, run in pair.items():
                        runs.setdefault(connections, {}).setdefault(side, []).append(run)
                    if pair["fawtara"].stalled and not stalled_at:
                        stalled_at = connections
        for connections, sides in runs.items():
            self.results.cells.append(
                Cell(
                    "ops", config.backend, config.server, config.workers, name, connections,
                    store.dataset.size, sides["fawtara"], sides["baseline"],
                )
            )  # fmt: skip

    def _skip(self, config: Config, name: str, connections: int, stalled_at: int) -> None:
        """More connections than the server stalled at (it had to be restarted) would stall it
        again, only longer: noted, not measured."""
        self.results.skipped.append(
            f"{config.label()} {name} at {connections} connections: the server stalled at "
            f"{stalled_at}"
        )
        self.progress.skip(2, 2 * self.args.duration)
        print(f"[skip] {config.label()} {name} c{connections}: stalled at c{stalled_at}")

    def _server_choice(self, store: Store, backend: str, workers: int) -> None:
        """GET and create at 64 connections under each server, each with a baseline under the
        same server; rounds alternate the order (uF uB gF gB, then gB gF uB uF)."""
        args = self.args
        configs = [Config(backend, server, workers) for server in args.servers]
        print(f"[servers] {backend}, {workers} worker(s): {', '.join(args.servers)}", flush=True)
        with ExitStack() as stack:
            fawtaras = {}
            for config in configs:
                fawtaras[config] = server = stack.enter_context(
                    self._fawtara(config, store.url, "servers")
                )
                self._ready(server, store)
            for name in [op for op in SERVER_OPERATIONS if op in args.only]:
                where = f"servers {backend} w{workers} {name}"
                self._guarded(where, self._servers_operation, store, name, fawtaras)

    def _servers_operation(
        self, store: Store, name: str, fawtaras: dict[Config, harness.Server]
    ) -> None:
        args = self.args
        with ExitStack() as stack:
            pairs: dict[Config, tuple[dict[str, harness.Server], Requests]] = {}
            for config, fawtara in fawtaras.items():
                requests, reply = self._prepared(store, name, fawtara)
                baseline = stack.enter_context(self._baseline(config, name, reply, requests))
                pairs[config] = ({"fawtara": fawtara, "baseline": baseline}, requests)
            runs: dict[Config, dict[str, list[Run]]] = {c: {} for c in pairs}
            for round_no in range(-1 if args.warmup else 0, args.rounds):
                order = list(pairs) if round_no % 2 == 0 else list(pairs)[::-1]
                seconds = args.warmup if round_no < 0 else args.duration
                connections = WARMUP_CONNECTIONS if round_no < 0 else SERVER_CONNECTIONS
                for config in order:
                    servers, requests = pairs[config]
                    pair = self._pair(
                        config, name, servers, requests, store, connections, seconds,
                        reverse=round_no % 2 == 1,
                    )  # fmt: skip
                    if round_no >= 0:
                        for side, run in pair.items():
                            runs[config].setdefault(side, []).append(run)
        for config, sides in runs.items():
            self.results.cells.append(
                Cell(
                    "servers", config.backend, config.server, config.workers, name,
                    SERVER_CONNECTIONS, store.dataset.size, sides["fawtara"], sides["baseline"],
                )
            )  # fmt: skip

    def _sizes(self, backend: str, datasets: list[invoice_data.Dataset]) -> None:
        """GET and list on stores of each size: one server per size, all started first, runs
        interleaved across sizes (small to large, then large to small)."""
        args = self.args
        names = [op for op in SIZE_OPERATIONS if op in args.only]
        config = Config(backend, "uvicorn", args.size_workers)
        print(f"[sizes] {backend}: {', '.join(f'{d.size:,}' for d in datasets)}", flush=True)
        with ExitStack() as stack:
            targets = {}
            for dataset in datasets:
                dataset.into_page_cache()
                store = Store(dataset, dataset.url, self.files / f"size-{dataset.size}")
                store.folder.mkdir(exist_ok=True)
                server = stack.enter_context(
                    self._fawtara(config, dataset.url, f"sizes-{dataset.size}")
                )
                self._ready(server, store)
                for name in names:
                    requests, _reply = self._prepared(store, name, server)
                    targets[dataset.size, name] = (server, store, requests)
            runs: dict[tuple[int, str], list[Run]] = {key: [] for key in targets}
            for round_no in range(-1 if args.warmup else 0, args.size_rounds):
                order = list(targets) if round_no % 2 == 0 else list(targets)[::-1]
                seconds = args.warmup if round_no < 0 else args.duration
                for size, name in order:
                    server, store, requests = targets[size, name]
                    self.seed += 1
                    label = f"{config.label()} {name} {size:,} invoices"
                    run = self._wrk(
                        label, server, requests, connections=args.size_connections,
                        seconds=seconds, seed=self.seed, memory=True,
                    )  # fmt: skip
                    run = self._settled(server, store, run)
                    if round_no >= 0:
                        runs[size, name].append(run)
        for (size, name), size_runs in runs.items():
            self.results.sizes.append(
                SizeCell(backend, name, size, config.workers, args.size_connections, size_runs)
            )

    def _guarded(self, where: str, measure: Callable[..., None], *args: Any) -> None:
        """Measure; if that fails, report it with the results and go on with the next."""
        try:
            measure(*args)
        except Exception as exc:  # reported with the results; the suite goes on
            self._failed(where, exc)

    def _failed(self, where: str, exc: Exception) -> None:
        print(f"[FAILED] {where}: {exc}", flush=True)
        traceback.print_exc()
        self.results.failures.append(Failure(where, str(exc)))


def _logged(log: Path) -> dict[str, int]:
    """The errors in a whole server log, by exception."""
    watch = harness.LogWatch(log)
    watch.rewind()
    return watch.new_errors()


# --- context and report ----------------------------------------------------------------------


def _command(args: argparse.Namespace) -> str:
    """The command line as run, without a PostgreSQL URL (it may hold a password)."""
    shown, skip = [], False
    for arg in sys.argv[1:]:
        if skip:
            shown.append("URL")
            skip = False
        elif arg == "--postgres-url":
            shown.append(arg)
            skip = True
        elif arg.startswith("--postgres-url="):
            shown.append("--postgres-url=URL")
        else:
            shown.append(arg)
    return " ".join([".venv/bin/python bench/suite.py", *shown])


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def _versions() -> dict[str, str]:
    names = ("fastapi", "starlette", "sqlalchemy", "psycopg", "uvicorn", "uvloop", "httptools")
    python = f"{platform.python_version()} ({harness.python_build()})"
    found = {"python": python, "sqlite": sqlite3.sqlite_version}
    for name in (*names, "granian"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    found["wrk"] = (wrk.stdout or wrk.stderr).split("[")[0].strip().removeprefix("wrk ")
    return found


def _context_before(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "started": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "command": _command(args),
        "quick": args.quick,
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "load_before": _load(),
        "versions": _versions(),
        "options": {
            "only": args.only, "backends": args.backends, "parts": args.parts,
            "workers": args.workers, "connections": args.connections, "sizes": args.sizes,
            "ops_size": args.ops_size, "size_workers": args.size_workers,
            "size_connections": args.size_connections,
            "duration": args.duration, "warmup": args.warmup, "rounds": args.rounds,
            "size_rounds": args.size_rounds, "threads": args.threads, "servers": args.servers,
            "pdf_renders": args.pdf_renders,
            "postgres": "given" if args.postgres_url else "throwaway",
        },
    }  # fmt: skip


def _context_after(suite: Suite, source: str, finished: bool) -> dict[str, Any]:
    end = harness.source()
    return {
        "finished": finished,
        "minutes": round((time.monotonic() - suite.progress.started) / 60, 1),
        "load_after": _load(),
        "fawtara": source.replace(f"{REPO}/", ""),  # the checkout's own path says nothing
        "fawtara_changed": end != source,
        "postgres_settings": suite.pg_settings,
        "runs": suite.progress.done_runs,
    }


def _write_report(results: Results, args: argparse.Namespace) -> None:
    plots: dict[str, Path] = {}
    if not args.no_plots:
        import suite_plots  # matplotlib: only when plotting

        plots = suite_plots.draw(results, args.plots)
    text = suite_report.render(results, plots, args.results.parent)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(text)
    print(f"\n{suite_report.summary(results)}\nWritten to {args.results}", flush=True)
    for path in plots.values():
        print(f"  plot: {path}")


if __name__ == "__main__":
    main()
