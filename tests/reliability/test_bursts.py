"""A burst of concurrent requests larger than the server's thread pool (40) and its database
pool (20): every request is answered, none with a 500, and the server answers at once after.

Before units waited for a database slot (and SQLite writers for their turn) on the event loop,
such a burst filled the thread pool with requests waiting for a connection or SQLite's write
lock, while those holding one waited for a thread to commit: a standstill until timeouts
answered 500 ("database is locked", "QueuePool limit reached")."""

import asyncio
import time

import httpx

from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server

BURST = 120


async def burst(
    server: Server, api_key: str, requests: list[tuple[str, str, dict | None]]
) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(requests))
    async with httpx.AsyncClient(
        base_url=server.url, headers={"api_key": api_key}, limits=limits, timeout=60
    ) as client:
        return await asyncio.gather(
            *(client.request(method, path, json=body) for method, path, body in requests)
        )


class TestBursts:
    def test_a_burst_of_writes_and_reads_is_served_without_errors(
        self, server: Server, merchant: MerchantCredentials
    ) -> None:
        creates = [("POST", "/v1/invoices", {"amount": 10, "description": f"Burst {n}"})
                   for n in range(BURST)]  # fmt: skip
        started = time.monotonic()
        made = asyncio.run(burst(server, merchant.api_key, creates))
        assert [r.status_code for r in made] == [201] * BURST
        ids = [r.json()["invoice"]["id"] for r in made]
        numbers = sorted(r.json()["invoice"]["number"] for r in made)
        assert numbers == [f"INV{n:05d}" for n in range(1, BURST + 1)]  # gapless
        mixed = [
            request
            for n, invoice_id in enumerate(ids)
            for request in (
                ("POST", f"/v1/invoices/{invoice_id}/payments", {"amount": 1}),
                ("GET", "/v1/invoices?page_size=5", None),
                ("DELETE", f"/v1/invoices/{ids[(n + 1) % BURST]}", None) if n % 4 == 0 else
                ("GET", "/v1/clients", None),
            )
        ]  # fmt: skip
        answered = asyncio.run(burst(server, merchant.api_key, mixed))
        statuses = [r.status_code for r in answered]
        assert 500 not in statuses
        assert set(statuses) <= {200, 201, 204, 404, 409, 422}, statuses
        assert statuses.count(200) >= 2 * BURST * 3 // 4  # lists, and most payments
        elapsed = time.monotonic() - started
        assert elapsed < 60, f"{elapsed:.1f} s: the server stalled"
        # Answering at once afterwards: nothing is left waiting for a lock.
        quick = time.monotonic()
        after = httpx.get(
            f"{server.url}/v1/invoices/{ids[1]}", headers={"api_key": merchant.api_key}
        )
        assert after.status_code in (200, 404)
        assert time.monotonic() - quick < 2
