"""Datasets for the invoice benchmarks: one SQLite file per size under bench/out/, built once and
reused while its row counts and generator version still match; or a PostgreSQL database, loaded
with COPY from the same generator (built for each run: it lives on a server the run is given).

Every invoice has a client, 3 items and 2 payments. The first `API_INVOICES` are made through
the real API (POST /v1/invoices); the rest are bulk-inserted from the same generator. Before the
bulk insert into SQLite the rows the API wrote are compared, column by column, with the rows the
generator would write for the same ids, so bulk rows cannot drift from API ones.
"""

import json
import os
import secrets
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import harness
import postgres
import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from fawtara import migrate
from fawtara.invoices import totals

GENERATOR = 1  # bump when the rows change: stored datasets are then rebuilt
MASTER_KEY = "fawtara-bench-master-key-not-a-secret"
USERNAME, PASSWORD = "bench", "bench-password-not-a-secret"  # the Hesabe-style login
API_INVOICES = 2
CLIENTS_PER_INVOICE = 0.1  # each client has about ten invoices
_BATCH = 50_000  # invoices per transaction
_FAWTARA = str(Path(sys.executable).with_name("fawtara"))

_T0 = datetime(2024, 1, 1, 8, 0)  # invoice n is dated n minutes later (naive UTC)
_ITEMS = (  # description, type, qty_milli, amount_minor (QAR: 2 decimals)
    ("Website maintenance", "Service Item", 1_000, 150_000),
    ("Hosting (months)", "Product Item", 12_000, 4_550),
    ("Design workshop", "Service Item", 1_500, 80_000),
    ("Page templates", "Service Item", 6_000, 35_000),
    ("Support hours", "Service Item", 2_500, 22_500),
    ("SSL certificate", "Product Item", 1_000, 29_900),
    ("Domain renewal", "Product Item", 2_000, 5_500),
    ("Consulting (days)", "Service Item", 750, 60_000),
)
_PATTERNS = ("paid", "partially_paid", "unpaid")

CLIENT_COLUMNS = (
    "id", "merchant_id", "name", "address", "phone", "email", "notes", "created_at", "updated_at",
)  # fmt: skip
INVOICE_COLUMNS = (
    "id", "merchant_id", "number", "currency", "title", "terms_conditions", "note", "date",
    "due_date", "status", "type", "client_id", "link_token", "tax", "discount_type",
    "discount_minor", "discount_rate_bp", "language", "accept_card", "accept_bank_account",
    "accept_cash", "accept_paypal", "accept_e_signature", "total_minor", "paid_minor", "version",
    "created_at", "updated_at",
)  # fmt: skip
ITEM_COLUMNS = ("invoice_id", "position", "description", "type", "qty_milli", "amount_minor")
PAYMENT_COLUMNS = (
    "merchant_id", "invoice_id", "payment_date", "transaction_id", "amount_minor", "note",
    "payment_type", "status", "created_at",
)  # fmt: skip
# Written by the server from the clock or a random source: not compared with the generator.
_SERVER_CHOSEN = {"link_token", "created_at", "updated_at"}


@dataclass(frozen=True)
class Dataset:
    size: int
    url: str  # as FAWTARA_DATABASE_URL takes it
    # What `fawtara merchant create --json` printed: id, api_key, the Hesabe-style codes,
    # envelope key and IV, username and password.
    merchant: dict[str, Any]
    api_invoice_ids: tuple[int, ...]
    path: Path | None = None  # the SQLite file

    @property
    def api_key(self) -> str:
        key: str = self.merchant["api_key"]
        return key

    @property
    def clients(self) -> int:
        return client_count(self.size)

    def env(self) -> dict[str, str]:
        return server_env(self.url)

    def into_page_cache(self) -> None:
        """Read a SQLite file once, so a measurement starts with it in the OS page cache (the
        file is far smaller than this machine's memory) and only SQLite's work is measured."""
        if self.path is None:
            return
        with self.path.open("rb") as file:
            while file.read(16 << 20):
                pass


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def server_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "FAWTARA_DATABASE_URL": url,
        "FAWTARA_MASTER_KEY": MASTER_KEY,
        "FAWTARA_LOG_LEVEL": "warning",
        # Fixed, so the invoice link (and the response size) does not depend on the port.
        "FAWTARA_BASE_URL": "http://127.0.0.1:8000",
    }


def client_count(size: int) -> int:
    return max(int(size * CLIENTS_PER_INVOICE), API_INVOICES)


# --- the generator: a pure function of the invoice id -----------------------------------------


def _sql_time(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond:06d}"  # SQLAlchemy's SQLite format


_CLIENTS_SINCE = _sql_time(_T0)


def _choices(invoice_id: int) -> tuple[tuple[int, int, int], str]:
    mixed = (invoice_id * 0x9E3779B1) & 0xFFFFFFFF  # a cheap, fixed spread of the id's bits
    items = (mixed % 8, (mixed >> 3) % 8, (mixed >> 6) % 8)
    return items, _PATTERNS[(mixed >> 9) % 3]


class _Money(NamedTuple):
    total: int
    payments: tuple[int, int]
    payment_status: str
    paid: int
    status: str


@cache
def _money(items: tuple[int, int, int], pattern: str) -> _Money:
    """Totals, payments and status in minor units, by Fawtara's own totals rules."""
    lines = [(_ITEMS[i][2], _ITEMS[i][3]) for i in items]
    total = totals.compute(
        lines, discount_type="", discount_minor=0, discount_rate_bp=0, tax=False, tax_rate_bp=0,
        paid=0,
    ).total  # fmt: skip
    if pattern == "partially_paid":
        payments = (total // 4, total // 4)
    else:
        payments = (total // 2, total - total // 2)
    # Payments that are not "Paid" do not count: two pending payments leave the invoice unpaid.
    payment_status = "Pending" if pattern == "unpaid" else "Paid"
    paid = 0 if pattern == "unpaid" else sum(payments)
    status = totals.status_for(totals.Totals(total, 0, 0, total, paid))
    return _Money(total, payments, payment_status, paid, status)


def client_row(client_id: int, merchant_id: int) -> tuple[Any, ...]:
    return (
        client_id,
        merchant_id,
        f"Client {client_id} Trading W.L.L.",
        f"Building {client_id}, West Bay, Doha",
        f"+974 4{client_id % 10_000_000:07d}",
        f"accounts{client_id}@client{client_id}.example",
        "Invoices to the finance team.",
        _CLIENTS_SINCE,
        _CLIENTS_SINCE,
    )


def invoice_rows(
    invoice_id: int, merchant_id: int, clients: int
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The invoice, item and payment rows of one invoice, in the *_COLUMNS orders."""
    items, pattern = _choices(invoice_id)
    money = _money(items, pattern)
    date = _T0 + timedelta(minutes=invoice_id)
    when = _sql_time(date)
    invoice = (
        invoice_id, merchant_id, f"INV{invoice_id:05d}", "QAR", f"Services, batch {invoice_id}",
        "Payment due within 30 days.", "Thank you for your business.", when,
        _sql_time(date + timedelta(days=30)), money.status, "detailed",
        (invoice_id - 1) % clients + 1, secrets.token_urlsafe(24), 0, "", 0, 0, "en",
        1, 1, 1, 1, 1, money.total, money.paid, 1, when, when,
    )  # fmt: skip
    item_rows = [(invoice_id, position, *_ITEMS[i]) for position, i in enumerate(items)]
    payment_rows = [
        (merchant_id, invoice_id, _sql_time(date + timedelta(days=1 + 7 * k)),
         f"TXN-{invoice_id:07d}-{k + 1}", amount, ("Deposit", "Balance")[k],
         ("Card", "Bank transfer")[k], money.payment_status, when)
        for k, amount in enumerate(money.payments)
    ]  # fmt: skip
    return invoice, item_rows, payment_rows


def has_room(invoice_id: int) -> bool:
    """Whether the invoice is not fully paid, so a small payment on it is accepted."""
    return _choices(invoice_id)[1] != "paid"


def deletable_rows(
    invoice_id: int, merchant_id: int, clients: int
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """An invoice without payments (so it may be deleted), and its items: the generator's
    invoice, unpaid, numbered apart from the merchant's own sequence (DEL0000123)."""
    invoice, items, _payments = invoice_rows(invoice_id, merchant_id, clients)
    row = dict(zip(INVOICE_COLUMNS, invoice, strict=True))
    row.update(number=f"DEL{invoice_id:07d}", status="unpaid", paid_minor=0)
    return tuple(row.values()), items


def api_body(invoice_id: int, merchant_id: int, clients: int) -> dict[str, Any]:
    """The POST /v1/invoices body that should make the same rows as `invoice_rows`."""
    invoice, items, payments = invoice_rows(invoice_id, merchant_id, clients)
    row = dict(zip(INVOICE_COLUMNS, invoice, strict=True))
    client = dict(zip(CLIENT_COLUMNS, client_row(row["client_id"], merchant_id), strict=True))
    date = datetime.fromisoformat(row["date"]).replace(tzinfo=UTC)
    return {
        "date": date.isoformat(),
        "due_date": datetime.fromisoformat(row["due_date"]).isoformat(),
        "title": row["title"],
        "terms_conditions": row["terms_conditions"],
        "note": row["note"],
        "client": {k: client[k] for k in ("name", "address", "phone", "email", "notes")},
        "items": [
            {"description": d, "type": t, "qty": q / 1000, "amount": a / 100}
            for _id, _pos, d, t, q, a in items
        ],
        "payments": [
            {
                "payment_date": datetime.fromisoformat(p[2]).isoformat(),
                "transaction_id": p[3],
                "amount": p[4] / 100,
                "note": p[5],
                "payment_type": p[6],
                "status": p[7],
            }
            for p in payments
        ],
    }


# --- building and reusing ----------------------------------------------------------------------


def ensure(size: int, out: Path) -> Dataset:
    """The SQLite dataset of `size` invoices, built unless a matching one is already stored."""
    path, meta_path = out / f"invoices-{size}.db", out / f"invoices-{size}.json"
    meta = _reusable(path, meta_path, size)
    if meta is None:
        _remove(path, meta_path)
        meta = _build(size, path, out)
        meta_path.write_text(json.dumps(meta, indent=2))  # written last: marks a finished build
    else:
        print(f"[data] reusing {path.name} ({size:,} invoices)", flush=True)
    ids = tuple(meta["api_invoice_ids"])
    return Dataset(size, sqlite_url(path), meta["merchant"], ids, path)


def build_postgres(size: int, url: str, out: Path) -> Dataset:
    """The dataset of `size` invoices in the empty PostgreSQL database at `url`: the API makes
    the first invoices, COPY the rest (their rows are checked against the generator on SQLite,
    where `ensure` builds the same dataset)."""
    started = time.monotonic()
    name = make_url(url).database
    print(f"[data] loading {size:,} invoices into PostgreSQL database {name}", flush=True)
    merchant = _new_merchant(url)
    api_ids = _create_through_api(url, out, size, merchant["id"], merchant["api_key"])
    with psycopg.connect(postgres.plain(url)) as db:
        _copy(db, size, merchant["id"], first=len(api_ids) + 1)
        db.execute(
            "UPDATE merchants SET last_invoice_seq = %s WHERE id = %s", (size, merchant["id"])
        )
        db.commit()
        db.autocommit = True
        db.execute("VACUUM ANALYZE")  # fresh statistics and visibility map, as a live store has
    print(f"[data] loaded {name} in {time.monotonic() - started:.0f} s", flush=True)
    return Dataset(size, url, merchant, tuple(api_ids))


def add_deletable(dataset: Dataset, url: str, count: int) -> range:
    """Insert `count` deletable invoices (`deletable_rows`) after the last invoice of the
    database at `url` (a copy of `dataset`, whose server may be running but idle); their ids."""
    invoices: list[tuple[Any, ...]] = []
    items: list[tuple[Any, ...]] = []

    def rows(first: int) -> range:
        ids = range(first, first + count)
        for invoice_id in ids:
            invoice, item_rows = deletable_rows(invoice_id, dataset.merchant["id"], dataset.clients)
            invoices.append(invoice)
            items.extend(item_rows)
        return ids

    last = "SELECT coalesce(max(id), 0) FROM invoices"
    if url.startswith("sqlite"):
        with sqlite3.connect(make_url(url).database or "", isolation_level=None) as db:
            db.execute("PRAGMA busy_timeout=120000")  # behind writes the server still has queued
            db.execute("BEGIN IMMEDIATE")
            ids = rows(db.execute(last).fetchone()[0] + 1)
            _insert(db, "invoices", INVOICE_COLUMNS, invoices)
            _insert(db, "invoice_items", ITEM_COLUMNS, items)
            db.execute("COMMIT")
        db.close()
        return ids
    with psycopg.connect(postgres.plain(url)) as pg, pg.cursor() as cursor:
        ids = rows(cursor.execute(last).fetchone()[0] + 1)  # type: ignore[index]
        _copy_rows(cursor, "invoices", INVOICE_COLUMNS, invoices)
        _copy_rows(cursor, "invoice_items", ITEM_COLUMNS, items)
        _move_sequences(cursor)
        pg.commit()
    return ids


def _reusable(path: Path, meta_path: Path, size: int) -> dict[str, Any] | None:
    if not path.exists() or not meta_path.exists():
        return None
    meta: dict[str, Any] = json.loads(meta_path.read_text())
    if meta.get("generator") != GENERATOR or meta.get("size") != size or "merchant" not in meta:
        return None
    expected = {
        "invoices": size,
        "invoice_items": 3 * size,
        "payments": 2 * size,
        "clients": client_count(size),
    }
    with sqlite3.connect(path) as db:
        found = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in expected}
        last = db.execute("SELECT max(id) FROM invoices").fetchone()[0]
    db.close()
    if found != expected or last != size:
        return None
    engine = create_engine(f"sqlite:///{path.resolve()}")
    try:
        current = migrate.is_current(engine)  # a new migration may change what rows look like
    finally:
        engine.dispose()
    return meta if current else None


@contextmanager
def working_copy(dataset: Dataset, copy: Path) -> Iterator[str]:
    """A copy of a SQLite dataset for a run to write to (the stored one stays as built, for
    the next run), removed at the end; yields its URL."""
    assert dataset.path is not None
    _remove(copy)
    # SQLite's backup: a consistent copy, whatever a WAL file still holds.
    with sqlite3.connect(dataset.path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    source.close()
    target.close()
    try:
        yield sqlite_url(copy)
    finally:
        _remove(copy)


def _remove(*paths: Path) -> None:
    """Files and what SQLite or Fawtara keep beside them (WAL, shared memory, writers' turn)."""
    for path in paths:
        for extra in ("", "-wal", "-shm", "-writer.lock"):
            Path(f"{path}{extra}").unlink(missing_ok=True)


def _cli(url: str, *args: str) -> str:
    done = subprocess.run(
        [_FAWTARA, *args], env=server_env(url), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"fawtara {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _new_merchant(url: str) -> dict[str, Any]:
    """The merchant, made by the CLI (which migrates the database first), with every credential
    of both dialects."""
    argv = ("merchant", "create", "--name", "Bench Trading", "--username", USERNAME)
    merchant: dict[str, Any] = json.loads(_cli(url, *argv, "--password", PASSWORD, "--json"))
    return {**merchant, "password": PASSWORD}


def _build(size: int, path: Path, out: Path) -> dict[str, Any]:
    started = time.monotonic()
    print(f"[data] building {path.name}: {size:,} invoices", flush=True)
    url = sqlite_url(path)
    merchant = _new_merchant(url)
    api_ids = _create_through_api(url, out, size, merchant["id"], merchant["api_key"])
    with sqlite3.connect(path, isolation_level=None) as db:
        check_api_rows(db, merchant["id"], client_count(size), api_ids)
        _bulk_insert(db, size, merchant["id"], first=len(api_ids) + 1)
    db.close()
    print(f"[data] built {path.name} in {time.monotonic() - started:.0f} s", flush=True)
    return {
        "generator": GENERATOR,
        "size": size,
        "merchant": merchant,
        "api_invoice_ids": api_ids,
    }


def _create_through_api(
    url: str, out: Path, size: int, merchant_id: int, api_key: str
) -> list[int]:
    port = harness.free_port()
    argv = [_FAWTARA, "serve", "--host", harness.LOOPBACK, "--port", str(port), "--no-access-log"]
    clients = client_count(size)
    ids = []
    with harness.Server("fawtara", argv, server_env(url), port, out / "logs/build.log") as server:
        server.wait_ready("/v1/invoices/1", {"api_key": api_key})
        for invoice_id in range(1, API_INVOICES + 1):
            body = json.dumps(api_body(invoice_id, merchant_id, clients)).encode()
            headers = {"api_key": api_key, "content-type": "application/json"}
            reply = harness.request(port, "POST", "/v1/invoices", headers, body)
            if reply.status != 201:
                raise RuntimeError(f"POST /v1/invoices: {reply.status} {reply.body!r}")
            ids.append(json.loads(reply.body)["invoice"]["id"])
    if ids != list(range(1, API_INVOICES + 1)):
        raise RuntimeError(f"the API made invoices {ids}, expected ids 1..{API_INVOICES}")
    return ids


def check_api_rows(
    db: sqlite3.Connection, merchant_id: int, clients: int, ids: Sequence[int]
) -> None:
    """Fail unless the API wrote exactly the rows the generator makes for the same invoices."""
    for invoice_id in ids:
        invoice, items, payments = invoice_rows(invoice_id, merchant_id, clients)
        client_id = invoice[INVOICE_COLUMNS.index("client_id")]
        expected = {
            "clients": [client_row(client_id, merchant_id)],
            "invoices": [invoice],
            "invoice_items": items,
            "payments": payments,
        }
        columns = {
            "clients": CLIENT_COLUMNS,
            "invoices": INVOICE_COLUMNS,
            "invoice_items": ITEM_COLUMNS,
            "payments": PAYMENT_COLUMNS,
        }
        where = {
            "clients": ("id", client_id),
            "invoices": ("id", invoice_id),
            "invoice_items": ("invoice_id", invoice_id),
            "payments": ("invoice_id", invoice_id),
        }
        for table, rows in expected.items():
            key, value = where[table]
            names = ", ".join(columns[table])
            found = db.execute(
                f"SELECT {names} FROM {table} WHERE {key} = ? ORDER BY id", (value,)
            ).fetchall()
            _compare(table, columns[table], rows, found)


def _compare(
    table: str, columns: Sequence[str], expected: Sequence[tuple[Any, ...]], found: list[Any]
) -> None:
    if len(expected) != len(found):
        raise RuntimeError(f"{table}: the API wrote {len(found)} rows, generator {len(expected)}")
    for want, got in zip(expected, found, strict=True):
        for name, w, g in zip(columns, want, got, strict=True):
            same_kind = type(w) is type(g) and (name not in _SERVER_CHOSEN or len(w) == len(g))
            if not same_kind or (name not in _SERVER_CHOSEN and w != g):
                raise RuntimeError(
                    f"{table}.{name}: the API wrote {g!r}, the bulk generator writes {w!r}; "
                    "fix the generator in bench/invoice_data.py"
                )


def _batches(first: int, last: int) -> Iterator[range]:
    for start in range(first, last + 1, _BATCH):
        yield range(start, min(start + _BATCH, last + 1))


def _clients(size: int, merchant_id: int, first: int) -> Iterator[tuple[Any, ...]]:
    return (client_row(c, merchant_id) for c in range(first, client_count(size) + 1))


Rows = list[tuple[Any, ...]]


def _generated(size: int, merchant_id: int, first: int) -> Iterator[tuple[Rows, Rows, Rows]]:
    """The invoice, item and payment rows of invoices first..size, a batch at a time, with the
    progress on the terminal."""
    clients = client_count(size)
    started = time.monotonic()
    done = 0
    for batch in _batches(first, size):
        invoices, items, payments = [], [], []
        for invoice_id in batch:
            invoice, item_rows, payment_rows = invoice_rows(invoice_id, merchant_id, clients)
            invoices.append(invoice)
            items.extend(item_rows)
            payments.extend(payment_rows)
        yield invoices, items, payments
        done += len(batch)
        rate = done / (time.monotonic() - started)
        left = (size - first + 1 - done) / rate
        print(
            f"[data]   {batch[-1]:>9,} / {size:,} invoices  {rate:,.0f}/s  ~{left:.0f} s left",
            flush=True,
        )


def _bulk_insert(db: sqlite3.Connection, size: int, merchant_id: int, first: int) -> None:
    # Only this connection is open: a rollback journal is not needed for a file we would
    # rebuild anyway after a crash. WAL is restored at the end, as the server leaves it.
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1048576")  # 1 GiB: the indexes stay in memory while built
    db.execute("BEGIN")
    _insert(db, "clients", CLIENT_COLUMNS, _clients(size, merchant_id, first))
    db.execute("COMMIT")
    for invoices, items, payments in _generated(size, merchant_id, first):
        db.execute("BEGIN")
        _insert(db, "invoices", INVOICE_COLUMNS, invoices)
        _insert(db, "invoice_items", ITEM_COLUMNS, items)
        _insert(db, "payments", PAYMENT_COLUMNS, payments)
        db.execute("COMMIT")
    db.execute(f"UPDATE merchants SET last_invoice_seq = {size} WHERE id = {merchant_id}")
    db.execute("PRAGMA journal_mode=WAL")


def _insert(db: sqlite3.Connection, table: str, columns: Sequence[str], rows: Any) -> None:
    marks = ", ".join("?" * len(columns))
    db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


# --- PostgreSQL: the same rows through COPY ----------------------------------------------------


def _copy_rows(cursor: Any, table: str, columns: Sequence[str], rows: Any) -> None:
    # Text COPY: the generator's SQLite values (timestamps as text, booleans as 0/1) are valid
    # PostgreSQL input for the columns' types.
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _move_sequences(cursor: Any) -> None:
    """Rows came with their ids: move the id sequences past them."""
    for table in ("clients", "invoices", "invoice_items", "payments"):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )


def _copy(db: psycopg.Connection[Any], size: int, merchant_id: int, first: int) -> None:
    with db.cursor() as cursor:
        _copy_rows(cursor, "clients", CLIENT_COLUMNS, _clients(size, merchant_id, first))
        db.commit()
        for invoices, items, payments in _generated(size, merchant_id, first):
            _copy_rows(cursor, "invoices", INVOICE_COLUMNS, invoices)
            _copy_rows(cursor, "invoice_items", ITEM_COLUMNS, items)
            _copy_rows(cursor, "payments", PAYMENT_COLUMNS, payments)
            db.commit()
        _move_sequences(cursor)


def _shape(value: Any) -> Any:
    """The keys and JSON types of a value, without the values."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return type(value).__name__


def check_shapes(port: int, dataset: Dataset) -> harness.Reply:
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
