"""Benchmark GET /v1/invoices/{id} against a do-nothing ASGI baseline on the same server.

    .venv/bin/python bench/get_invoice.py [--sizes 100000,1000000] [--duration 15]
        [--connections 64] [--workers 1[,2]] [--rounds 3] [--profile SECONDS]
        [--postgres-url postgresql://…]

For each size and worker count: start `fawtara serve` and the baseline (bench/baseline.py,
serving the exact bytes of one Fawtara invoice response) under the same uvicorn settings, check
that bulk-inserted invoices answer in the same shape as API-made ones, warm both up, then
alternate wrk runs between them (F B, B F, F B, …) and report the medians to
bench/out/get_invoice.md. With --postgres-url (a superuser URL), the stores are databases made on
that PostgreSQL server for the run (and dropped after) instead of SQLite files. See
bench/README.md.
"""

import argparse
import importlib.metadata
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import harness
import invoice_data
import postgres
import psycopg
import pyspy
from sqlalchemy.engine import make_url

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
SCRIPT = BENCH / "get_invoice.lua"

# The targets this benchmark reports against.
MIN_SHARE_OF_BASELINE = 0.25
MAX_P99_MS = 20.0
MIN_LARGE_OVER_SMALL = 0.80


@dataclass(frozen=True)
class Config:
    size: int
    workers: int


@dataclass(frozen=True)
class Run:
    wrk: harness.WrkResult
    others_cpus: float  # CPUs other programs kept busy during the run: the noise we suffered


@dataclass(frozen=True)
class Measurement:
    config: Config
    connections: int
    body_bytes: int
    fawtara: list[Run]
    baseline: list[Run]

    def median(self, side: str, field: str) -> float:
        return float(statistics.median(self._values(side, field)))

    def spread(self, side: str) -> str:
        """Median requests/second with the range of the runs, e.g. `415 (380–496)`."""
        values = self._values(side, "requests_per_second")
        return f"{statistics.median(values):,.0f} ({min(values):,.0f}–{max(values):,.0f})"

    def _values(self, side: str, field: str) -> list[float]:
        runs: list[Run] = getattr(self, side)
        return [getattr(run.wrk, field) for run in runs]

    @property
    def others_cpus(self) -> float:
        return max(run.others_cpus for run in (*self.fawtara, *self.baseline))

    @property
    def ratio(self) -> float:
        return self.median("fawtara", "requests_per_second") / self.median(
            "baseline", "requests_per_second"
        )


def main() -> None:
    args = _arguments()
    OUT.mkdir(exist_ok=True)
    started, source = time.monotonic(), harness.source()
    measurements = []
    databases = postgres.Databases(args.postgres_url) if args.postgres_url else None
    # A local PostgreSQL's CPU is part of the work measured, not noise.
    postmaster = databases.local_server() if databases is not None else None
    db_servers = [postmaster] if postmaster is not None else []
    with harness.stop_on_signals():
        try:
            for size in args.sizes:
                dataset = _dataset(size, databases)
                dataset.into_page_cache()
                for workers in args.workers:
                    measurements.append(_measure(dataset, workers, args, db_servers))
        finally:
            if databases is not None:
                databases.drop_all()
    if harness.source() != source:
        print("WARNING: Fawtara's code changed during the run; the figures mix versions")
    report = _report(measurements, args, time.monotonic() - started, source)
    (OUT / "get_invoice.md").write_text(report)
    (OUT / "get_invoice.json").write_text(json.dumps([asdict(m) for m in measurements], indent=2))
    print(f"\n{report}\nWritten to {OUT / 'get_invoice.md'} (per-run figures: get_invoice.json)")


def _dataset(size: int, databases: postgres.Databases | None) -> invoice_data.Dataset:
    if databases is None:
        return invoice_data.ensure(size, OUT)
    return invoice_data.build_postgres(size, databases.fresh(f"get{size}"), OUT)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=_ints, default=[100_000, 1_000_000])
    parser.add_argument("--duration", type=float, default=15, help="seconds per measured run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=_ints, default=[1], help="e.g. 1 or 1,2")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--rounds", type=int, default=3, help="measured runs per server")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per server")
    parser.add_argument(
        "--profile", type=float, default=0, metavar="SECONDS",
        help="after measuring, sample Fawtara with py-spy for this long (0: off)",
    )  # fmt: skip
    parser.add_argument(
        "--postgres-url", metavar="URL",
        help="measure on PostgreSQL: a superuser URL to make (and drop) the run's databases on",
    )  # fmt: skip
    args = parser.parse_args()
    if args.duration <= 0 or args.rounds < 1 or args.connections < 1:
        parser.error("--duration, --rounds and --connections must be positive")
    return args


def _ints(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def _measure(
    dataset: invoice_data.Dataset, workers: int, args: argparse.Namespace, db_servers: list[int]
) -> Measurement:
    config = Config(dataset.size, workers)
    label = f"{dataset.size:,} invoices, {workers} worker{'s' if workers > 1 else ''}"
    print(f"[run] {label}: load average {_load()}", flush=True)
    headers = {"api_key": dataset.api_key}
    logs = OUT / "logs"
    tag = f"{dataset.size}-w{workers}"
    fawtara_log = logs / f"fawtara-{tag}.log"
    with harness.fawtara_server(workers, dataset.env(), fawtara_log) as fawtara:
        fawtara.wait_ready(f"/v1/invoices/{dataset.size}", headers)
        body = check_shapes(fawtara.port, dataset)
        body_path = OUT / f"baseline-body-{dataset.size}.json"
        body_path.write_bytes(body.body)
        with harness.baseline_server(workers, body_path, logs / f"baseline-{tag}.log") as baseline:
            harness.check_same_answer(baseline, body)
            runs = _alternate(fawtara, baseline, dataset, args, db_servers)
        if args.profile > 0:
            _profile(fawtara, dataset, args, OUT / f"profile-{tag}.txt")
    return Measurement(config, args.connections, len(body.body), runs["fawtara"], runs["baseline"])


def _alternate(
    fawtara: harness.Server,
    baseline: harness.Server,
    dataset: invoice_data.Dataset,
    args: argparse.Namespace,
    db_servers: list[int],
) -> dict[str, list[Run]]:
    """Warm both servers up, then alternate measured runs (F B, B F, F B, …) so that noise
    from the rest of the machine falls on both alike; each round's runs share one id sequence."""
    servers = {"fawtara": fawtara.port, "baseline": baseline.port}
    runs: dict[str, list[Run]] = {name: [] for name in servers}
    others = harness.OthersMeter([fawtara, baseline], db_servers)
    for port in servers.values():
        _wrk(port, dataset.size, dataset.api_key, args, seed=0, warmup=True)
    for round_no in range(1, args.rounds + 1):
        for name in list(servers) if round_no % 2 else list(servers)[::-1]:
            others.start()
            result = _wrk(servers[name], dataset.size, dataset.api_key, args, seed=round_no)
            runs[name].append(Run(result, others.stop()))
            print(
                f"[run]   round {round_no}/{args.rounds} {name:8} "
                f"{result.requests_per_second:>9,.0f} req/s  p50 {result.p50_ms:7.2f} ms"
                f"  p99 {result.p99_ms:7.2f} ms  others {runs[name][-1].others_cpus:.2f} CPUs",
                flush=True,
            )
    return runs


def _wrk(
    port: int, size: int, api_key: str, args: argparse.Namespace, seed: int, warmup: bool = False
) -> harness.WrkResult:
    result = harness.run_wrk(
        port,
        script=SCRIPT,
        script_args=[str(size), api_key, str(seed)],
        duration=args.warmup if warmup else args.duration,
        connections=args.connections,
        threads=args.threads,
    )
    if not result.ok:
        raise RuntimeError(f"wrk saw errors on port {port}: {result.errors}")
    return result


def _shape(value: Any) -> Any:
    """The keys and JSON types of a value, without the values."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return type(value).__name__


def check_shapes(port: int, dataset: invoice_data.Dataset) -> harness.Reply:
    """Fail unless bulk-inserted invoices answer with the same keys and types as API-made ones;
    returns the answer for the invoice in the middle of the table (the baseline's body)."""
    headers = {"api_key": dataset.api_key}
    replies = {}
    for invoice_id in (*dataset.api_invoice_ids, dataset.size // 2, dataset.size):
        reply = harness.request(port, "GET", f"/v1/invoices/{invoice_id}", headers)
        if reply.status != 200:
            raise RuntimeError(f"GET /v1/invoices/{invoice_id}: {reply.status} {reply.body!r}")
        replies[invoice_id] = reply
    reference = _shape(json.loads(replies[dataset.api_invoice_ids[0]].body))
    for invoice_id, reply in replies.items():
        if _shape(json.loads(reply.body)) != reference:
            raise RuntimeError(
                f"invoice {invoice_id} differs in shape from API-made invoice "
                f"{dataset.api_invoice_ids[0]}:\n{reply.body.decode()}\n"
                f"{replies[dataset.api_invoice_ids[0]].body.decode()}"
            )
    return replies[dataset.size // 2]


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# --- profile ---------------------------------------------------------------------------------


def _profile(
    server: harness.Server, dataset: invoice_data.Dataset, args: argparse.Namespace, raw: Path
) -> None:
    """Sample Fawtara with py-spy while wrk keeps it busy (runs not counted in the table)."""
    if not pyspy.available():
        print("[profile] skipped: install py-spy into the venv (.venv/bin/pip install py-spy)")
        return
    load = subprocess.Popen(
        [
            "wrk", f"--threads={args.threads}", f"--connections={args.connections}",
            f"--duration={args.profile + 4:g}s", f"--script={SCRIPT}",
            f"http://{harness.LOOPBACK}:{server.port}/", "--",
            str(dataset.size), dataset.api_key, "99",
        ],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(2)  # past wrk's connection set-up
        summary = pyspy.record(server.pid, args.profile, raw)
    finally:
        load.wait(timeout=args.profile + 60)
    print(summary, flush=True)


# --- report ----------------------------------------------------------------------------------


def _report(
    measurements: list[Measurement], args: argparse.Namespace, seconds: float, source: str
) -> str:
    header = (
        "| invoices | workers | connections | Fawtara req/s | baseline req/s | ratio "
        "| Fawtara p50 | Fawtara p99 | baseline p99 | others |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    rows = [
        f"| {m.config.size:,} | {m.config.workers} | {m.connections} "
        f"| {m.spread('fawtara')} | {m.spread('baseline')} | {m.ratio:.1%} "
        f"| {m.median('fawtara', 'p50_ms'):.1f} ms | {m.median('fawtara', 'p99_ms'):.1f} ms "
        f"| {m.median('baseline', 'p99_ms'):.1f} ms | {m.others_cpus:.2f} |"
        for m in measurements
    ]
    return "\n".join(
        [
            "# GET /v1/invoices/{id}: Fawtara against a do-nothing baseline",
            "",
            _context(args, seconds, source),
            "",
            header,
            *rows,
            "",
            "Medians of the measured runs, with their range in brackets; p50/p99 are wrk's "
            "latency percentiles. *others*: the most CPUs that programs other than this "
            "benchmark, its servers, wrk and a local PostgreSQL kept busy during any run of "
            "the row (noise; "
            "0.00 is a quiet machine, 2.00 would be all of it).",
            "",
            *_targets(measurements),
        ]
    )


def _context(args: argparse.Namespace, seconds: float, source: str) -> str:
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("fastapi", "starlette", "sqlalchemy", "uvicorn", "uvloop", "httptools")
    )
    return (
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {seconds / 60:.1f} min: "
        f"`{' '.join(['.venv/bin/python', 'bench/get_invoice.py', *sys.argv[1:]])}`.  \n"
        f"Machine: {os.cpu_count()} CPUs ({_cpu()}), shared by wrk and the server; "
        f"load average at the end {_load()}.  \n"
        f"Fawtara: {source}.  \n"
        f"Store: {_store(args)}.  \n"
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {versions}.  \n"
        f"wrk: {args.threads} thread, {args.connections} connections, {args.duration:g} s "
        f"per run, {args.rounds} runs per server alternating Fawtara and baseline, "
        f"after a {args.warmup:g} s warm-up of each."
    )


def _store(args: argparse.Namespace) -> str:
    if not args.postgres_url:
        return "a SQLite file per size (bench/out), in the OS page cache"
    with psycopg.connect(postgres.plain(args.postgres_url)) as db:
        version = db.execute("SHOW server_version").fetchone()
    host = make_url(args.postgres_url).host or "a local socket"
    return f"PostgreSQL {version[0] if version else '?'} on {host}, a database per size"


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def _targets(measurements: list[Measurement]) -> list[str]:
    lines = ["Targets:", ""]
    for m in measurements:
        where = f"{m.config.size:,} invoices, {m.config.workers} worker(s)"
        p99 = m.median("fawtara", "p99_ms")
        lines.append(
            f"- {where}: {m.ratio:.1%} of the baseline "
            f"({'meets' if m.ratio >= MIN_SHARE_OF_BASELINE else 'misses'} ≥ 25%), "
            f"p99 {p99:.1f} ms ({'meets' if p99 < MAX_P99_MS else 'misses'} < 20 ms)"
        )
    by_workers: dict[int, dict[int, Measurement]] = {}
    for m in measurements:
        by_workers.setdefault(m.config.workers, {})[m.config.size] = m
    for workers, by_size in by_workers.items():
        if len(by_size) < 2:
            continue
        small, large = by_size[min(by_size)], by_size[max(by_size)]
        ratio = small.median("fawtara", "requests_per_second")
        ratio = large.median("fawtara", "requests_per_second") / ratio
        lines.append(
            f"- {workers} worker(s): throughput at {large.config.size:,} invoices is "
            f"{ratio:.0%} of that at {small.config.size:,} "
            f"({'meets' if ratio >= MIN_LARGE_OVER_SMALL else 'misses'} ≥ 80%; "
            f"share of the baseline {large.ratio:.1%} against {small.ratio:.1%})"
        )
    return lines


if __name__ == "__main__":
    main()
