"""Benchmark the Hesabe-style bulk upload against inserting the same rows with the bare driver.

    .venv/bin/python bench/bulk_upload.py [--rows 100000] [--postgres-url URL] [--profile]

For each backend (SQLite always; PostgreSQL with --postgres-url or FAWTARA_BENCH_POSTGRES_URL):
start `fawtara serve` on a fresh database, send one `POST /api/v1/invoice-bulk-upload` with a
CSV of N rows, time it and read the server's peak memory (VmHWM); then insert the rows the server
wrote (clients, invoices, invoice items) into another fresh database with sqlite3 `executemany`
or psycopg `COPY`, check both databases hold the same rows, and report the ratio of the rates to
bench/out/bulk_upload.json. See bench/README.md.
"""

import argparse
import base64
import csv
import http.client
import importlib.metadata
import io
import json
import os
import platform
import random
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import harness
import postgres
import psycopg
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy import Engine

from fawtara.db import make_engine
from fawtara.invoices import bulk
from fawtara.invoices.numbering import format_number
from fawtara.invoices.schemas import QUICK
from fawtara.models import Client, Invoice, InvoiceItem
from fawtara.settings import Settings

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
UPLOAD = "/api/v1/invoice-bulk-upload"
MASTER_KEY = "fawtara-bench-master-key-not-a-secret"
USERNAME, PASSWORD = "bench-user", "bench-password-1"
CURRENCY = "KWD"
SEED = 20261121
REQUEST_TIMEOUT = 600  # seconds: 100,000 rows must not be cut short by the client
PROFILE_RATE = 100  # py-spy samples per second

# The targets this benchmark reports against.
MIN_SHARE_OF_RAW = 0.25
MAX_PEAK_MB = 300.0

# Columns the server fills from the clock or a random source: compared by type and length only.
SERVER_CHOSEN = {"link_token", "access_key", "date", "created_at", "updated_at"}


# --- the upload: N CSV rows, generated from a seed --------------------------------------------

_FIRST = ("Ahmed", "Fatima", "Yousef", "Maryam", "Khaled", "Noura", "Abdullah", "Sara", "Omar")
_LAST = ("Al-Sabah", "Al-Mutairi", "Al-Ajmi", "Al-Enezi", "Al-Rashidi", "Al-Shammari", "Hayat")
_DESCRIPTIONS = (
    "Monthly rent", "Tuition fees, term 2", "Maintenance visit", "Catering order",
    "Membership renewal", "Spare parts", "Consultation", "Delivery charges", None, None,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Line:
    """One CSV row, with the values the server keeps of it (email lower-cased, amount in fils)."""

    reference_number: str
    name: str
    phone: str
    email: str | None
    amount_minor: int  # KWD has 3 decimals: 12.345 is 12345
    description: str | None


def make_lines(count: int, seed: int = SEED) -> list[Line]:
    """Half the rows name a customer by email, drawn from count/5 of them (so they repeat, as a
    school's or landlord's customers do); the other half have no email."""
    rng = random.Random(seed)
    customers = max(count // 5, 1)
    lines = []
    for n in range(1, count + 1):
        if rng.random() < 0.5:
            c = rng.randrange(customers)
            name = f"{_FIRST[c % len(_FIRST)]} {_LAST[c // len(_FIRST) % len(_LAST)]}"
            phone, email = f"+9655{c:07d}", f"customer{c}@example.com"
        else:
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            phone, email = f"+9656{rng.randrange(10**7):07d}", None
        amount = rng.randrange(1_000, 2_500_000)  # 1.000 to 2,500.000 KWD
        lines.append(Line(f"REF-{n:06d}", name, phone, email, amount, rng.choice(_DESCRIPTIONS)))
    return lines


def csv_file(lines: Sequence[Line]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(("reference_number", "name", "phone", "email", "amount", "description"))
    for line in lines:
        amount = f"{line.amount_minor // 1000}.{line.amount_minor % 1000:03d}"
        writer.writerow(
            (line.reference_number, line.name, line.phone, line.email or "", amount,
             line.description or "")
        )  # fmt: skip
    return text.getvalue().encode()


# --- the rows the server writes for those lines -----------------------------------------------

CLIENT_COLUMNS = ("id", "merchant_id", "name", "phone", "email", "created_at", "updated_at")
INVOICE_COLUMNS = (
    "id", "merchant_id", "number", "currency", "title", "date", "status", "type", "client_id",
    "link_token", "tax", "discount_type", "discount_minor", "discount_rate_bp", "language",
    "accept_card", "accept_bank_account", "accept_cash", "accept_paypal", "accept_e_signature",
    "total_minor", "paid_minor", "reference_number", "delivery", "channel", "origin",
    "access_key", "version", "created_at", "updated_at",
)  # fmt: skip
ITEM_COLUMNS = ("id", "invoice_id", "position", "description", "type", "qty_milli", "amount_minor")


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def server_rows(lines: Sequence[Line], merchant_id: int, when: Any) -> list[Table]:
    """What `fawtara.invoices.bulk.create_many` writes for `lines` into an empty database,
    ids included: clients per chunk of `bulk.CHUNK` lines, new emails first, then one per line
    without an email; `when` is the timestamp as the backend's driver takes it."""
    clients: list[tuple[Any, ...]] = []
    invoices: list[tuple[Any, ...]] = []
    items: list[tuple[Any, ...]] = []
    by_email: dict[str, int] = {}
    for offset in range(0, len(lines), bulk.CHUNK):
        chunk = lines[offset : offset + bulk.CHUNK]
        new: dict[str, Line] = {}  # in the order of first appearance, as the server does
        for line in chunk:
            if line.email is not None and line.email not in by_email:
                new.setdefault(line.email, line)
        anonymous = [line for line in chunk if line.email is None]
        for line in (*new.values(), *anonymous):
            clients.append(
                (len(clients) + 1, merchant_id, line.name, line.phone, line.email, when, when)
            )
            if line.email is not None:
                by_email[line.email] = len(clients)
        without_email = iter(range(len(clients) - len(anonymous) + 1, len(clients) + 1))
        for line in chunk:
            invoice_id = len(invoices) + 1
            client_id = by_email[line.email] if line.email else next(without_email)
            invoices.append(
                (invoice_id, merchant_id, format_number(invoice_id), CURRENCY, line.description,
                 when, "unpaid", QUICK, client_id, secrets.token_urlsafe(24), False, "", 0, 0,
                 "en", True, True, True, True, True, line.amount_minor, 0, line.reference_number,
                 "link", "link", "bulk", secrets.token_hex(8), 1, when, when)
            )  # fmt: skip
            items.append(
                (invoice_id, invoice_id, 0, line.description or line.reference_number,
                 "Service Item", 1_000, line.amount_minor)
            )  # fmt: skip
    return [
        Table("clients", CLIENT_COLUMNS, clients),
        Table("invoices", INVOICE_COLUMNS, invoices),
        Table("invoice_items", ITEM_COLUMNS, items),
    ]


# --- backends ----------------------------------------------------------------------------------


class Backend(Protocol):
    name: str
    method: str  # how the raw baseline inserts

    def fresh(self, label: str) -> str:
        """A new empty database; its URL as FAWTARA_DATABASE_URL takes it."""
        ...

    def timestamp(self, value: datetime) -> Any:
        """A naive UTC datetime as this backend's driver stores it for SQLAlchemy."""
        ...

    def insert(self, connection: Any, tables: Sequence[Table]) -> float:
        """Insert the tables in one transaction; the seconds the inserts and commit took."""
        ...

    def cleanup(self) -> None: ...


class SQLite:
    name = "SQLite"
    method = "sqlite3 executemany"

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="fawtara-bulk-bench-"))

    def fresh(self, label: str) -> str:
        return f"sqlite:///{self._dir / f'{label}.db'}"

    def timestamp(self, value: datetime) -> str:
        return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond:06d}"  # SQLAlchemy's SQLite text

    def insert(self, connection: Any, tables: Sequence[Table]) -> float:
        db: sqlite3.Connection = connection
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")  # as the server begins a writing request
        for table in tables:
            marks = ", ".join("?" * len(table.columns))
            db.executemany(
                f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({marks})",
                table.rows,
            )
        db.execute("COMMIT")
        return time.perf_counter() - started

    def cleanup(self) -> None:
        for path in self._dir.iterdir():
            path.unlink()
        self._dir.rmdir()


class PostgreSQL:
    name = "PostgreSQL"
    method = "psycopg COPY"

    def __init__(self, url: str) -> None:
        self._databases = postgres.Databases(url)

    def fresh(self, label: str) -> str:
        return self._databases.fresh(label)

    def timestamp(self, value: datetime) -> datetime:
        return value

    def insert(self, connection: Any, tables: Sequence[Table]) -> float:
        db: psycopg.Connection[Any] = connection
        with db.cursor() as cursor:
            started = time.perf_counter()
            for table in tables:
                copy_sql = f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN"
                with cursor.copy(copy_sql) as copy:
                    for row in table.rows:
                        copy.write_row(row)
            db.commit()
            seconds = time.perf_counter() - started
            # Rows came with their ids: move the id sequences past them (not timed).
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT max(id) FROM {table.name}))"
                )
        db.commit()
        return seconds

    def cleanup(self) -> None:
        self._databases.drop_all()


@contextmanager
def driver_connection(url: str) -> Iterator[Any]:
    """A DB-API connection set up exactly as the server sets up its own (fawtara.db's engine:
    for SQLite WAL, synchronous=NORMAL, foreign keys on, BEGIN taken over)."""
    engine: Engine = make_engine(Settings(database_url=url, master_key=MASTER_KEY))
    pooled = engine.raw_connection()
    try:
        yield pooled.driver_connection
    finally:
        pooled.close()
        engine.dispose()


# --- one backend: the server's upload, then the raw inserts -----------------------------------


@dataclass(frozen=True)
class Result:
    backend: str
    rows: int
    server_seconds: float
    server_rows_per_second: float
    server_cpu_seconds: float  # CPU the server process used during the request
    rss_before_mb: float
    peak_rss_mb: float  # VmHWM, reset just before the request
    raw_seconds: float
    raw_rows_per_second: float
    raw_method: str
    clients: int
    invoices: int
    invoice_items: int

    @property
    def ratio(self) -> float:
        return self.server_rows_per_second / self.raw_rows_per_second


@dataclass(frozen=True)
class Upload:
    seconds: float
    cpu_seconds: float
    rss_before_mb: float
    peak_rss_mb: float

    def describe(self, rows: int) -> str:
        return (
            f"{rows:,} rows in {self.seconds:.2f} s ({rows / self.seconds:,.0f} rows/s), "
            f"server CPU {self.cpu_seconds:.2f} s, RSS {self.rss_before_mb:.0f} MB before, "
            f"peak {self.peak_rss_mb:.0f} MB"
        )


def measure(backend: Backend, lines: Sequence[Line], upload: bytes, profile: bool) -> Result:
    tag = backend.name.lower()
    print(f"[{tag}] server: fresh database, merchant, `fawtara serve`", flush=True)
    server_url = backend.fresh("server")
    sent = _upload(server_url, upload, len(lines), OUT / "logs" / f"bulk-upload-{tag}.log")
    print(f"[{tag}]   {sent.describe(len(lines))}", flush=True)
    if profile and not Profiler.available():
        print("[profile] skipped: install py-spy into the venv (.venv/bin/pip install py-spy)")
    elif profile:
        print(f"[{tag}] profile: the same upload on another fresh database, under py-spy")
        log = OUT / "logs" / f"bulk-upload-{tag}-profile.log"
        profiled = _upload(backend.fresh("profile"), upload, len(lines), log, tag)
        print(f"[{tag}]   under py-spy (not reported): {profiled.describe(len(lines))}")
    print(f"[{tag}] raw: fresh database, merchant, rows prepared in memory", flush=True)
    raw_url = backend.fresh("raw")
    merchant = _create_merchant(raw_url)
    tables = server_rows(lines, merchant["id"], backend.timestamp(datetime.now(UTC)))
    with driver_connection(raw_url) as connection:
        raw_seconds = backend.insert(connection, tables)
    print(
        f"[{tag}]   {backend.method}: {len(lines):,} rows in {raw_seconds:.2f} s "
        f"({len(lines) / raw_seconds:,.0f} rows/s)",
        flush=True,
    )
    counts = _check_same_rows(server_url, raw_url, merchant["id"], len(lines))
    print(f"[{tag}]   both databases hold the same rows: {counts}", flush=True)
    return Result(
        backend=backend.name,
        rows=len(lines),
        server_seconds=sent.seconds,
        server_rows_per_second=len(lines) / sent.seconds,
        server_cpu_seconds=sent.cpu_seconds,
        rss_before_mb=sent.rss_before_mb,
        peak_rss_mb=sent.peak_rss_mb,
        raw_seconds=raw_seconds,
        raw_rows_per_second=len(lines) / raw_seconds,
        raw_method=backend.method,
        **counts,
    )


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAWTARA_")}
    return {**env, "FAWTARA_DATABASE_URL": url, "FAWTARA_MASTER_KEY": MASTER_KEY}


def _fawtara(*args: str) -> list[str]:
    return [sys.executable, "-m", "fawtara", *args]


def _create_merchant(url: str) -> dict[str, Any]:
    """A Hesabe-style merchant made by the CLI, which also migrates the fresh database."""
    argv = _fawtara(
        "merchant", "create", "--name", "Bench", "--currency", CURRENCY,
        "--username", USERNAME, "--password", PASSWORD, "--json",
    )  # fmt: skip
    done = subprocess.run(argv, env=_env(url), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"fawtara merchant create failed:\n{done.stdout}\n{done.stderr}")
    merchant: dict[str, Any] = json.loads(done.stdout)
    return merchant


def _upload(url: str, upload: bytes, rows: int, log: Path, profile: str = "") -> Upload:
    """Upload the CSV to a server started fresh on `url`; with `profile`, under py-spy."""
    merchant = _create_merchant(url)
    port = harness.free_port()
    argv = _fawtara("serve", "--host", harness.LOOPBACK, "--port", str(port))
    with harness.Server("fawtara", argv, _env(url), port, log) as server:
        server.wait_ready("/openapi.json")
        headers = {
            "Authorization": f"Bearer {_login(port)}",
            "accessCode": merchant["access_code"],
            "Content-Type": "application/json",
        }
        payload = {
            "merchantCode": merchant["merchant_code"],
            "isScheduled": "0",
            "fileType": "csv",
            "invoices": base64.b64encode(upload).decode(),
        }
        body = json.dumps({"data": _seal(payload, merchant)}).encode()
        # The login's Argon2 hash takes 64 MB; start the high-water mark from what is left.
        Path(f"/proc/{server.pid}/clear_refs").write_text("5")
        before, cpu_before = _memory(server.pid), _cpu(server.pid)
        if profile:
            with Profiler(server.pid, profile) as profiler:
                seconds, status, answer = _post(port, headers, body)
            print(profiler.report(), flush=True)
        else:
            seconds, status, answer = _post(port, headers, body)
        after, cpu_after = _memory(server.pid), _cpu(server.pid)
    if status != 200:
        raise RuntimeError(f"upload answered {status}: {answer[:2000]!r}\n(log: {log})")
    opened = _open(json.loads(answer)["response"], merchant)
    if opened.get("message") != "Invoices uploaded successfully" or (
        opened["response"]["count"] != rows
    ):
        raise RuntimeError(f"unexpected answer to the upload: {opened}")
    return Upload(seconds, cpu_after - cpu_before, before["VmRSS"], after["VmHWM"])


def _login(port: int) -> str:
    body = json.dumps({"username": USERNAME, "password": PASSWORD}).encode()
    reply = harness.request(
        port, "POST", "/api/v1/login", {"Content-Type": "application/json"}, body
    )
    if reply.status != 200:
        raise RuntimeError(f"login answered {reply.status}: {reply.body!r}")
    token: str = json.loads(reply.body)["response"]["token"]["access_token"]
    return token


def _post(port: int, headers: dict[str, str], body: bytes) -> tuple[float, int, bytes]:
    """One request, timed from sending it to having read the whole answer."""
    conn = http.client.HTTPConnection(harness.LOOPBACK, port, timeout=REQUEST_TIMEOUT)
    try:
        conn.connect()
        started = time.perf_counter()
        conn.request("POST", UPLOAD, body=body, headers=headers)
        response = conn.getresponse()
        answer = response.read()
        return time.perf_counter() - started, response.status, answer
    finally:
        conn.close()


# The Hesabe envelope, as a merchant's client does it: AES-256-CBC with the key and IV as ASCII,
# padded to 32 bytes with N bytes of value N, as lowercase hex.


def _cipher(merchant: dict[str, Any]) -> Cipher[modes.CBC]:
    key, iv = merchant["secret_key"].encode(), merchant["iv"].encode()
    return Cipher(algorithms.AES(key), modes.CBC(iv))


def _seal(value: Any, merchant: dict[str, Any]) -> str:
    plain = json.dumps(value, separators=(",", ":")).encode()
    n = 32 - len(plain) % 32
    encryptor = _cipher(merchant).encryptor()
    return (encryptor.update(plain + bytes([n]) * n) + encryptor.finalize()).hex()


def _open(hex_text: str, merchant: dict[str, Any]) -> Any:
    decryptor = _cipher(merchant).decryptor()
    padded = decryptor.update(bytes.fromhex(hex_text)) + decryptor.finalize()
    return json.loads(padded[: -padded[-1]])


def _memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) / 1024  # kB
    return found


def _cpu(pid: int) -> float:
    """CPU-seconds a process has used so far (user and system)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _check_same_rows(server_url: str, raw_url: str, merchant_id: int, rows: int) -> dict[str, int]:
    """Fail unless both databases hold `rows` invoices, each with the same columns, client and
    item (ids aside; server-chosen values by type and length); returns the row counts."""
    with driver_connection(server_url) as server, driver_connection(raw_url) as raw:
        counts = {}
        owned = f"merchant_id = {merchant_id}"
        for table, where in (
            ("clients", owned),
            ("invoices", owned),
            ("invoice_items", f"invoice_id IN (SELECT id FROM invoices WHERE {owned})"),
        ):
            sql = f"SELECT count(*) FROM {table} WHERE {where}"
            found = [db.execute(sql).fetchone()[0] for db in (server, raw)]
            if found[0] != found[1]:
                raise RuntimeError(f"{table}: the server wrote {found[0]} rows, raw {found[1]}")
            counts[table] = found[0]
        if counts["invoices"] != rows:
            raise RuntimeError(f"{counts['invoices']} invoices after the upload, not {rows}")
        columns, query = _joined_query(merchant_id)
        for got, want in zip(server.execute(query), raw.execute(query), strict=True):
            _compare(columns, got, want)
    return counts


def _joined_query(merchant_id: int) -> tuple[list[str], str]:
    """Every column of each invoice, its client and its item, from the models (so a column
    added later is compared too), leaving out the ids that link them."""
    tables = {"i": Invoice, "c": Client, "t": InvoiceItem}
    columns = [
        f"{alias}.{column.name}"
        for alias, model in tables.items()
        for column in model.__table__.columns
        if column.name not in ("id", "client_id", "invoice_id")
    ]
    query = (
        f"SELECT {', '.join(columns)} FROM invoices i "
        "JOIN clients c ON c.id = i.client_id JOIN invoice_items t ON t.invoice_id = i.id "
        f"WHERE i.merchant_id = {merchant_id} ORDER BY i.number"
    )
    return columns, query


def _compare(columns: Sequence[str], got: Sequence[Any], want: Sequence[Any]) -> None:
    for column, g, w in zip(columns, got, want, strict=True):
        name = column.partition(".")[2]
        if name in SERVER_CHOSEN:
            same = type(g) is type(w) and (not isinstance(g, str) or len(g) == len(w))
        else:
            same = type(g) is type(w) and g == w
        if not same:
            raise RuntimeError(
                f"{column}: the server wrote {g!r}, the raw insert {w!r} (row {got}); "
                "fix server_rows in bench/bulk_upload.py"
            )


# --- profile -----------------------------------------------------------------------------------


class Profiler:
    """While the upload runs: py-spy samples every thread of the server (not only the one
    holding the GIL: SQLite and psycopg work without it), and every half second a timeline
    notes the server's RSS and what it is doing (`py-spy dump`). Prints both at the end."""

    def __init__(self, pid: int, tag: str) -> None:
        self.pid = pid
        self.raw = OUT / f"bulk-upload-profile-{tag}.txt"
        self.timeline: list[tuple[float, float, str]] = []  # seconds, RSS MB, doing
        self._spy = str(Path(sys.executable).with_name("py-spy"))
        self._record: subprocess.Popen[bytes] | None = None
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def available() -> bool:
        return Path(sys.executable).with_name("py-spy").exists()

    def __enter__(self) -> "Profiler":
        argv = [
            self._spy, "record", "--pid", str(self.pid), "--nonblocking",
            f"--rate={PROFILE_RATE}", "--format=raw", f"--output={self.raw}",
        ]  # fmt: skip
        self._record = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)  # attached before the request starts
        self._sampler.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._sampler.join()
        if self._record is not None:
            self._record.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
            self._record.wait(timeout=60)

    def _sample(self) -> None:
        started = time.perf_counter()
        while not self._done.wait(0.5):
            rss = _memory(self.pid)["VmRSS"]
            dump = subprocess.run(
                [self._spy, "dump", "--pid", str(self.pid), "--nonblocking"],
                capture_output=True, text=True, timeout=30, check=False,
            )  # fmt: skip
            self.timeline.append((time.perf_counter() - started, rss, _doing(dump.stdout)))

    def report(self) -> str:
        text = summarise(self.raw) + _timeline(self.timeline)
        self.raw.with_suffix(".summary.txt").write_text(text)
        return text


def _doing(dump: str) -> str:
    """What the busy threads of a `py-spy dump` are in: the innermost Fawtara frame of each,
    with the frame it is running (innermost first in a dump); "waiting" if no thread is busy."""
    doing, frames, active = [], [], False
    for line in [*dump.splitlines(), "Thread end"]:
        if line.startswith("Thread "):
            if active and frames:
                ours = next((f for f in frames if "(fawtara/" in f), "")
                doing.append(f"{ours} <- {frames[0]}" if ours else frames[0])
            frames, active = [], "(active" in line
        elif line.startswith("    ") and active:
            frames.append(line.strip())
    return " | ".join(doing) or "waiting"


def _timeline(samples: Sequence[tuple[float, float, str]]) -> str:
    """Runs of samples with the same innermost Fawtara frame, with the RSS over each run."""
    lines = ["  timeline (every 0.5 s: RSS, innermost Fawtara frame <- running frame):"]
    runs: list[list[tuple[float, float, str]]] = []
    for sample in samples:
        if runs and runs[-1][0][2].split(" <- ")[0] == sample[2].split(" <- ")[0]:
            runs[-1].append(sample)
        else:
            runs.append([sample])
    for run in runs:
        rss = [s[1] for s in run]
        lines.append(
            f"    {run[0][0]:5.1f}-{run[-1][0]:5.1f} s  RSS {min(rss):4.0f}-{max(rss):4.0f} MB"
            f"  {run[0][2]}"
        )
    return "\n".join(lines) + "\n"


def summarise(raw: Path) -> str:
    """Share of the samples (any thread running, idle ones left out) by Fawtara function
    (inclusive) and by function and package (self)."""
    own, packages, inclusive = Counter[str](), Counter[str](), Counter[str]()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        own[frames[-1]] += int(count)
        where = frames[-1].rpartition("(")[2]
        packages[where.split("/")[0].split(".py")[0]] += int(count)
        for frame in set(frames):
            if "(fawtara/" in frame:
                inclusive[frame] += int(count)
    total = sum(own.values())
    lines = [
        f"[profile] {raw.name}: {total} samples ({total / PROFILE_RATE:.1f} thread-seconds)",
        "  Fawtara functions, inclusive:",
        *(f"    {n / total:6.1%}  {name}" for name, n in inclusive.most_common(20)),
        "  self time, top functions:",
        *(f"    {n / total:6.1%}  {name}" for name, n in own.most_common(15)),
        "  self time by package:",
        *(f"    {n / total:6.1%}  {name}" for name, n in packages.most_common(8)),
    ]
    return "\n".join(lines) + "\n"


# --- report ------------------------------------------------------------------------------------


def main() -> None:
    args = _arguments()
    OUT.mkdir(exist_ok=True)
    source = harness.source()
    started = time.monotonic()
    print(f"[data] generating {args.rows:,} CSV rows (seed {SEED})", flush=True)
    lines = make_lines(args.rows)
    upload = csv_file(lines)
    emails = len({line.email for line in lines if line.email})
    with_email = sum(1 for line in lines if line.email)
    print(
        f"[data]   {len(upload) / 1e6:.1f} MB of CSV; {with_email:,} rows with an email "
        f"({emails:,} distinct), {args.rows - with_email:,} without",
        flush=True,
    )
    backends: list[Backend] = [SQLite()]
    if args.postgres_url:
        backends.append(PostgreSQL(args.postgres_url))
    results = []
    with harness.stop_on_signals():
        for backend in backends:
            try:
                results.append(measure(backend, lines, upload, args.profile))
            finally:
                backend.cleanup()
    context = {
        "run": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "minutes": round((time.monotonic() - started) / 60, 1),
        "command": _command(args),
        "fawtara": source,
        "machine": f"{os.cpu_count()} CPUs ({_cpu_model()}), load average {_load()}",
        "versions": _versions(),
        "csv_bytes": len(upload),
        "rows_with_email": with_email,
        "distinct_emails": emails,
    }
    if harness.source() != source:
        context["fawtara_at_end"] = harness.source()
        print("WARNING: Fawtara's code changed during the run; the figures may mix versions")
    document = {"context": context, "results": [asdict(r) | {"ratio": r.ratio} for r in results]}
    (OUT / "bulk_upload.json").write_text(json.dumps(document, indent=2))
    print(f"\n{_report(results, context)}\nWritten to {OUT / 'bulk_upload.json'}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="CSV rows (server max 100,000)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("FAWTARA_BENCH_POSTGRES_URL"),
        help="a PostgreSQL server to make (and drop) fresh databases on; "
        "default $FAWTARA_BENCH_POSTGRES_URL, else SQLite only",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also upload once more under py-spy (not timed) and print where the time goes",
    )
    args = parser.parse_args()
    if args.rows < 1:
        parser.error("--rows must be positive")
    return args


def _report(results: Sequence[Result], context: dict[str, Any]) -> str:
    header = (
        "| backend | rows | server | server rows/s | raw | raw rows/s | server/raw "
        "| RSS before | peak RSS |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    rows = [
        f"| {r.backend} | {r.rows:,} | {r.server_seconds:.2f} s | {r.server_rows_per_second:,.0f} "
        f"| {r.raw_seconds:.2f} s ({r.raw_method}) | {r.raw_rows_per_second:,.0f} "
        f"| {r.ratio:.2f} | {r.rss_before_mb:.0f} MB | {r.peak_rss_mb:.0f} MB |"
        for r in results
    ]
    targets = [
        f"- {r.backend}: server/raw {r.ratio:.2f} "
        f"({'meets' if r.ratio >= MIN_SHARE_OF_RAW else 'misses'} ≥ {MIN_SHARE_OF_RAW}), "
        f"peak RSS {r.peak_rss_mb:.0f} MB "
        f"({'meets' if r.peak_rss_mb < MAX_PEAK_MB else 'misses'} < {MAX_PEAK_MB:.0f} MB)"
        for r in results
    ]
    return "\n".join(
        [
            "# POST /api/v1/invoice-bulk-upload against raw inserts of the same rows",
            "",
            f"Run {context['run']} in {context['minutes']} min: `{context['command']}`.  ",
            f"Machine: {context['machine']}.  ",
            f"Fawtara: {context['fawtara']}.  ",
            f"{context['versions']}.",
            "",
            header,
            *rows,
            "",
            "Targets:",
            "",
            *targets,
        ]
    )


def _command(args: argparse.Namespace) -> str:
    """The command line, without the PostgreSQL URL (it may hold a password)."""
    shown = ["bench/bulk_upload.py", f"--rows {args.rows}"]
    if args.postgres_url:
        shown.append("--postgres-url URL")
    if args.profile:
        shown.append("--profile")
    return " ".join(shown)


def _versions() -> str:
    names = ("sqlalchemy", "psycopg", "uvicorn", "fastapi")
    found = ", ".join(f"{name} {importlib.metadata.version(name)}" for name in names)
    return f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {found}"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
