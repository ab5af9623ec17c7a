"""bench/RESULTS.md from what a run of the performance suite found: machine and code, the
targets checked, anything that went wrong, then the tables and the plots."""

import os
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hardening
import operations
from suite_results import DISCONNECT, Cell, Results, SizeCell, merged

# The targets, checked at 64 connections, uvicorn (`fawtara serve`), on the operations' store.
CEILING = Path(__file__).resolve().parent / "CEILING.md"  # bench/ceiling.py's report
GET_SHARE = {"sqlite": 0.35, "postgres": 0.25}  # of the baseline's req/s, with 2 workers
CREATE_SHARE = 0.10  # the same for create, with 2 workers
GET_P99_MS = 20.0  # every worker count
SIZE_TOLERANCE = 0.20  # GET at the largest store within 20% of the smallest: req/s or p50
TARGET_CONNECTIONS = 64
TARGET_WORKERS = 2
BACKEND_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


@dataclass(frozen=True)
class Verdict:
    target: str
    where: str
    figure: str
    met: bool | None  # None: not measured, or the run had errors

    def line(self) -> str:
        mark = {True: "**met**", False: "**missed**", None: "not judged"}[self.met]
        return f"| {self.target} | {self.where} | {self.figure} | {mark} |"


def render(results: Results, plots: dict[str, Path], folder: Path) -> str:
    """The whole report; plot paths are written relative to `folder` (where it is saved)."""
    sections = [
        "# Fawtara performance suite: results",
        "",
        *_banner(results),
        *_machine(results),
        "## Targets",
        "",
        "| target | where | figure | verdict |",
        "|---|---|---|---|",
        *(verdict.line() for verdict in targets(results)),
        "",
        "Checked at 64 connections with `fawtara serve` (uvicorn), on the operations' store; "
        "ratios are Fawtara's requests/second over the baseline's in the same cell. A cell "
        "whose runs had errors is not judged. The hardening targets: see their section.",
        "",
        "How close this machine lets any app come to each ratio target (apps that do only part "
        "of Fawtara's work, down to the bare SQL, measured the same way by `bench/ceiling.py`): "
        f"[CEILING.md]({os.path.relpath(CEILING, folder)}).",
        "",
        *_problems(results),
        *_operations(results),
        *_sizes(results),
        *_memory(results),
        *_servers(results),
        *(hardening.section(results.hardening) if results.hardening else []),
        *_plots(plots, folder),
        *_method(results),
    ]
    return "\n".join(sections).rstrip() + "\n"


def summary(results: Results) -> str:
    """A few lines for the terminal at the end of a run."""
    flagged = [cell for cell in results.cells if cell.flagged]
    lines = ["Targets:"]
    lines += [f"  {v.target} ({v.where}): {v.figure}: {_mark(v.met)}" for v in targets(results)]
    lines.append(f"Cells with errors: {len(flagged)} of {len(results.cells)}")
    if results.failures:
        lines.append(f"Failures: {len(results.failures)} (see the report)")
    return "\n".join(lines)


def _mark(met: bool | None) -> str:
    return {True: "met", False: "MISSED", None: "not judged"}[met]


# --- targets ---------------------------------------------------------------------------------


def _cell(results: Results, backend: str, workers: int, operation: str) -> Cell | None:
    for cell in results.cells:
        if (cell.part, cell.server, cell.backend, cell.workers, cell.operation) == (
            "ops", "uvicorn", backend, workers, operation,
        ) and cell.connections == TARGET_CONNECTIONS:  # fmt: skip
            return cell
    return None


def _share(results: Results, backend: str, operation: str, wanted: float, label: str) -> Verdict:
    where = f"{BACKEND_NAMES[backend]}, {TARGET_WORKERS} workers, 64 connections"
    target = f"{label} ≥ {wanted:.0%} of the baseline"
    cell = _cell(results, backend, TARGET_WORKERS, operation)
    if cell is None:
        return Verdict(target, where, "not measured", None)
    if cell.flagged:
        return Verdict(target, where, f"{cell.ratio:.1%}, but the run had errors", None)
    figure = f"{cell.ratio:.1%} ({cell.rps():,.0f} of {cell.rps('baseline'):,.0f} req/s)"
    return Verdict(target, where, figure, cell.ratio >= wanted)


def targets(results: Results) -> list[Verdict]:
    verdicts = []
    backends = results.context.get("options", {}).get("backends", list(GET_SHARE))
    for backend in backends:
        verdicts.append(_share(results, backend, "get", GET_SHARE[backend], "`GET` ratio"))
    for backend in backends:
        for workers in results.context.get("options", {}).get("workers", [1, 2]):
            where = f"{BACKEND_NAMES[backend]}, {workers} worker(s), 64 connections"
            target = f"`GET` p99 < {GET_P99_MS:.0f} ms"
            cell = _cell(results, backend, workers, "get")
            if cell is None:
                verdicts.append(Verdict(target, where, "not measured", None))
            elif cell.flagged:
                verdicts.append(Verdict(target, where, "the run had errors", None))
            else:
                verdicts.append(Verdict(target, where, f"{cell.p99():.1f} ms", cell.p99() < 20))
    for backend in backends:
        verdicts.append(_size_verdict(results, backend))
    for backend in backends:
        verdicts.append(_share(results, backend, "create", CREATE_SHARE, "create ratio"))
    if results.hardening:
        verdicts += [Verdict(*verdict) for verdict in hardening.verdicts(results.hardening)]
    return verdicts


def _size_verdict(results: Results, backend: str) -> Verdict:
    cells = sorted(
        (c for c in results.sizes if c.backend == backend and c.operation == "get"),
        key=lambda c: c.size,
    )
    target = f"`GET` at the largest store within {SIZE_TOLERANCE:.0%} of the smallest"
    if len(cells) < 2:
        return Verdict(target, BACKEND_NAMES[backend], "not measured", None)
    small, large = cells[0], cells[-1]
    where = f"{BACKEND_NAMES[backend]}, {large.size:,} against {small.size:,} invoices"
    if small.errors or large.errors:
        return Verdict(target, where, "the runs had errors", None)
    rps, p50 = large.rps() / small.rps(), large.p50() / small.p50()
    figure = f"req/s {rps:.0%}, p50 {p50:.0%} of the smallest store's"
    return Verdict(target, where, figure, rps >= 1 - SIZE_TOLERANCE or p50 <= 1 + SIZE_TOLERANCE)


# --- sections --------------------------------------------------------------------------------


def _banner(results: Results) -> list[str]:
    context = results.context
    lines = []
    if context.get("quick"):
        lines += [
            "> **Quick run** (`--quick`: 1 s runs, no warm-up, few connection counts, small "
            "stores). Its figures are for developing the suite, not for decisions; a full run "
            "(`scripts/bench`) replaces this file.",
            "",
        ]
    if not context.get("finished", True):
        lines += ["> **Incomplete**: the run was stopped before the end.", ""]
    lines += [
        f"Run {context.get('started', '?')}, {context.get('minutes', '?')} min, "
        f"{context.get('runs', '?')} wrk runs: `{context.get('command', '?')}`.  ",
        "The full suite, as the figures of record are made: `scripts/bench` "
        "(which installs what it needs, then runs `.venv/bin/python bench/suite.py`).",
        "",
    ]
    return lines


def _machine(results: Results) -> list[str]:
    context = results.context
    options = context.get("options", {})
    versions = context.get("versions", {})
    others = [run.others_cpus for cell in results.cells for run in (*cell.fawtara, *cell.baseline)]
    others += [run.others_cpus for cell in results.sizes for run in cell.runs]
    noise = (
        f"at most {max(others):.2f} CPUs (median {statistics.median(others):.2f})"
        if others
        else "not measured"
    )
    lines = [
        "## Machine and code",
        "",
        f"- **Machine**: {context.get('cpus')} CPUs ({context.get('cpu_model')}), shared by wrk, "
        "the servers and PostgreSQL. Load average before the run "
        f"{_floats(context.get('load_before', []))}, "
        f"after {_floats(context.get('load_after', []))}.",
        f"- **Noise**: programs other than the suite, its servers, wrk and PostgreSQL kept {noise}"
        " busy during a run (from `/proc`; 0 is a quiet machine).",
        f"- **Fawtara**: {context.get('fawtara', '?')}."
        + (" **The code changed during the run.**" if context.get("fawtara_changed") else ""),
        "- **Versions**: " + ", ".join(f"{name} {v}" for name, v in versions.items()) + ".",
    ]
    if "sqlite" in options.get("backends", []):
        lines.append(
            "- **SQLite**: a file in the OS page cache; WAL, `synchronous=NORMAL`, as "
            "`fawtara.db` configures every connection."
        )
    settings = context.get("postgres_settings") or {}
    if settings:
        where = (
            "a throwaway cluster started by the suite (`scripts/postgres-cluster`) with "
            "PostgreSQL's default settings but for its port and `max_connections`"
            if options.get("postgres") == "throwaway"
            else "the server given with `--postgres-url`"
        )
        shown = ", ".join(f"`{k}={v}`" for k, v in settings.items() if k != "server_version")
        lines.append(
            f"- **PostgreSQL** {settings.get('server_version', '')}: {where}, on this machine: "
            f"{shown}."
        )
    lines += [
        f"- **Load**: wrk {options.get('threads', 1)} thread(s), keep-alive connections, "
        f"{options.get('duration', '?'):g} s per run, {options.get('rounds', 1)} "
        f"Fawtara/baseline pair(s) per cell in alternating order, "
        + (
            f"after a {options['warmup']:g} s warm-up of each server per operation."
            if options.get("warmup")
            else "no warm-up."
        ),
        f"- **Stores**: operations on a copy of a store of {options.get('ops_size', 0):,} "
        f"invoices; sizes {', '.join(f'{s:,}' for s in options.get('sizes', []))}. Every "
        "invoice has a client, 3 items and 2 payments (`bench/invoice_data.py`).",
        "",
    ]
    return lines


def _sqlite_first(item: tuple[tuple[Any, ...], Any]) -> tuple[Any, ...]:
    """Sort key of {(backend, …): …} items: SQLite first, then the rest of the key."""
    key = item[0]
    return (key[0] != "sqlite", *key[1:])


def _floats(values: Iterable[float]) -> str:
    return " ".join(f"{v:.2f}" for v in values) or "?"


def _problems(results: Results) -> list[str]:
    lines = ["## Errors", ""]
    flagged = [c for c in results.cells if c.flagged]
    flagged_sizes = [c for c in results.sizes if c.errors]
    if not flagged and not flagged_sizes:
        lines.append(
            "- Every measured run got only 2xx answers and no socket errors, and no server "
            "logged an error meanwhile."
        )
    for cell in flagged:
        details = [run.wrk.errors for run in cell.fawtara if run.errors]
        logged = {k: n for k, n in cell.logged().items() if DISCONNECT not in k}
        if logged:
            details.append("logged " + ", ".join(f"{n:,} × `{k}`" for k, n in logged.items()))
        if cell.stalled:
            details.append(
                f"the server was still stuck {cell.drain_seconds:.0f} s after wrk stopped, and "
                "was restarted"
            )
        elif cell.drain_seconds > 1:
            details.append(f"the server went on {cell.drain_seconds:.0f} s after wrk stopped")
        if cell.baseline_errors:
            details.append(f"baseline: {cell.baseline_errors:,} errors")
        lines.append(f"- **{_where(cell)}** (`!`, not judged): {'; '.join(details)}.")
    for size in flagged_sizes:
        lines.append(
            f"- **{BACKEND_NAMES[size.backend]} {size.operation} at {size.size:,} invoices**: "
            f"{size.errors:,} errors."
        )
    for failure in results.failures:
        lines.append(f"- **Failed**: {failure.where}: {failure.message}")
    for skipped in results.skipped:
        lines.append(f"- Not measured: {skipped}.")
    lines += ["", *_logs(results)]
    return [*lines, ""]


def _logs(results: Results) -> list[str]:
    """What the Fawtara servers logged over the whole run, by exception."""
    total: dict[str, list[str]] = {}
    counts = merged(server.logged for server in results.servers)
    if not counts:
        return ["No Fawtara server logged an error or a traceback."]
    for server in results.servers:
        for name in server.logged:
            total.setdefault(name, []).append(
                f"{BACKEND_NAMES[server.backend]} {server.server} {server.workers}w"
            )
    lines = [
        "What the Fawtara servers logged over the whole run (their logs are in "
        "`bench/out/logs/suite/`):",
        "",
        "| errors | exception | servers |",
        "|---:|---|---|",
    ]
    for name, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {n:,} | `{name}` | {', '.join(sorted(set(total[name])))} |")
    if any(DISCONNECT in name for name in counts):
        lines += [
            "",
            f"`{DISCONNECT}`: a client left while the server read its request body. wrk closes "
            "its connections when a run ends, whatever is in flight, so these come from the "
            "ends of runs and are not counted against the cells; the server logs each as an "
            "unhandled exception.",
        ]
    return lines


def _where(cell: Cell) -> str:
    part = "server choice: " if cell.part == "servers" else ""
    return (
        f"{part}{BACKEND_NAMES[cell.backend]}, {cell.server}, {cell.workers} worker(s), "
        f"{cell.operation}, {cell.connections} connections"
    )


def _configs(cells: list[Cell]) -> list[tuple[str, int]]:
    return sorted({(c.backend, c.workers) for c in cells}, key=lambda k: (k[0] != "sqlite", k[1]))


def _operations(results: Results) -> list[str]:
    cells = [c for c in results.cells if c.part == "ops"]
    if not cells:
        return []
    lines = [
        "## Operations: Fawtara against the baseline",
        "",
        "Fawtara's requests/second, and in brackets its share of the baseline's (the same "
        "answer, bytes and status, from a do-nothing ASGI app under the same server and worker "
        "count, measured in the same cell). `!` marks a cell with errors.",
        "",
        *(f"- `{op.name}`: {op.dialect}-style `{op.label}`" for op in operations.OPERATIONS),
        "",
    ]
    for backend, workers in _configs(cells):
        mine = [c for c in cells if (c.backend, c.workers) == (backend, workers)]
        connections = sorted({c.connections for c in mine})
        lines += [
            f"### {BACKEND_NAMES[backend]}, {workers} worker(s)",
            "",
            "| operation | " + " | ".join(f"{n} conn." for n in connections) + " |",
            "|---|" + "---:|" * len(connections),
        ]
        for op in _ordered({c.operation for c in mine}):
            row = []
            for n in connections:
                cell = next((c for c in mine if c.operation == op and c.connections == n), None)
                row.append(
                    "—"
                    if cell is None
                    else f"{cell.rps():,.0f} ({cell.ratio:.1%}){' !' if cell.flagged else ''}"
                )
            lines.append(f"| `{op}` | " + " | ".join(row) + " |")
        lines += ["", "<details><summary>Every figure</summary>", "", *_detail(mine), "</details>"]
        lines.append("")
    return lines


def _ordered(names: set[str]) -> list[str]:
    return [op.name for op in operations.OPERATIONS if op.name in names]


def _detail(cells: list[Cell]) -> list[str]:
    lines = [
        "| operation | conn. | Fawtara req/s | baseline req/s | ratio | p50 | p99 "
        "| baseline p50 | baseline p99 | errors | logged | others |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for op in _ordered({c.operation for c in cells}):
        for cell in sorted((c for c in cells if c.operation == op), key=lambda c: c.connections):
            lines.append(
                f"| `{op}` | {cell.connections} | {cell.rps():,.0f} | {cell.rps('baseline'):,.0f} "
                f"| {cell.ratio:.1%} | {cell.p50():.2f} ms | {cell.p99():.2f} ms "
                f"| {cell.p50('baseline'):.2f} ms | {cell.p99('baseline'):.2f} ms "
                f"| {cell.errors:,} | {cell.server_errors:,} | {cell.others_cpus:.2f} |"
            )
    return [*lines, ""]


def _sizes(results: Results) -> list[str]:
    if not results.sizes:
        return []
    first = results.sizes[0]
    lines = [
        "## Store size",
        "",
        f"Fawtara alone, {first.workers} worker(s), {first.connections} connections; one "
        "server per store, all running, runs interleaved across the sizes (medians).",
        "",
        "| backend | operation | invoices | req/s | p50 | p99 | errors | vs the smallest |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    groups: dict[tuple[str, str], list[SizeCell]] = {}
    for cell in results.sizes:
        groups.setdefault((cell.backend, cell.operation), []).append(cell)
    for (backend, op), cells in sorted(groups.items(), key=_sqlite_first):
        cells.sort(key=lambda c: c.size)
        small = cells[0]
        for cell in cells:
            versus = (
                f"req/s {cell.rps() / small.rps():.0%}, p50 {cell.p50() / small.p50():.0%}"
                if cell is not small
                else ""
            )
            lines.append(
                f"| {BACKEND_NAMES[backend]} | `{op}` | {cell.size:,} | {cell.rps():,.0f} "
                f"| {cell.p50():.2f} ms | {cell.p99():.2f} ms | {cell.errors:,} | {versus} |"
            )
    return [*lines, ""]


def _memory(results: Results) -> list[str]:
    rows: dict[tuple[str, str, int], dict[str, Any]] = {}
    for cell in results.cells:
        key = (cell.backend, cell.server, cell.workers)
        for run in cell.fawtara:
            if run.memory is not None:
                row = rows.setdefault(key, {"medians": [], "peak": 0.0, "largest": 0.0, "n": 0})
                row["medians"].append(run.memory.median_total_mb)
                row["peak"] = max(row["peak"], run.memory.peak_total_mb)
                row["largest"] = max(row["largest"], run.memory.peak_process_mb)
                row["n"] = max(row["n"], run.memory.processes)
    if not rows:
        return []
    rest: dict[tuple[str, str, int], list[float]] = {}
    for server in results.servers:
        if server.part in ("ops", "servers"):
            rest.setdefault((server.backend, server.server, server.workers), []).append(
                server.rest_mb
            )
    lines = [
        "## Server memory under load",
        "",
        "RSS of the server's processes (the supervisor and its workers, summed) from `/proc`, "
        "sampled every 0.25 s during every Fawtara run of the operations; *at rest*: once "
        "started and checked, before any load and before the Hesabe-style login (whose Argon2 "
        "hash then adds ~64 MB to the worker that runs it). uvicorn's processes are its "
        "supervisor, the workers and, with 2 workers, multiprocessing's resource tracker.",
        "",
        "| backend | server | workers | processes | at rest | median under load | peak | "
        "largest process |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (backend, server, workers), row in sorted(rows.items(), key=_sqlite_first):
        at_rest = rest.get((backend, server, workers), [])
        lines.append(
            f"| {BACKEND_NAMES[backend]} | {server} | {workers} | {row['n']} "
            f"| {max(at_rest, default=0):.0f} MB | {statistics.median(row['medians']):.0f} MB "
            f"| {row['peak']:.0f} MB | {row['largest']:.0f} MB |"
        )
    return [*lines, ""]


def _servers(results: Results) -> list[str]:
    cells = [c for c in results.cells if c.part == "servers"]
    if not cells:
        return []
    lines = [
        "## Server choice: uvicorn against granian",
        "",
        "The same Fawtara app and store under each server, 64 connections, each with a baseline "
        "under the same server; the servers' runs alternate. uvicorn is `fawtara serve`; "
        "granian is `granian --interface asgi --factory fawtara.app:app_from_env --workers N`.",
        "",
        "| backend | workers | operation | server | Fawtara req/s | p50 | p99 | baseline req/s "
        "| ratio | errors |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    groups: dict[tuple[str, int, str], list[Cell]] = {}
    for cell in cells:
        groups.setdefault((cell.backend, cell.workers, cell.operation), []).append(cell)
    for (backend, workers, op), group in sorted(groups.items(), key=_sqlite_first):
        for cell in group:
            lines.append(
                f"| {BACKEND_NAMES[backend]} | {workers} | `{op}` | {cell.server} "
                f"| {cell.rps():,.0f} | {cell.p50():.2f} ms | {cell.p99():.2f} ms "
                f"| {cell.rps('baseline'):,.0f} | {cell.ratio:.1%} "
                f"| {cell.errors + cell.server_errors:,} |"
            )
        if len(group) == 2:
            verdicts.append(_faster(backend, workers, op, group))
    return [*lines, "", *verdicts, ""]


def _faster(backend: str, workers: int, op: str, group: list[Cell]) -> str:
    by_rps = sorted(group, key=lambda c: c.rps(), reverse=True)
    by_p99 = sorted(group, key=lambda c: c.p99())
    where = f"{BACKEND_NAMES[backend]}, {workers} worker(s), `{op}`"
    if any(c.flagged for c in group):
        return f"- {where}: not judged, a run had errors."
    gain = by_rps[0].rps() / by_rps[1].rps() - 1
    return (
        f"- {where}: **{by_rps[0].server}** serves more ({gain:+.0%} req/s: "
        f"{by_rps[0].rps():,.0f} against {by_rps[1].rps():,.0f}); lower p99: "
        f"**{by_p99[0].server}** ({by_p99[0].p99():.1f} against {by_p99[1].p99():.1f} ms)."
    )


def _plots(plots: dict[str, Path], folder: Path) -> list[str]:
    if not plots:
        return []
    lines = ["## Plots", ""]
    for title, path in plots.items():
        relative = os.path.relpath(path, folder)
        lines += [f"**{title}**", "", f"![{title}]({relative})", ""]
    return lines


def _method(results: Results) -> list[str]:
    return [
        "## How it was measured",
        "",
        "Real `fawtara serve --no-access-log` processes (or granian) and wrk on this machine "
        "over the loopback. Before an operation is measured, its first request is sent and "
        "Fawtara's answer checked (status and parsed body; Hesabe-style answers decrypted); "
        "the baseline then replays that answer (status, headers, body) and is checked to. "
        "Random ids are drawn uniformly over the store; deletes walk invoices made for them, "
        "each deleted once. wrk counts non-2xx answers and socket errors in every run. "
        "What each operation sends, the baseline, the stores and the memory sampling are "
        "described in `bench/README.md` (The performance suite).",
        "",
    ]
