"""What a run of the performance suite found, kept as bench/out/suite.json so the report and
the plots can be made again from it (`suite.py --report-only`)."""

import json
import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness import Memory, WrkResult

DISCONNECT = "ClientDisconnect"  # starlette.requests.ClientDisconnect, in a server's log


@dataclass(frozen=True)
class Run:
    """One wrk run against one server."""

    wrk: WrkResult
    others_cpus: float  # CPUs other programs kept busy meanwhile: the noise suffered
    memory: Memory | None = None  # the server's RSS during the run (Fawtara's runs)
    # Fawtara's runs: errors the server logged meanwhile or while it finished what the run had
    # asked of it (after wrk had stopped waiting), by exception; and how long that took.
    logged: dict[str, int] = field(default_factory=dict)
    drain_seconds: float = 0.0
    stalled: bool = False  # still stuck when the suite stopped waiting: it was restarted

    @property
    def errors(self) -> int:
        return self.wrk.non_2xx + self.wrk.socket_errors

    @property
    def server_errors(self) -> int:
        """Errors the server logged, but for clients that had left (`disconnects`)."""
        return sum(n for name, n in self.logged.items() if DISCONNECT not in name)

    @property
    def disconnects(self) -> int:
        """Requests whose client left while the server read their body: wrk closes its
        connections at the end of a run, whatever is in flight."""
        return sum(n for name, n in self.logged.items() if DISCONNECT in name)


def _median(runs: list[Run], field_name: str) -> float:
    return float(statistics.median(getattr(run.wrk, field_name) for run in runs))


@dataclass(frozen=True)
class Cell:
    """Fawtara and the baseline (the same answer from a do-nothing app under the same server
    and worker count) on one operation at one number of connections."""

    part: str  # "ops" or "servers" (uvicorn against granian)
    backend: str  # "sqlite" or "postgres"
    server: str  # "uvicorn" or "granian"
    workers: int
    operation: str
    connections: int
    store: int  # invoices in the store (before the writes of the run)
    fawtara: list[Run]
    baseline: list[Run]

    def rps(self, side: str = "fawtara") -> float:
        return _median(getattr(self, side), "requests_per_second")

    def p50(self, side: str = "fawtara") -> float:
        return _median(getattr(self, side), "p50_ms")

    def p99(self, side: str = "fawtara") -> float:
        return _median(getattr(self, side), "p99_ms")

    @property
    def ratio(self) -> float:
        baseline = self.rps("baseline")
        return self.rps() / baseline if baseline else 0.0

    @property
    def errors(self) -> int:
        """Non-2xx answers and socket errors in Fawtara's runs (the baseline's are counted in
        `baseline_errors`)."""
        return sum(run.errors for run in self.fawtara)

    @property
    def baseline_errors(self) -> int:
        return sum(run.errors for run in self.baseline)

    @property
    def server_errors(self) -> int:
        return sum(run.server_errors for run in self.fawtara)

    @property
    def flagged(self) -> bool:
        """Whether any run of the cell had errors: its figures are not to be trusted."""
        stalled = any(run.stalled for run in self.fawtara)
        return bool(self.errors or self.baseline_errors or self.server_errors or stalled)

    @property
    def stalled(self) -> bool:
        return any(run.stalled for run in self.fawtara)

    @property
    def drain_seconds(self) -> float:
        return max(run.drain_seconds for run in self.fawtara)

    def logged(self) -> dict[str, int]:
        """What Fawtara logged during the cell's runs, by exception."""
        return merged(run.logged for run in self.fawtara)

    @property
    def others_cpus(self) -> float:
        return max(run.others_cpus for run in (*self.fawtara, *self.baseline))


@dataclass(frozen=True)
class SizeCell:
    """Fawtara alone on one operation over a store of `size` invoices."""

    backend: str
    operation: str
    size: int
    workers: int
    connections: int
    runs: list[Run]

    def rps(self) -> float:
        return _median(self.runs, "requests_per_second")

    def p50(self) -> float:
        return _median(self.runs, "p50_ms")

    def p99(self) -> float:
        return _median(self.runs, "p99_ms")

    @property
    def errors(self) -> int:
        """What wrk counted, and the errors the server logged."""
        return sum(run.errors + run.server_errors + run.stalled for run in self.runs)


@dataclass(frozen=True)
class ServerRecord:
    """A Fawtara server the suite ran: its RSS once started and checked, before any load, and
    the errors in its log, by exception."""

    part: str
    backend: str
    server: str
    workers: int
    rest_mb: float
    logged: dict[str, int]
    log: str


@dataclass(frozen=True)
class Failure:
    """Something that stopped a measurement (its cells are missing from the tables)."""

    where: str
    message: str


@dataclass
class Results:
    context: dict[str, Any] = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)
    sizes: list[SizeCell] = field(default_factory=list)
    servers: list[ServerRecord] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # cells not measured, and why
    hardening: dict[str, Any] = field(default_factory=dict)  # bench/hardening.py's figures

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> "Results":
        data = json.loads(path.read_text())
        return cls(
            context=data["context"],
            cells=[Cell(**{**c, **_sides(c, "fawtara", "baseline")}) for c in data["cells"]],
            sizes=[SizeCell(**{**s, **_sides(s, "runs")}) for s in data["sizes"]],
            servers=[ServerRecord(**s) for s in data["servers"]],
            failures=[Failure(**f) for f in data["failures"]],
            skipped=data.get("skipped", []),
            hardening=data.get("hardening", {}),
        )


def _run(data: dict[str, Any]) -> Run:
    memory = Memory(**data["memory"]) if data.get("memory") else None
    extra = {k: data[k] for k in ("logged", "drain_seconds", "stalled") if k in data}
    return Run(WrkResult(**data["wrk"]), data["others_cpus"], memory, **extra)


def _sides(data: dict[str, Any], *names: str) -> dict[str, list[Run]]:
    return {name: [_run(run) for run in data[name]] for name in names}


def merged(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for count in counts:
        for name, n in count.items():
            total[name] = total.get(name, 0) + n
    return total
