"""What a benchmark needs around the code under test: servers that are always stopped, and
bounded wrk runs against 127.0.0.1 whose output is parsed into numbers."""

import hashlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

import fawtara

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into SystemExit, so `finally` blocks stop the servers on those
    too (Ctrl-C already raises KeyboardInterrupt)."""

    def _exit(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, _exit) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def request(
    port: int, method: str, path: str, headers: Mapping[str, str] | None = None, body: bytes = b""
) -> Reply:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=dict(headers or {}))
        response = conn.getresponse()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        conn.close()


class Server:
    """A server process in a session of its own: stopping the session also stops the workers
    uvicorn forks, and Ctrl-C in the terminal reaches only us, so the shutdown is ours."""

    def __init__(
        self, name: str, argv: Sequence[str], env: Mapping[str, str], port: int, log: Path
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.port = port
        self.log = log
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None, "server not started"
        return self._process.pid

    def __enter__(self) -> "Server":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log.open("wb")
        self._process = subprocess.Popen(
            self.argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def wait_ready(
        self, path: str, headers: Mapping[str, str] | None = None, timeout: float = 60
    ) -> Reply:
        """The first HTTP answer to GET `path`, whatever its status."""
        deadline = time.monotonic() + timeout
        while True:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self._log_tail()}")
            try:
                return request(self.port, "GET", path, headers)
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{self.name} not ready after {timeout:.0f} s:\n{self._log_tail()}"
                    ) from None
                time.sleep(0.1)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait()
        # Workers can outlive a supervisor that died first; the group is still ours to end.
        if process is not None:
            _signal_group(process.pid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def _log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def baseline_server(workers: int, body: Path, log: Path) -> Server:
    """The do-nothing ASGI app (baseline.py) answering every request with the bytes of `body`,
    under the options `fawtara serve` gives uvicorn: auto loop and HTTP parser (uvloop,
    httptools), no access log, no server header."""
    port = free_port()
    argv = [
        sys.executable, "-m", "uvicorn", "baseline:app", "--app-dir", str(Path(__file__).parent),
        "--host", LOOPBACK, "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--no-server-header", "--log-level", "warning",
    ]  # fmt: skip
    env = {**os.environ, "BENCH_BASELINE_BODY": str(body)}
    return Server("baseline", argv, env, port, log)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)  # the group id is the pid: the server leads its own session
    except ProcessLookupError:
        pass


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    requests: int
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    errors: str  # socket errors and non-2xx answers as wrk reports them; "" when none

    @property
    def ok(self) -> bool:
        return not self.errors


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNIT_MS[unit]


def parse_wrk(output: str) -> WrkResult:
    """Numbers from `wrk --latency` output."""
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", output, re.MULTILINE))
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in", output, re.MULTILINE)
    if rps is None or total is None or len(percentiles) != 4:
        raise ValueError(f"unexpected wrk output:\n{output}")
    errors = [
        line.strip()
        for line in output.splitlines()
        if line.strip().startswith(("Socket errors", "Non-2xx"))
    ]
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        requests=int(total.group(1)),
        p50_ms=_ms(percentiles["50"]),
        p75_ms=_ms(percentiles["75"]),
        p90_ms=_ms(percentiles["90"]),
        p99_ms=_ms(percentiles["99"]),
        errors="; ".join(errors),
    )


def run_wrk(
    port: int,
    *,
    script: Path,
    script_args: Sequence[str],
    duration: float,
    connections: int,
    threads: int,
    path: str = "/",
) -> WrkResult:
    """One bounded wrk run against 127.0.0.1:`port`."""
    argv = [
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={duration:g}s",
        "--timeout=10s",  # longer than any latency we expect, so slow answers are measured
        "--latency",
        f"--script={script}",
        f"http://{LOOPBACK}:{port}{path}",
        "--",
        *script_args,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return parse_wrk(done.stdout)


# --- noise: CPU that other programs took while we measured ----------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _machine_busy() -> float:
    """CPU-seconds the whole machine has spent busy (steal included: another tenant's use)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / _TICK


def _group_cpu(groups: set[int]) -> float:
    """CPU-seconds used so far by the live processes of these process groups."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended while we looked
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[2]) in groups:
            total += int(fields[11]) + int(fields[12])
    return total / _TICK


def _own_cpu() -> float:
    """CPU-seconds of this process and its reaped children (wrk, once it has finished)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class OthersMeter:
    """How many CPUs, on average, programs other than ours (this process, its servers and
    wrk) kept busy between `start()` and `stop()`."""

    def __init__(self, servers: Sequence[Server]) -> None:
        self._groups = {server.pid for server in servers}
        self._start = (0.0, 0.0, 0.0, 0.0)

    def _now(self) -> tuple[float, float, float, float]:
        return time.monotonic(), _machine_busy(), _group_cpu(self._groups), _own_cpu()

    def start(self) -> None:
        self._start = self._now()

    def stop(self) -> float:
        end = self._now()
        wall, busy, servers, own = (b - a for a, b in zip(self._start, end, strict=True))
        return max(busy - servers - own, 0.0) / wall


def source() -> str:
    """Which Fawtara code the servers run (the one this interpreter imports, PYTHONPATH
    included), with a hash of it, so a report says what it measured and an edit during the run
    is noticed."""
    package = Path(fawtara.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.read_bytes())
    git = ["git", "--no-optional-locks", "-C", str(package)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if commit.returncode != 0:
        return f"{package} (not a git checkout), code hash {digest.hexdigest()[:12]}"
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "."], capture_output=True, text=True
    )
    state = "with uncommitted changes" if dirty.stdout.strip() else "clean"
    return (
        f"{package} at commit {commit.stdout.strip()} ({state}), "
        f"code hash {digest.hexdigest()[:12]}"
    )
