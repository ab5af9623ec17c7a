"""The operations the performance suite measures. For each: the requests wrk sends (a file of
requests for requests.lua), and the check that Fawtara answers them as a client expects, whose
answer the baseline then replays byte for byte.

A `Store` is the invoices they run against (a copy of a dataset: the writes change it), the
merchant's credentials for both dialects, and the pools of invoices made to be deleted.
"""

import json
import math
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import harness
import invoice_data
import postgres
import psycopg
from sqlalchemy.engine import make_url

from fawtara.envelope import Envelope

LIST_PAGES = 10  # the list fetches one of the newest pages of 20 invoices
PAYMENT = {"amount": 0.01, "payment_type": "Cash", "note": "bench"}  # 0.01 QAR: always room
MAX_LINES = 50_000  # lines of a request file drawn at random (payments: invoices with room)
FIRST_RATE_GUESS = 5_000  # deletes/second assumed before one is measured: sizes the pool


@dataclass(frozen=True)
class Operation:
    name: str  # as --only takes it
    dialect: str
    label: str  # the request, for the tables
    write: bool = False
    walk: bool = False  # each request deletes an invoice: every line of the file is sent once


OPERATIONS = (
    Operation("get", "Fatora", "GET /v1/invoices/{id}"),
    Operation("list", "Fatora", f"GET /v1/invoices?page=1..{LIST_PAGES}&page_size=20"),
    Operation("create", "Fatora", "POST /v1/invoices", write=True),
    Operation("payment", "Fatora", "POST /v1/invoices/{id}/payments", write=True),
    Operation("delete", "Fatora", "DELETE /v1/invoices/{id}", write=True, walk=True),
    Operation("hesabe-get", "Hesabe", "GET /api/v1/invoice/{id}?data=…"),
    Operation(
        "hesabe-delete", "Hesabe", "DELETE /api/v1/invoice-bulk-upload/{id}", write=True, walk=True
    ),
)
BY_NAME = {operation.name: operation for operation in OPERATIONS}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: str = ""

    def line(self) -> str:
        return f"{self.method}\t{self.path}\t{self.body}"

    def send(self, port: int, headers: dict[str, str], timeout: float = 30) -> harness.Reply:
        return harness.request(port, self.method, self.path, headers, self.body.encode(), timeout)


Check = Callable[[int, harness.Reply], None]  # port, the answer to the sample request


@dataclass(frozen=True)
class Requests:
    """What requests.lua sends for an operation, and how to check Fawtara's answer."""

    file: Path
    headers: dict[str, str]
    sample: Request  # sent once before measuring; its answer is checked and replayed
    check: Check
    low: int = 1  # "{n}" in a line becomes a random number in low..high
    high: int = 1
    walk: bool = False

    def script_args(self, seed: int, threads: int, walk: bool) -> list[str]:
        """requests.lua's arguments; the baseline draws at random even for a walk (it deletes
        nothing, and would run past the end of the file)."""
        return [
            f"file={self.file}", f"mode={'walk' if walk else 'random'}", f"seed={seed}",
            f"low={self.low}", f"high={self.high}", f"threads={threads}",
            *(f"header={name}: {value}" for name, value in self.headers.items()),
        ]  # fmt: skip


class Pool:
    """Invoices made to be deleted by one operation, each deleted once, in id order. They are
    made (invoice_data.add_deletable) when a run needs more than are left, sized by the fastest
    rate of deletes seen so far."""

    def __init__(self, store: "Store") -> None:
        self._store = store
        self._ids: list[int] = []
        self.rate = float(FIRST_RATE_GUESS)

    def ids_for(self, seconds: float, connections: int) -> list[int]:
        """The ids left, at least enough for a run of `seconds`."""
        need = math.ceil(self.rate * seconds * 1.5) + connections + 100
        if len(self._ids) < need:
            self._ids.extend(invoice_data.add_deletable(self._store.dataset, self._store.url, need))
        return self._ids

    def take(self) -> int:
        return self.ids_for(0, 0).pop(0)

    def used(self, lines: int, rate: float) -> None:
        """After a walk: the first `lines` ids were sent (or skipped); the run went at `rate`."""
        del self._ids[:lines]
        self.rate = max(self.rate, rate)


class Store:
    def __init__(self, dataset: invoice_data.Dataset, url: str, folder: Path) -> None:
        self.dataset = dataset
        self.url = url
        self.folder = folder
        self.merchant = dataset.merchant
        self.envelope = Envelope(self.merchant["secret_key"], self.merchant["iv"])
        self.pools = {op.name: Pool(self) for op in OPERATIONS if op.walk}
        self.token = ""  # the Hesabe-style access token: login() on each new server

    def login(self, port: int) -> None:
        """A real Hesabe-style login (Argon2), as a merchant's integration does."""
        body = {"username": self.merchant["username"], "password": self.merchant["password"]}
        reply = Request("POST", "/api/v1/login", json.dumps(body)).send(port, _JSON)
        _expect(reply, 200, "login")
        self.token = json.loads(reply.body)["response"]["token"]["access_token"]

    def fatora_headers(self) -> dict[str, str]:
        return {"api_key": self.merchant["api_key"], **_JSON}

    def hesabe_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "accessCode": self.merchant["access_code"]}

    def sealed(self) -> str:
        """The sealed payload of a get or delete: it holds only the merchantCode. (The envelope
        has a fixed key and IV, so sealing it again for each id gives the same text.)"""
        return self.envelope.seal({"merchantCode": self.merchant["merchant_code"]})

    def opened(self, reply: harness.Reply) -> Any:
        body = json.loads(reply.body)
        if list(body) != ["response"]:
            raise RuntimeError(f"not a sealed answer: {reply.body[:300]!r}")
        return self.envelope.open(body["response"])

    def requests(self, name: str) -> Requests:
        """The requests of operation `name`. A walk's sample deletes one invoice of its pool;
        call `refill` before each run that walks its file."""
        return _MAKERS[name](self)

    def refill(self, name: str, seconds: float, connections: int) -> None:
        """Write a walk's file anew: the invoices of its pool not yet deleted, at least enough
        for a run of `seconds` at `connections`."""
        ids = self.pools[name].ids_for(seconds, connections)
        self.write(name, [_WALKS[name](self, invoice_id) for invoice_id in ids])

    def settle(self, port: int, timeout: float = 120) -> float:
        """Wait until the server at `port` has finished the work a run left it: requests queued
        behind the database's lock, a connection pool or the thread pool go on after wrk stops
        waiting for them. Settled: four checks in a row, 0.1 s apart, find the database free of
        other transactions and the server answering a small read (a client) within a second.
        Seconds waited beyond those checks."""
        started = time.monotonic()
        quiet = 0
        while quiet < 4 and time.monotonic() - started < timeout:
            quiet = 0 if _busy(self.url) or not self._answers(port) else quiet + 1
            time.sleep(0.1)
        return max(time.monotonic() - started - 0.4, 0.0)

    def _answers(self, port: int) -> bool:
        try:
            reply = Request("GET", "/v1/clients/1").send(port, self.fatora_headers(), timeout=1)
        except OSError:  # timed out: a worker is still stuck
            return False
        return reply.status == 200

    def write(self, name: str, requests: list[Request]) -> Path:
        path = self.folder / f"requests-{name}.txt"
        path.write_text("".join(f"{r.line()}\n" for r in requests))
        return path


_JSON = {"Content-Type": "application/json"}


def _busy(url: str) -> bool:
    """Whether another connection is in a transaction on the database: on SQLite, whether its
    write lock is taken; on PostgreSQL, whether any other session is not idle."""
    if url.startswith("sqlite"):
        db = sqlite3.connect(make_url(url).database or "", isolation_level=None, timeout=0)
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            db.close()
    with psycopg.connect(postgres.plain(url), autocommit=True) as pg:
        row = pg.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state <> 'idle'"
        ).fetchone()
    return bool(row and row[0])


def _expect(reply: harness.Reply, status: int, what: str) -> Any:
    """The parsed JSON body of an answer with the expected status (None for an empty body)."""
    if reply.status != status:
        raise RuntimeError(f"{what}: expected {status}, got {reply.status}: {reply.body[:500]!r}")
    return json.loads(reply.body) if reply.body else None


def _success(reply: harness.Reply, status: int, what: str) -> dict[str, Any]:
    body = _expect(reply, status, what)
    if not isinstance(body, dict) or body.get("status") != "SUCCESS":
        raise RuntimeError(f"{what}: not a Fatora-style success: {reply.body[:500]!r}")
    return body


# --- the operations --------------------------------------------------------------------------


def _get(store: Store) -> Requests:
    size = store.dataset.size
    sample = Request("GET", f"/v1/invoices/{size // 2}")

    def check(_port: int, reply: harness.Reply) -> None:
        invoice = _success(reply, 200, "get")["invoice"]
        if invoice["id"] != size // 2 or len(invoice["items"]) != 3:
            raise RuntimeError(f"get: not invoice {size // 2} with 3 items: {invoice}")

    file = store.write("get", [Request("GET", "/v1/invoices/{n}")])
    return Requests(file, store.fatora_headers(), sample, check, low=1, high=size)


def _list(store: Store) -> Requests:
    sample = Request("GET", "/v1/invoices?page=1&page_size=20")

    def check(_port: int, reply: harness.Reply) -> None:
        body = _success(reply, 200, "list")
        if len(body["invoices"]) != 20 or body["total"] < store.dataset.size:
            raise RuntimeError(f"list: expected 20 of ≥ {store.dataset.size:,} invoices: {body}")

    file = store.write("list", [Request("GET", "/v1/invoices?page={n}&page_size=20")])
    return Requests(file, store.fatora_headers(), sample, check, low=1, high=LIST_PAGES)


def _create(store: Store) -> Requests:
    """Detailed invoices for existing clients (found by email), 3 items each: the generator's
    invoices for random ids, without their payments."""
    rng = random.Random(1)
    merchant, size, clients = store.merchant["id"], store.dataset.size, store.dataset.clients
    bodies = []
    for invoice_id in rng.sample(range(1, size + 1), min(size, 500)):
        body = invoice_data.api_body(invoice_id, merchant, clients)
        del body["payments"]
        bodies.append(Request("POST", "/v1/invoices", json.dumps(body, separators=(",", ":"))))

    def check(_port: int, reply: harness.Reply) -> None:
        invoice = _success(reply, 201, "create")["invoice"]
        expected = json.loads(bodies[0].body)
        if (
            len(invoice["items"]) != 3
            or invoice["client"]["email"] != (expected["client"]["email"])
        ):
            raise RuntimeError(f"create: not the invoice sent: {invoice}")

    return Requests(store.write("create", bodies), store.fatora_headers(), bodies[0], check)


def _payment(store: Store) -> Requests:
    rng = random.Random(2)
    size = store.dataset.size
    # Not the invoices whose answers are checked for their shape (invoice_data.check_shapes) and
    # replayed by the get's baseline: those keep their two payments.
    kept = {*store.dataset.api_invoice_ids, size // 2, size}
    ids = [i for i in range(1, size + 1) if invoice_data.has_room(i) and i not in kept]
    ids = rng.sample(ids, min(len(ids), MAX_LINES))
    body = json.dumps(PAYMENT, separators=(",", ":"))
    lines = [Request("POST", f"/v1/invoices/{i}/payments", body) for i in ids]

    def check(_port: int, reply: harness.Reply) -> None:
        invoice = _success(reply, 201, "payment")["invoice"]
        if invoice["id"] != ids[0] or invoice["payments"][-1]["amount"] != PAYMENT["amount"]:
            raise RuntimeError(f"payment: not recorded on invoice {ids[0]}: {invoice}")

    return Requests(store.write("payment", lines), store.fatora_headers(), lines[0], check)


def _delete_line(_store: Store, invoice_id: int) -> Request:
    return Request("DELETE", f"/v1/invoices/{invoice_id}")


def _delete(store: Store) -> Requests:
    sample = _delete_line(store, store.pools["delete"].take())

    def check(port: int, reply: harness.Reply) -> None:
        _expect(reply, 204, "delete")
        again = Request("GET", sample.path).send(port, store.fatora_headers())
        _expect(again, 404, "get after delete")

    file = store.write("delete", [sample])  # refill() writes the pool's invoices
    return Requests(file, store.fatora_headers(), sample, check, walk=True)


def _hesabe_get(store: Store) -> Requests:
    size = store.dataset.size
    data = store.sealed()
    sample = Request("GET", f"/api/v1/invoice/{size // 2}?data={data}")

    def check(_port: int, reply: harness.Reply) -> None:
        _expect(reply, 200, "hesabe-get")
        opened = store.opened(reply)
        if opened["status"] is not True or opened["response"]["id"] != size // 2:
            raise RuntimeError(f"hesabe-get: not invoice {size // 2}: {opened}")

    file = store.write("hesabe-get", [Request("GET", f"/api/v1/invoice/{{n}}?data={data}")])
    return Requests(file, store.hesabe_headers(), sample, check, low=1, high=size)


def _hesabe_delete_line(store: Store, invoice_id: int) -> Request:
    body = json.dumps({"data": store.sealed()})
    return Request("DELETE", f"/api/v1/invoice-bulk-upload/{invoice_id}", body)


def _hesabe_delete(store: Store) -> Requests:
    sample = _hesabe_delete_line(store, store.pools["hesabe-delete"].take())
    headers = {**store.hesabe_headers(), **_JSON}

    def check(port: int, reply: harness.Reply) -> None:
        _expect(reply, 200, "hesabe-delete")
        opened = store.opened(reply)
        if opened != {"status": True, "message": "Invoice has been deleted", "response": None}:
            raise RuntimeError(f"hesabe-delete: unexpected answer {opened}")
        invoice_id = sample.path.rsplit("/", 1)[1]
        again = Request("GET", f"/v1/invoices/{invoice_id}").send(port, store.fatora_headers())
        _expect(again, 404, "get after hesabe-delete")

    file = store.write("hesabe-delete", [sample])  # refill() writes the pool's invoices
    return Requests(file, headers, sample, check, walk=True)


_MAKERS: dict[str, Callable[[Store], Requests]] = {
    "get": _get,
    "list": _list,
    "create": _create,
    "payment": _payment,
    "delete": _delete,
    "hesabe-get": _hesabe_get,
    "hesabe-delete": _hesabe_delete,
}
_WALKS: dict[str, Callable[[Store, int], Request]] = {
    "delete": _delete_line,
    "hesabe-delete": _hesabe_delete_line,
}
