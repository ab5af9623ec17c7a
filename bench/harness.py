"""What a benchmark needs around the code under test: servers that are always stopped (under
uvicorn or granian), bounded wrk runs against 127.0.0.1 whose output is parsed into numbers, and
what /proc says about CPU and memory meanwhile."""

import hashlib
import http.client
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence, Set
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

import fawtara

LOOPBACK = "127.0.0.1"
BENCH = Path(__file__).resolve().parent
# The ASGI servers a benchmark can run Fawtara and the baseline under.
SERVERS = ("uvicorn", "granian")


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
    port: int,
    method: str,
    path: str,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    timeout: float = 30,
) -> Reply:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
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
        self._start("wb")
        return self

    def restart(self) -> None:
        """Kill the server (whatever it is stuck in: a graceful stop would wait for it) and
        start it again on the same port; its log goes on in the same file."""
        self.stop(graceful=False)
        self._start("ab")

    def _start(self, log_mode: str) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log.open(log_mode)
        self._process = subprocess.Popen(
            self.argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

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

    def stop(self, graceful: bool = True) -> None:
        process, self._process = self._process, None
        if graceful and process is not None and process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait()
        # Workers can outlive a supervisor that died first; the group is still ours to end.
        if process is not None:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def _log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def fawtara_server(
    workers: int, env: Mapping[str, str], log: Path, server: str = "uvicorn"
) -> Server:
    """Fawtara as users run it: `fawtara serve --no-access-log` (uvicorn); or under granian,
    the way its documentation runs an ASGI factory. The database must be migrated already
    (`fawtara serve` would do it; granian does not)."""
    port = free_port()
    if server == "uvicorn":
        argv = [
            _tool("fawtara"), "serve", "--host", LOOPBACK, "--port", str(port),
            "--workers", str(workers), "--no-access-log",
        ]  # fmt: skip
    else:
        argv = _granian("fawtara.app:app_from_env", workers, port, factory=True)
    return Server(f"fawtara ({server})", argv, env, port, log)


def baseline_server(
    workers: int, body: Path, log: Path, head: Path | None = None, server: str = "uvicorn"
) -> Server:
    """The do-nothing ASGI app (baseline.py) answering every request with the bytes of `body`
    (and the status and headers of `head`, see baseline.py), under the options `fawtara serve`
    gives uvicorn: auto loop and HTTP parser (uvloop, httptools), no access log, no server
    header; or under granian as `fawtara_server` runs Fawtara."""
    env = {**os.environ, "BENCH_BASELINE_BODY": str(body)}
    if head is not None:
        env["BENCH_BASELINE_HEAD"] = str(head)
    if server == "uvicorn":
        return bench_app("baseline:app", workers, env, log, name="baseline (uvicorn)")
    port = free_port()
    argv = [*_granian("baseline:app", workers, port), "--working-dir", str(BENCH)]
    return Server(f"baseline ({server})", argv, env, port, log)


def bench_app(
    app: str, workers: int, env: Mapping[str, str], log: Path, name: str | None = None
) -> Server:
    """An ASGI app of bench/ (`module:attribute`) under uvicorn with the options `fawtara
    serve` gives it: auto loop and HTTP parser (uvloop, httptools), no access log, no server
    header."""
    port = free_port()
    argv = [
        sys.executable, "-m", "uvicorn", app, "--app-dir", str(BENCH),
        "--host", LOOPBACK, "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--no-server-header", "--log-level", "warning",
    ]  # fmt: skip
    return Server(name or app, argv, env, port, log)


def _tool(name: str) -> str:
    """A command installed next to this interpreter (the venv's)."""
    path = Path(sys.executable).with_name(name)
    if not path.exists():
        raise RuntimeError(f"{path} is missing: pip install -e '.[bench]' installs it")
    return str(path)


def _granian(app: str, workers: int, port: int, *, factory: bool = False) -> list[str]:
    return [
        _tool("granian"), "--interface", "asgi", *(["--factory"] if factory else []), app,
        "--host", LOOPBACK, "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip


def save_answer(reply: Reply, folder: Path, name: str) -> tuple[Path, Path]:
    """Write a captured answer as baseline.py replays it: the body, and the status and headers
    (all but the ones every server makes itself: date, server). Returns (body, head)."""
    folder.mkdir(parents=True, exist_ok=True)
    body, head = folder / f"{name}.body", folder / f"{name}.head.json"
    body.write_bytes(reply.body)
    headers = [[k, v] for k, v in reply.headers.items() if k not in ("date", "server")]
    head.write_text(json.dumps({"status": reply.status, "headers": headers}))
    return body, head


def check_same_answer(
    server: Server, expected: Reply, method: str = "GET", path: str = "/", body: bytes = b""
) -> None:
    """Fail unless a server standing in for Fawtara (the baseline, an app of rungs.py) answers
    a request with the expected status, content type, length and body."""
    server.wait_ready("/")
    reply = request(server.port, method, path, {"content-type": "application/json"}, body)
    for name in ("content-type", "content-length"):
        if reply.headers.get(name) != expected.headers.get(name):
            raise RuntimeError(
                f"{server.name}: {name} {reply.headers.get(name)!r} differs from Fawtara's "
                f"{expected.headers.get(name)!r}"
            )
    if reply.status != expected.status or reply.body != expected.body:
        raise RuntimeError(f"{server.name} does not answer Fawtara's status and bytes")


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
    non_2xx: int = 0  # answers with a status other than 2xx or 3xx
    socket_errors: int = 0  # connect, read, write errors and timeouts
    walked: int = 0  # requests.lua in walk mode: the last line of its file it sent

    @property
    def ok(self) -> bool:
        return not self.errors


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNIT_MS[unit]


def parse_wrk(output: str) -> WrkResult:
    """Numbers from `wrk --latency` output."""
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in", output, re.MULTILINE)
    if rps is None or total is None or len(percentiles) != 4:
        raise ValueError(f"unexpected wrk output:\n{output}")
    errors = [
        line.strip()
        for line in output.splitlines()
        if line.strip().startswith(("Socket errors", "Non-2xx"))
    ]
    non_2xx = re.search(r"^\s+Non-2xx or 3xx responses: (\d+)", output, re.MULTILINE)
    sockets = re.search(r"^\s+Socket errors: (.*)$", output, re.MULTILINE)
    walked = re.search(r"^walked (\d+)$", output, re.MULTILINE)
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        requests=int(total.group(1)),
        p50_ms=_ms(percentiles["50"]),
        p75_ms=_ms(percentiles["75"]),
        p90_ms=_ms(percentiles["90"]),
        p99_ms=_ms(percentiles["99"]),
        errors="; ".join(errors),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in re.findall(r"\d+", sockets.group(1))) if sockets else 0,
        walked=int(walked.group(1)) if walked else 0,
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


def group_cpu(groups: Set[int] = frozenset(), parents: Set[int] = frozenset()) -> float:
    """CPU-seconds used so far by the live processes of these process groups, and by the
    processes `parents` and their children."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended while we looked
        fields = text[text.rindex(")") + 2 :].split()
        pid, parent, group = int(stat.parent.name), int(fields[1]), int(fields[2])
        if group in groups or pid in parents or parent in parents:
            total += int(fields[11]) + int(fields[12])
    return total / _TICK


def _own_cpu() -> float:
    """CPU-seconds of this process and its reaped children (wrk, once it has finished)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class OthersMeter:
    """How many CPUs, on average, programs other than ours (this process, its servers and
    wrk, and the processes `parents` with their children, e.g. a database server's) kept busy
    between `start()` and `stop()`."""

    def __init__(self, servers: Sequence[Server], parents: Sequence[int] = ()) -> None:
        self._groups = {server.pid for server in servers}
        self._parents = frozenset(parents)
        self._start = (0.0, 0.0, 0.0, 0.0)

    def _now(self) -> tuple[float, float, float, float]:
        return (
            time.monotonic(),
            _machine_busy(),
            group_cpu(self._groups, self._parents),
            _own_cpu(),
        )

    def start(self) -> None:
        self._start = self._now()

    def stop(self) -> float:
        end = self._now()
        wall, busy, servers, own = (b - a for a, b in zip(self._start, end, strict=True))
        return max(busy - servers - own, 0.0) / wall


class LogWatch:
    """The errors a server logs (uvicorn's "ERROR: Exception in ASGI application", granian's
    "[ERROR] …"), each named by the last exception line of its traceback, since the last look."""

    def __init__(self, log: Path) -> None:
        self._log = log
        self._offset = log.stat().st_size if log.exists() else 0

    def rewind(self) -> None:
        """Look at the whole log again."""
        self._offset = 0

    def new_errors(self) -> dict[str, int]:
        """{exception line: count} of the errors logged since the last call."""
        if not self._log.exists():
            return {}
        with self._log.open("rb") as file:
            file.seek(self._offset)
            text = file.read().decode(errors="replace")
        self._offset += len(text.encode(errors="replace"))
        found: dict[str, int] = {}
        for block in re.split(r"^.*ERROR.*$", text, flags=re.MULTILINE)[1:]:
            names = _EXCEPTION.findall(block)
            name = names[-1] if names else "an error without a traceback"
            found[name] = found.get(name, 0) + 1
        return found


# The last line of a traceback: `module.SomeError: message` (the message cut at SQLAlchemy's
# "(Background on this error …)" link).
_EXCEPTION = re.compile(
    r"^([A-Za-z_][\w.]*(?:Error|Exception|Disconnect|Timeout|Exit)\w*(?::[^\n]*?)?)"
    r"(?:\s*\(Background on this error.*)?$",
    re.MULTILINE,
)


# --- memory: RSS of a server's processes ----------------------------------------------------


def group_pids(group: int) -> list[int]:
    """The live processes of a process group (a server and the workers it started)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text[text.rindex(")") + 2 :].split()[2]) == group:
            pids.append(int(stat.parent.name))
    return pids


_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes(pid: int) -> int:
    """Resident set size of a process (0 once it has ended)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except OSError:
        return 0


@dataclass(frozen=True)
class Memory:
    """RSS of a server's processes over a run: the sum over its processes (supervisor and
    workers), as a median of the samples and at its peak, and the largest single process."""

    processes: int
    median_total_mb: float
    peak_total_mb: float
    peak_process_mb: float


class MemorySampler:
    """Samples the RSS of a server's processes every `interval` seconds, in a thread, between
    `start()` and `stop()`. The processes are listed at `start()` (a server's workers are
    started before it answers, and live as long as it)."""

    def __init__(self, server: Server, interval: float = 0.25) -> None:
        self._group = server.pid
        self._interval = interval
        self._samples: list[list[int]] = []
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        pids = group_pids(self._group)
        self._samples, self._done = [], threading.Event()

        def sample() -> None:
            while True:
                self._samples.append([rss_bytes(pid) for pid in pids])
                if self._done.wait(self._interval):
                    return

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()

    def stop(self) -> Memory:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        mb = 1024 * 1024
        totals = [sum(sample) / mb for sample in self._samples] or [0.0]
        largest = max((max(sample, default=0) for sample in self._samples), default=0)
        processes = max((sum(1 for rss in s if rss) for s in self._samples), default=0)
        return Memory(processes, statistics.median(totals), max(totals), largest / mb)


def python_build() -> str:
    """Which build of the interpreter this is. Builds of one Python version differ in speed
    (optimisation flags, profile-guided builds, a shared libpython: Debian's 3.11 served 10–20%
    more of Fawtara's reads than a plain source build here, bench/README.md), and sysconfig
    does not tell which optimisations went in; so: its build date, its compiler, and whether
    the running interpreter loaded libpython as a shared library."""
    name, built = platform.python_build()
    shared = "libpython" in Path("/proc/self/maps").read_text()
    linked = "shared libpython" if shared else "static libpython"
    return f"{name} build of {' '.join(built.split())}, {platform.python_compiler()}, {linked}"


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
