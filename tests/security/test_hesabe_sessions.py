"""Hesabe-style access tokens end with their login, at once, on every server process, and
with their expiry, even once a process has verified (and kept) them.

A process keeps the access tokens it has verified, and reads the login's liveness on the
primary with one statement of its own; these tests hold that to what the login promises."""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from tests.dialects.fatora.wire import create_quick
from tests.dialects.hesabe.wire import Hesabe
from tests.fixtures.databases import BACKENDS, fresh_database
from tests.fixtures.factories import new_merchant
from tests.fixtures.server import Server, running, two_running


@pytest.fixture(params=BACKENDS)
def two_processes(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Server, Server]]:
    with fresh_database(request.param, tmp_path) as url, two_running(url, tmp_path) as servers:
        yield servers


def _invoice_status(hesabe: Hesabe, invoice_id: int) -> int:
    return hesabe.send("GET", f"/api/v1/invoice/{invoice_id}").status_code


def test_an_ended_login_is_refused_at_once_on_every_process(
    two_processes: tuple[Server, Server],
) -> None:
    first, second = two_processes
    merchant = new_merchant(first.database_url, with_user=True)
    clients = [httpx.Client(base_url=s.url) for s in two_processes]
    with httpx.Client(base_url=first.url, headers={"api_key": merchant.api_key}) as api:
        invoice_id = create_quick(api)["id"]
    login = {"username": merchant.username, "password": merchant.password}
    pair = clients[0].post("/api/v1/login", json=login).json()["response"]["token"]
    callers = [Hesabe(client, merchant) for client in clients]
    for caller in callers:
        caller.token = pair["access_token"]
        for _ in range(3):  # each process verifies the token, then serves it as known
            assert _invoice_status(caller, invoice_id) == 200
    refresh = {"refreshToken": pair["refresh_token"]}
    renewed = clients[0].post("/api/v1/token-refresh", json=refresh)
    assert renewed.status_code == 200, renewed.text
    newer = renewed.json()["response"]["token"]["access_token"]
    # The spent refresh token again, on the other process: the whole login ends.
    assert clients[1].post("/api/v1/token-refresh", json=refresh).status_code == 401
    for caller in callers:
        for token in (pair["access_token"], newer):
            caller.token = token
            assert _invoice_status(caller, invoice_id) == 401  # no wait: at once
    for client in clients:
        client.close()


def test_a_known_token_still_expires(tmp_path: Path) -> None:
    env = {"FAWTARA_HESABE_TOKEN_TTL_SECONDS": "2"}
    with (
        fresh_database("sqlite", tmp_path) as url,
        running(url, tmp_path / "server.log", env=env) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        merchant = new_merchant(url, with_user=True)
        hesabe = Hesabe(client, merchant)
        with httpx.Client(base_url=server.url, headers={"api_key": merchant.api_key}) as api:
            invoice_id = create_quick(api)["id"]
        expires = jwt.decode(hesabe.token, options={"verify_signature": False})["exp"]
        while time.time() < expires - 0.3:  # used again and again while it is in date
            assert _invoice_status(hesabe, invoice_id) == 200
            time.sleep(0.1)
        time.sleep(max(0.0, expires - time.time()) + 0.05)
        answer = hesabe.send("GET", f"/api/v1/invoice/{invoice_id}")
        assert answer.status_code == 401, answer.text
        assert answer.json()["status"] is False
