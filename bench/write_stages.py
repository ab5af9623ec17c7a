"""What one Fatora-style write costs in-process: create, payment, delete, one at a time, no HTTP
server, so each figure is time per request on one core, free of concurrency effects.

    .venv/bin/python bench/write_stages.py [--size 10000] [--requests 300] [--cprofile]

Works on a copy of the dataset bench/get_invoice.py builds (the writes change it). With
--cprofile, also prints where the creates' time goes (cProfile slows Python about 2x: read the
shares, not the times).
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import invoice_data
import uvloop

OUT = Path(__file__).resolve().parent / "out"

Send = Callable[[str, str, bytes], Awaitable[tuple[int, bytes]]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--cprofile", action="store_true", help="profile the creates")
    args = parser.parse_args()
    dataset = invoice_data.ensure(args.size, OUT)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "store.db"
        shutil.copyfile(dataset.path, copy)
        env = dataset.env()
        env["FAWTARA_DATABASE_URL"] = f"sqlite:///{copy}"
        os.environ.update(env)  # before fawtara reads its settings
        profile = cProfile.Profile() if args.cprofile else None
        rows = uvloop.run(_measure(dataset, args.requests, profile))
    print(f"{'request (one at a time, in-process)':40} {'µs/req':>8}")
    for label, micros in rows:
        print(f"{label:40} {micros:8.0f}")
    if profile is not None:
        stats = pstats.Stats(profile).sort_stats("cumulative")
        stats.print_stats(r"fawtara|fastapi|starlette|sqlalchemy|pydantic", 45)
        stats.sort_stats("tottime").print_stats(25)


async def _measure(
    dataset: invoice_data.Dataset, n: int, profile: cProfile.Profile | None
) -> list[tuple[str, float]]:
    from fawtara.app import create_app

    app = create_app()
    send = _asgi_sender(app, dataset.api_key)
    rng = random.Random(1)
    merchant, size, clients = dataset.merchant["id"], dataset.size, dataset.clients
    bodies = []
    for invoice_id in rng.sample(range(1, size + 1), n * 3):
        body = invoice_data.api_body(invoice_id, merchant, clients)
        del body["payments"]
        bodies.append(json.dumps(body).encode())
    payment = json.dumps({"amount": 0.01, "payment_type": "Cash", "note": "bench"}).encode()
    made: list[int] = []

    async def create(i: int) -> None:
        status, body = await send("POST", "/v1/invoices", bodies[i])
        if status != 201:
            raise RuntimeError(f"create: {status} {body[:300]!r}")
        made.append(json.loads(body)["invoice"]["id"])

    async def pay(i: int) -> None:
        status, body = await send("POST", f"/v1/invoices/{made[i]}/payments", payment)
        if status != 201:
            raise RuntimeError(f"payment: {status} {body[:300]!r}")

    async def delete(i: int) -> None:
        status, body = await send("DELETE", f"/v1/invoices/{made[-1 - i]}", b"")
        if status != 204:
            raise RuntimeError(f"delete: {status} {body[:300]!r}")

    async with app.router.lifespan_context(app):
        await send("GET", "/v1/invoices/1", b"")  # fills the API key cache
        rows = [("POST /v1/invoices", await _timed(create, range(2 * n)))]
        rows.append(("POST /v1/invoices/{id}/payments", await _timed(pay, range(n))))
        rows.append(("DELETE /v1/invoices/{id}", await _timed(delete, range(n))))  # unpaid
        if profile is not None:
            profile.enable()
            await _timed(create, range(2 * n, 3 * n))
            profile.disable()
    return rows


async def _timed(fn: Callable[[int], Awaitable[None]], indices: range) -> float:
    started = time.perf_counter()
    for i in indices:
        await fn(i)
    return (time.perf_counter() - started) / len(indices) * 1e6


def _asgi_sender(app: Any, api_key: str) -> Send:
    headers = [
        (b"host", b"127.0.0.1"),
        (b"api_key", api_key.encode()),
        (b"content-type", b"application/json"),
    ]

    async def send(method: str, path: str, body: bytes) -> tuple[int, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def out(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, out)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    return send


if __name__ == "__main__":
    main()
