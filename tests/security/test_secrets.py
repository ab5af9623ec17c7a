"""Secrets stay secret: after a full run through both dialects and the invoice link, the
server log holds none of the secrets used, and the database none in clear."""

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from fawtara.models import Base
from tests.dialects.hesabe.wire import encrypt
from tests.fixtures.databases import BACKENDS, fresh_database, sql
from tests.fixtures.server import MASTER_KEY, Server, fawtara, running


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A server of its own, so its log holds this test's run and nothing else."""
    with fresh_database(request.param, tmp_path) as url, running(url, tmp_path / "server.log") as s:
        yield s


def merchant_create(server: Server) -> dict[str, Any]:
    done = subprocess.run(
        fawtara("merchant", "create", "--name", "Secretive", "--currency", "KWD", "--json"),
        env=server.env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    created: dict[str, Any] = json.loads(done.stdout)
    return created


def full_run(server: Server, m: dict[str, Any]) -> dict[str, str]:
    """Every kind of credential at work, wrong ones included; returns them by name."""
    secrets = {name: m[name] for name in ("api_key", "secret_key", "iv", "password")}
    secrets["master_key"] = MASTER_KEY
    with httpx.Client(base_url=server.url, timeout=60) as http:
        secrets["bearer_token"] = http.get(
            "/v1/Authorization/Authorize", headers={"api_key": m["api_key"]}
        ).json()["bearer_token"]
        fatora = {"Authorization": f"Bearer {secrets['bearer_token']}"}
        created = http.post(
            "/v1/invoices", headers=fatora, json={"amount": 12.5, "description": "Secret"}
        )
        assert created.status_code == 201
        secrets["link_token"] = created.json()["invoice"]["link"].rsplit("/", 1)[1]
        assert http.get(f"/i/{secrets['link_token']}").status_code == 200
        assert http.get(f"/i/{secrets['link_token']}.pdf").status_code == 200
        secrets["wrong_api_key"] = m["api_key"][:-4] + "0000"
        assert http.get("/v1/invoices", headers={"api_key": secrets["wrong_api_key"]}).is_error

        secrets["wrong_password"] = m["password"] + "x"
        login = {"username": m["username"], "password": secrets["wrong_password"]}
        assert http.post("/api/v1/login", json=login).status_code == 401
        login["password"] = m["password"]
        token = http.post("/api/v1/login", json=login).json()["response"]["token"]
        secrets["refresh_token"] = token["refresh_token"]
        refreshed = http.post(
            "/api/v1/token-refresh", json={"refreshToken": token["refresh_token"]}
        )
        token = refreshed.json()["response"]["token"]
        secrets["access_token"] = token["access_token"]
        secrets["new_refresh_token"] = token["refresh_token"]
        headers = {
            "Authorization": f"Bearer {token['access_token']}",
            "accessCode": m["access_code"],
        }
        payload = {"merchantCode": m["merchant_code"], "invoiceId": created.json()["invoice"]["id"]}
        data = encrypt(payload, m["secret_key"], m["iv"])
        answer = http.get(
            f"/api/v1/invoice/{payload['invoiceId']}", params={"data": data}, headers=headers
        )
        assert answer.status_code == 200, answer.text
    return secrets


def database_text(database_url: str) -> str:
    """Every value of every table, as text."""
    values = [
        value.decode(errors="replace") if isinstance(value, bytes) else str(value)
        for table in Base.metadata.sorted_tables
        for row in sql(database_url, select(table))
        for value in row
    ]
    return "\n".join(values)


def test_no_secret_in_the_log_or_in_clear_in_the_database(server: Server) -> None:
    secrets = full_run(server, merchant_create(server))
    server.stop()
    log = server.log_path.read_text()
    requests = {(entry["method"], entry["path"]) for entry in server.access_log()}
    assert ("GET", "/v1/invoices") in requests
    assert ("POST", "/api/v1/login") in requests
    assert ("GET", "/i/…") in requests  # link paths are logged, without their token
    leaked = [name for name, value in secrets.items() if value in log]
    assert leaked == []
    stored = database_text(server.database_url)
    assert str(secrets["link_token"]) in stored  # the scan reads real rows
    in_clear = [
        name
        for name in (
            "api_key",
            "password",
            "secret_key",
            "iv",
            "refresh_token",
            "new_refresh_token",
        )
        if secrets[name] in stored
    ]
    assert in_clear == []
