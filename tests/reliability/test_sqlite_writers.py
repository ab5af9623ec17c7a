"""Server processes writing one SQLite file take turns on a lock file beside it
(`<database>-writer.lock`): a write waits while another process has the turn and goes on as
soon as it is let go; reads never wait for it; two processes writing at once lose nothing."""

import fcntl
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.dialects.fatora.wire import create_quick
from tests.fixtures.databases import fresh_database
from tests.fixtures.factories import new_merchant
from tests.fixtures.server import Server, running, two_running


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Path]:
    with fresh_database("sqlite", tmp_path) as url:
        yield Path(url.removeprefix("sqlite:///"))


def test_a_write_waits_for_the_turn_and_reads_do_not(sqlite_file: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{sqlite_file}"
    with running(url, tmp_path / "server.log") as server:
        merchant = new_merchant(url)
        with httpx.Client(base_url=server.url, headers={"api_key": merchant.api_key}) as api:
            first = create_quick(api)
            # Another process (this test) has the writers' turn.
            lock = os.open(f"{sqlite_file}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                with ThreadPoolExecutor(max_workers=1) as pool:
                    waiting = pool.submit(create_quick, api, 25.5)
                    time.sleep(1.0)
                    assert not waiting.done(), "the write did not wait for the turn"
                    # Reads are not held up by a writer.
                    read = api.get(f"/v1/invoices/{first['id']}", timeout=5)
                    assert read.status_code == 200
                    assert api.get("/v1/invoices", timeout=5).json()["total"] == 1
                    assert not waiting.done()
                    fcntl.flock(lock, fcntl.LOCK_UN)
                    made = waiting.result(timeout=10)
            finally:
                os.close(lock)
            assert made["items"][0]["amount"] == 25.5
            assert api.get("/v1/invoices").json()["total"] == 2
        assert "Traceback" not in server.log()


def test_two_processes_writing_at_once_lose_nothing(sqlite_file: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{sqlite_file}"
    with two_running(url, tmp_path) as servers:
        merchant = new_merchant(url)

        def create(n: int) -> int:
            server: Server = servers[n % 2]
            with httpx.Client(
                base_url=server.url, headers={"api_key": merchant.api_key}, timeout=60
            ) as api:
                invoice = create_quick(api, amount=n + 1)
                paid = api.post(f"/v1/invoices/{invoice['id']}/payments", json={"amount": 1})
                assert paid.status_code == 201, paid.text
                return int(invoice["id"])

        with ThreadPoolExecutor(max_workers=16) as pool:
            ids = list(pool.map(create, range(48)))
        with httpx.Client(base_url=servers[1].url, headers={"api_key": merchant.api_key}) as api:
            listed = api.get("/v1/invoices", params={"page_size": 100}).json()
        assert listed["total"] == 48
        assert sorted(i["id"] for i in listed["invoices"]) == sorted(ids)
        numbers = sorted(i["number"] for i in listed["invoices"])
        assert numbers == [f"INV{n:05d}" for n in range(1, 49)], "a number given twice, or a gap"
        assert all(len(i["payments"]) == 1 for i in listed["invoices"])
        for server in servers:
            assert "Traceback" not in server.log()
