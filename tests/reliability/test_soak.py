"""Soak: a bounded mixed load (reads, lists, creates, payments, deletes, Hesabe-style reads) on
PostgreSQL with 2 worker processes, for SOAK_SECONDS. Zero errors: every answer is the one
expected. Server memory (the workers' resident set, summed) grows less than 10% from the end
of the warm-up to the end of the run.
"""

import asyncio
import os
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from tests.dialects.hesabe.wire import Hesabe
from tests.fixtures.factories import new_merchant
from tests.fixtures.server import running

SOAK_SECONDS = float(os.environ.get("FAWTARA_SOAK_SECONDS", "150"))
WARM_UP_SECONDS = 30.0
CLIENTS = 8
PAGE = os.sysconf("SC_PAGE_SIZE")


def workers_rss(master: int) -> int:
    """Resident bytes of the server's worker processes (children of the uvicorn master)."""
    total = 0
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    for pid in children:
        try:
            resident_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except FileNotFoundError:  # a worker being replaced would be an error of its own
            continue
        total += resident_pages * PAGE
    return total


async def client_loop(
    http: httpx.AsyncClient, hesabe: dict[str, Any], deadline: float, seen: Counter[str]
) -> None:
    """One client's requests until the deadline, counted by kind in `seen` (unexpected
    answers as "ERROR kind status")."""
    rng = random.Random()
    mine: list[int] = []
    paid_ids: set[int] = set()

    def expect(name: str, response: httpx.Response, status: int) -> None:
        ok = response.status_code == status
        seen[name if ok else f"ERROR {name} {response.status_code}"] += 1

    while time.monotonic() < deadline:
        roll = rng.random()
        if roll < 0.2 or not mine:
            created = await http.post("/v1/invoices", json={"amount": 100, "description": "Soak"})
            expect("create", created, 201)
            if created.status_code == 201:
                mine.append(created.json()["invoice"]["id"])
        elif roll < 0.6:
            expect("get", await http.get(f"/v1/invoices/{rng.choice(mine)}"), 200)
        elif roll < 0.7:
            expect("list", await http.get("/v1/invoices", params={"page_size": 20}), 200)
        elif roll < 0.8:
            paid = await http.post(f"/v1/invoices/{mine[-1]}/payments", json={"amount": 1})
            expect("pay", paid, 201)
            paid_ids.add(mine[-1])
        elif roll < 0.9 and len(mine) > len(paid_ids):
            # An invoice with payments is kept (deleting it is refused with 409, by design).
            invoice_id = rng.choice([i for i in mine if i not in paid_ids])
            mine.remove(invoice_id)
            expect("delete", await http.delete(f"/v1/invoices/{invoice_id}"), 204)
        else:
            dashboard = await http.get(
                "/api/v1/invoice-dashboard", params=hesabe["params"], headers=hesabe["headers"]
            )
            expect("hesabe dashboard", dashboard, 200)


async def soak(
    url: str, api_keys: list[str], hesabe: Hesabe, master: int
) -> tuple[Counter[str], list[tuple[float, int]]]:
    seen: Counter[str] = Counter()
    samples: list[tuple[float, int]] = []
    start = time.monotonic()
    deadline = start + SOAK_SECONDS
    dashboard = {"params": {"data": hesabe.seal({})}, "headers": hesabe.headers()}
    clients = [
        httpx.AsyncClient(base_url=url, headers={"api_key": key}, timeout=30)
        for key in (api_keys * CLIENTS)[:CLIENTS]
    ]

    async def sample() -> None:
        while time.monotonic() < deadline:
            samples.append((time.monotonic() - start, workers_rss(master)))
            await asyncio.sleep(2)

    try:
        await asyncio.gather(
            sample(), *(client_loop(c, dashboard, deadline, seen) for c in clients)
        )
    finally:
        for client in clients:
            await client.aclose()
    return seen, samples


def test_mixed_load_on_two_workers_has_no_errors_and_flat_memory(
    postgres_url: str, tmp_path: Path
) -> None:
    options = ("--workers", "2", "--no-access-log")
    with running(postgres_url, tmp_path / "server.log", args=options) as server:
        merchants = [
            new_merchant(postgres_url, name=f"Soak {n}", with_user=n == 0) for n in range(4)
        ]
        with httpx.Client(base_url=server.url) as http:
            hesabe = Hesabe(http, merchants[0])
            seen, samples = asyncio.run(
                soak(server.url, [m.api_key for m in merchants], hesabe, server.process.pid)
            )
        log = server.log()
    errors = {name: n for name, n in seen.items() if name.startswith("ERROR")}
    assert not errors, (errors, log[-3000:])
    assert sum(seen.values()) > 1000, seen
    assert "Traceback" not in log
    warm = [rss for t, rss in samples if t >= WARM_UP_SECONDS]
    growth = (warm[-1] - warm[0]) / warm[0]
    assert growth < 0.10, f"RSS {warm[0] / 2**20:.1f} → {warm[-1] / 2**20:.1f} MiB"
