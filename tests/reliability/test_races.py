"""Races between two server processes on one PostgreSQL: whatever the interleaving, each
invoice is deleted once, paid at most its total, and each number given once."""

import json
import subprocess
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.dialects.fatora.wire import create_quick
from tests.fixtures.factories import new_merchant
from tests.fixtures.server import Server, fawtara

Servers = tuple[Server, Server]


def race(
    servers: Servers, api_key: str, count: int, call: Callable[[httpx.Client, int], Any]
) -> list[Any]:
    """`count` calls at once, alternating between the two processes; their results in order."""

    def one(n: int) -> Any:
        server = servers[n % 2]
        with httpx.Client(base_url=server.url, headers={"api_key": api_key}, timeout=60) as c:
            return call(c, n)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def audit_events(server: Server, merchant_id: int, action: str) -> list[dict[str, Any]]:
    args = ["audit", "list", "--merchant", str(merchant_id), "--action", action, "--json"]
    done = subprocess.run(
        fawtara(*args), env=server.env, capture_output=True, text=True, check=True
    )
    events: list[dict[str, Any]] = json.loads(done.stdout)
    return events


def test_fifty_concurrent_deletes_delete_once(two_servers: Servers) -> None:
    merchant = new_merchant(two_servers[0].database_url)
    with httpx.Client(base_url=two_servers[0].url, headers={"api_key": merchant.api_key}) as api:
        invoice = create_quick(api, 100.0)
    path = f"/v1/invoices/{invoice['id']}"
    statuses = race(two_servers, merchant.api_key, 50, lambda c, _: c.delete(path).status_code)
    assert Counter(statuses) == {204: 1, 404: 49}
    deleted = audit_events(two_servers[1], merchant.id, "invoice.deleted")
    assert [event["entity_id"] for event in deleted] == [invoice["id"]]


def test_concurrent_payments_on_two_processes_never_pass_the_total(two_servers: Servers) -> None:
    merchant = new_merchant(two_servers[0].database_url)
    with httpx.Client(base_url=two_servers[0].url, headers={"api_key": merchant.api_key}) as api:
        invoice = create_quick(api, 100.0)
    path = f"/v1/invoices/{invoice['id']}/payments"

    def pay(client: httpx.Client, n: int) -> int:
        return client.post(path, json={"amount": 10, "transaction_id": f"T-{n}"}).status_code

    assert Counter(race(two_servers, merchant.api_key, 30, pay)) == {201: 10, 422: 20}
    with httpx.Client(base_url=two_servers[1].url, headers={"api_key": merchant.api_key}) as api:
        stored = api.get(f"/v1/invoices/{invoice['id']}").json()["invoice"]
    assert stored["status"] == "paid"
    assert sum(p["amount"] for p in stored["payments"]) == 100.0


def test_one_number_is_given_once_and_numbering_stays_gapless(two_servers: Servers) -> None:
    merchant = new_merchant(two_servers[0].database_url)

    def same_number(client: httpx.Client, _: int) -> int:
        body = {"amount": 5, "description": "Race", "number": "RACE-1"}
        return client.post("/v1/invoices", json=body).status_code

    assert Counter(race(two_servers, merchant.api_key, 20, same_number)) == {201: 1, 409: 19}

    def next_number(client: httpx.Client, _: int) -> str:
        response = client.post("/v1/invoices", json={"amount": 5, "description": "Numbered"})
        assert response.status_code == 201, response.text
        return str(response.json()["invoice"]["number"])

    numbers = race(two_servers, merchant.api_key, 40, next_number)
    assert sorted(numbers) == [f"INV{n:05d}" for n in range(1, 41)]
