"""Two hosts, one PostgreSQL: Fawtara's server processes share nothing but the database.

Each server runs on a host of its own (a network namespace with its own address) and the
database on a third. What is written through one host is read, paid and deleted through the
other, a Hesabe-style login on one is good on the other, and creates racing on both hosts are
numbered without a gap or a repeat.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.dialects.fatora.wire import assert_error, create
from tests.dialects.hesabe.test_invoices import invoice_payload
from tests.dialects.hesabe.wire import Hesabe
from tests.fixtures.factories import MerchantCredentials, new_merchant
from tests.fixtures.server import Server

pytestmark = pytest.mark.postgres_only

Hosts = tuple[Server, Server]


@contextmanager
def on(server: Server, merchant: MerchantCredentials | None = None) -> Iterator[httpx.Client]:
    """A client of one host (with the merchant's api_key); no proxy from the environment, the
    hosts are on this machine's LAN."""
    headers = {"api_key": merchant.api_key} if merchant else {}
    with httpx.Client(base_url=server.url, headers=headers, trust_env=False, timeout=30) as c:
        yield c


class TestFatoraAcrossHosts:
    def test_created_on_a_is_read_paid_and_deleted_on_b(
        self, hosts: Hosts, database_url: str
    ) -> None:
        merchant = new_merchant(database_url)
        with on(hosts[0], merchant) as a, on(hosts[1], merchant) as b:
            created = create(a, payments=[])
            path = f"/v1/invoices/{created['id']}"
            read_on_b = b.get(path)
            assert read_on_b.status_code == 200, read_on_b.text
            assert read_on_b.json()["invoice"] == created
            assert read_on_b.content == a.get(path).content

            paid = b.post(f"{path}/payments", json={"amount": 81, "transaction_id": "NETNS-1"})
            assert paid.status_code == 201, paid.text
            seen_on_a = a.get(path).json()["invoice"]
            assert seen_on_a == paid.json()["invoice"]
            assert seen_on_a["status"] == "partially_paid"
            assert [p["amount"] for p in seen_on_a["payments"]] == [81.0]

            payment_id = seen_on_a["payments"][0]["id"]
            assert a.delete(f"{path}/payments/{payment_id}").status_code == 200
            assert b.get(path).json()["invoice"] == created  # unpaid again, as made

            deleted = b.delete(path)
            assert (deleted.status_code, deleted.content) == (204, b"")
            for host in (a, b):
                assert_error(host.get(path), 404, "Invoice not found")
            assert_error(a.delete(path), 404, "Invoice not found")


class TestHesabeAcrossHosts:
    def test_a_login_on_a_is_good_on_b(self, hosts: Hosts, database_url: str) -> None:
        merchant = new_merchant(database_url, currency="KWD", with_user=True)
        with on(hosts[0]) as a, on(hosts[1]) as b:
            hesabe = Hesabe(a, merchant)  # logs in on A
            created = hesabe.call("POST", "/api/v1/invoice", invoice_payload())["response"]
            hesabe.http = b  # the token A issued, now shown to B
            invoice = hesabe.call("GET", f"/api/v1/invoice/{created['id']}")["response"]
            assert (invoice["token"], invoice["amount"]) == (created["token"], "280.000")
            hesabe.call("PUT", f"/api/v1/invoice/{created['token']}", {"statusId": "3"})
            hesabe.http = a
            invoice = hesabe.call("GET", f"/api/v1/invoice/{created['id']}")["response"]
            assert invoice["invoice_status"] == 3  # cancelled on B


class TestConcurrentCreates:
    THREADS_PER_HOST = 8
    CREATES_PER_THREAD = 10

    def test_creates_on_both_hosts_are_numbered_without_gap_or_repeat(
        self, hosts: Hosts, database_url: str
    ) -> None:
        merchant = new_merchant(database_url)

        def creates(server: Server) -> list[dict[str, Any]]:
            made = []
            with on(server, merchant) as api:
                for n in range(self.CREATES_PER_THREAD):
                    body = {"amount": 5, "description": f"Concurrent {n}"}
                    response = api.post("/v1/invoices", json=body)
                    assert response.status_code == 201, response.text
                    made.append(response.json()["invoice"])
            return made

        threads = [hosts[n % 2] for n in range(2 * self.THREADS_PER_HOST)]
        with ThreadPoolExecutor(max_workers=len(threads)) as pool:
            created = [invoice for batch in pool.map(creates, threads) for invoice in batch]

        total = len(threads) * self.CREATES_PER_THREAD
        assert sorted(invoice["number"] for invoice in created) == [
            f"INV{n:05d}" for n in range(1, total + 1)
        ]
        numbers = {invoice["id"]: invoice["number"] for invoice in created}
        assert len(numbers) == total
        for server in hosts:  # each host lists all of them, under the numbers they were given
            assert listed(server, merchant) == numbers


def listed(server: Server, merchant: MerchantCredentials) -> dict[int, str]:
    """Every invoice of the merchant as one host lists them: id → number."""
    numbers: dict[int, str] = {}
    with on(server, merchant) as api:
        for page in range(1, 100):
            body = api.get("/v1/invoices", params={"page": page, "page_size": 100}).json()
            numbers.update((invoice["id"], invoice["number"]) for invoice in body["invoices"])
            if len(numbers) >= body["total"]:
                return numbers
    raise AssertionError("the list did not end")
