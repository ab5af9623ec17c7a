"""`kill -9` of the server in the middle of writes: after a restart every acknowledged write
is there, nothing half-written is, and the database passes its integrity checks."""

import base64
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fawtara.models import Base
from tests.dialects.hesabe.wire import Hesabe
from tests.fixtures.databases import BACKENDS, fresh_database, sql
from tests.fixtures.factories import new_merchant
from tests.fixtures.server import Server

ROWS = 100_000


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as url:
        yield url


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def kill_when_busy(server: Server, cpu: float, timeout: float = 60) -> None:
    """SIGKILL the server once it has spent `cpu` more CPU-seconds: mid-work, on any machine."""
    start = cpu_seconds(server.process.pid)
    deadline = time.monotonic() + timeout
    while cpu_seconds(server.process.pid) - start < cpu and time.monotonic() < deadline:
        time.sleep(0.02)
    server.process.kill()
    server.process.wait()


def orphans(database_url: str) -> dict[str, int]:
    """Rows whose foreign key points at no row, for every foreign key of the models."""
    found = {}
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            column, target = key.parent.name, key.column
            statement = (
                f"SELECT count(*) FROM {table.name} c WHERE c.{column} IS NOT NULL AND NOT EXISTS"
                f" (SELECT 1 FROM {target.table.name} p WHERE p.{target.name} = c.{column})"
            )
            found[f"{table.name}.{column}"] = sql(database_url, statement)[0][0]
    return found


def assert_consistent(database_url: str) -> None:
    """The database's own check, then the invariants a half-done write would break."""
    if database_url.startswith("sqlite"):
        assert sql(database_url, "PRAGMA integrity_check") == [("ok",)]
    assert set(orphans(database_url).values()) == {0}
    assert sql(
        database_url,
        "SELECT count(*) FROM invoices i WHERE NOT EXISTS"
        " (SELECT 1 FROM invoice_items t WHERE t.invoice_id = i.id)",
    ) == [(0,)]
    # Stored totals agree with the items (no invoice written without its lines, or vice versa).
    assert sql(
        database_url,
        "SELECT count(*) FROM invoices i WHERE i.total_minor <> (SELECT sum(t.amount_minor *"
        " t.qty_milli / 1000) FROM invoice_items t WHERE t.invoice_id = i.id) AND NOT i.tax"
        " AND i.discount_type = ''",
    ) == [(0,)]


def test_a_stream_of_creates(database_url: str, tmp_path: Path) -> None:
    server = Server(database_url, tmp_path / "before.log")
    merchant = new_merchant(database_url)
    acknowledged: dict[int, dict[str, Any]] = {}
    stop = threading.Event()

    def creates(worker: int) -> None:
        with httpx.Client(base_url=server.url, headers={"api_key": merchant.api_key}) as api:
            n = 0
            while not stop.is_set():
                n += 1
                body = {
                    "amount": f"{worker}{n}.25",
                    "description": f"crash test {worker}-{n}",
                    "items": None,
                }
                try:
                    answer = api.post("/v1/invoices", json={k: v for k, v in body.items() if v})
                except httpx.TransportError:
                    return  # the server died with this request in flight: not acknowledged
                assert answer.status_code == 201, answer.text
                invoice = answer.json()["invoice"]
                acknowledged[invoice["id"]] = invoice

    threads = [threading.Thread(target=creates, args=(w,)) for w in range(1, 5)]
    for thread in threads:
        thread.start()
    try:
        kill_when_busy(server, cpu=1.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        server.stop()
    assert len(acknowledged) > 20  # the kill came in the middle of a stream

    restarted = Server(database_url, tmp_path / "after.log")
    try:
        with httpx.Client(base_url=restarted.url, headers={"api_key": merchant.api_key}) as api:
            for invoice_id, invoice in acknowledged.items():
                assert api.get(f"/v1/invoices/{invoice_id}").json()["invoice"] == invoice
            stored = api.get("/v1/invoices", params={"page_size": 1}).json()["total"]
    finally:
        restarted.stop()
    # At most the requests in flight at the kill (one per client) committed unacknowledged.
    assert len(acknowledged) <= stored <= len(acknowledged) + 4
    numbers = sorted(int(n) for (n,) in sql(database_url, "SELECT substr(number, 4) FROM invoices"))
    assert numbers == list(range(1, stored + 1))  # gapless: a killed create gave its number back
    assert_consistent(database_url)


def test_a_bulk_upload_is_whole_or_absent(database_url: str, tmp_path: Path) -> None:
    server = Server(database_url, tmp_path / "before.log")
    merchant = new_merchant(database_url, currency="KWD", with_user=True)
    rows = "\n".join(
        f"R-{n},Customer {n % 5000},+9656{n:07d},c{n % 5000}@example.com,{n % 900 + 1}.500,Rent"
        for n in range(ROWS)
    )
    csv = base64.b64encode(f"reference_number,name,phone,email,amount,description\n{rows}".encode())
    answered: list[httpx.Response] = []
    with httpx.Client(base_url=server.url, timeout=120) as http:
        hesabe = Hesabe(http, merchant)
        payload = {"isScheduled": "0", "fileType": "csv", "invoices": csv.decode()}

        def upload() -> None:
            try:
                answered.append(hesabe.send("POST", "/api/v1/invoice-bulk-upload", payload))
            except httpx.TransportError:
                pass

        sender = threading.Thread(target=upload)
        sender.start()
        try:
            kill_when_busy(server, cpu=2.0)  # reading, validating and writing take ~4-6 s
        finally:
            sender.join()
            server.stop()
    assert answered == []  # killed before it could answer: nothing was acknowledged
    assert sql(database_url, "SELECT count(*) FROM invoices") == [(0,)]
    assert sql(database_url, "SELECT count(*) FROM clients") == [(0,)]
    assert_consistent(database_url)
    restarted = Server(database_url, tmp_path / "after.log")  # and it comes back up
    restarted.stop()
