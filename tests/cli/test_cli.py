"""The `fawtara` command as a user types it, against a real database and server."""

import concurrent.futures
import json
import re
import shlex
import subprocess
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from fawtara.settings import PLACEHOLDER_MASTER_KEY
from tests.dialects.hesabe import test_seed_replay as seed
from tests.fixtures.databases import fresh_database
from tests.fixtures.server import Server, fawtara, server_env


def demo_credentials(url: str, log: Path) -> tuple[str, str]:
    """The API key and password a demo server prints, once each has been seen to work."""
    demo = Server(url, log, args=("--demo",))
    try:
        key = re.findall(r"api_key: ([0-9A-F-]{36})", demo.log())[0]
        password = re.findall(r'"password": "([^"]+)"', demo.log())[0]
        listed = httpx.get(f"{demo.url}/v1/invoices", headers={"api_key": key})
        assert listed.status_code == 200
        login = httpx.post(
            f"{demo.url}/api/v1/login", json={"username": "demo", "password": password}
        )
        assert login.json()["status"] is True
    finally:
        demo.stop()
    return key, password


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(fawtara(*args), env=env, capture_output=True, text=True, check=check)


class TestMerchantCommands:
    def test_create_key_list_revoke(self, server: Server) -> None:
        created = json.loads(
            run(server.env, "merchant", "create", "--name", "Acme", "--json").stdout
        )
        assert {"id", "name", "api_key"} <= set(created)
        assert re.fullmatch(
            r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}",
            created["api_key"],
        )
        merchant = str(created["id"])
        second = json.loads(
            run(
                server.env, "merchant", "key", "create", "-m", merchant, "--name", "ci", "--json"
            ).stdout
        )
        for key in (created["api_key"], second["api_key"]):
            response = httpx.get(f"{server.url}/v1/invoices", headers={"api_key": key})
            assert response.status_code == 200
        listed = json.loads(
            run(server.env, "merchant", "key", "list", "-m", merchant, "--json").stdout
        )
        assert [k["name"] for k in listed] == ["default", "ci"]
        assert [k["prefix"] for k in listed] == [created["api_key"][:8], second["api_key"][:8]]
        run(server.env, "merchant", "key", "revoke", str(second["id"]), "-m", merchant)
        listed = json.loads(
            run(server.env, "merchant", "key", "list", "-m", merchant, "--json").stdout
        )
        assert listed[1]["revoked_at"] is not None
        assert listed[0]["revoked_at"] is None

    def test_revoking_another_merchants_key_fails(self, server: Server) -> None:
        a = json.loads(run(server.env, "merchant", "create", "--name", "A", "--json").stdout)
        b = json.loads(run(server.env, "merchant", "create", "--name", "B", "--json").stdout)
        keys = json.loads(
            run(server.env, "merchant", "key", "list", "-m", str(a["id"]), "--json").stdout
        )
        result = run(
            server.env,
            "merchant",
            "key",
            "revoke",
            str(keys[0]["id"]),
            "-m",
            str(b["id"]),
            check=False,
        )
        assert result.returncode == 1
        assert "not found" in result.stderr
        assert (
            httpx.get(f"{server.url}/v1/invoices", headers={"api_key": a["api_key"]}).status_code
            == 200
        )

    def test_unknown_currency_is_refused(self, server: Server) -> None:
        result = run(
            server.env, "merchant", "create", "--name", "X", "--currency", "XYZ", check=False
        )
        assert result.returncode == 1
        assert "currency" in result.stderr


class TestServe:
    @pytest.mark.parametrize("backend", ["sqlite", "postgres"])
    def test_demo_prints_a_curl_command_that_works(self, tmp_path: Path, backend: str) -> None:
        with fresh_database(backend, tmp_path) as url:
            demo = Server(url, tmp_path / "serve.log", args=("--demo",))
            try:
                log = demo.log()
                command = next(line for line in log.splitlines() if "curl" in line).strip()
                key = re.search(r"api_key: ([0-9A-F-]{36})", command)
                invoice = re.search(r"/v1/invoices/(\d+)", command)
                assert key is not None
                assert invoice is not None
                result = subprocess.run(
                    ["curl", "--silent", "--location", "--request", "GET",
                     f"{demo.url}/v1/invoices/{invoice.group(1)}",
                     "--header", f"api_key: {key.group(1)}",
                     "--header", "Content-Type: application/json"],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                body = json.loads(result.stdout)
                assert body["status"] == "SUCCESS"
                listed = httpx.get(f"{demo.url}/v1/invoices", headers={"api_key": key.group(1)})
                languages = {i["setting"]["language"] for i in listed.json()["invoices"]}
                assert languages == {"en", "ar"}
            finally:
                demo.stop()

    @pytest.mark.parametrize("backend", ["sqlite", "postgres"])
    def test_demo_speaks_the_reference_pages_hesabe_samples(
        self, tmp_path: Path, backend: str
    ) -> None:
        with fresh_database(backend, tmp_path) as url:
            demo = Server(url, tmp_path / "serve.log", args=("--demo",))
            try:
                login = next(
                    line for line in demo.log().splitlines() if "/api/v1/login" in line
                ).strip()
                answer = subprocess.run(
                    ["curl", "--silent", *shlex.split(login)[1:]],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                token = json.loads(answer.stdout)["response"]["token"]["access_token"]
                invoice_id = re.findall(r"Invoices: ([\d, ]+)", demo.log())[0].split(", ")[0]
                deleted = httpx.request(
                    "DELETE",
                    f"{demo.url}/api/v1/invoice-bulk-upload/{invoice_id}",
                    content=json.dumps({"data": seed.SEED_DATA}),
                    headers={
                        "Content-Type": "application/json",
                        "accessCode": seed.ACCESS_CODE,
                        "Accept": "application/json",
                        "Authorization": f"Bearer {token}",
                    },
                )
                assert deleted.json() == {"response": seed.SEED_RESPONSE}
            finally:
                demo.stop()

    @pytest.mark.parametrize("backend", ["sqlite", "postgres"])
    def test_demo_credentials_are_the_same_after_a_restart(
        self, tmp_path: Path, backend: str
    ) -> None:
        with fresh_database(backend, tmp_path) as url:
            first = demo_credentials(url, tmp_path / "first.log")
            second = demo_credentials(url, tmp_path / "second.log")
            assert second == first
            revoked = json.loads(
                run(server_env(url), "merchant", "key", "list", "-m", "1", "--json").stdout
            )
            (demo_key,) = [k for k in revoked if k["prefix"] == first[0][:8]]
            run(server_env(url), "merchant", "key", "revoke", str(demo_key["id"]), "-m", "1")
            third = demo_credentials(url, tmp_path / "third.log")
            assert third[0] != first[0]  # a key that no longer works is not shown again
            assert third[1] == first[1]

    @pytest.mark.parametrize("backend", ["sqlite", "postgres"])
    def test_demo_invoices_agree_with_their_terms(self, tmp_path: Path, backend: str) -> None:
        with fresh_database(backend, tmp_path) as url:
            demo = Server(url, tmp_path / "serve.log", args=("--demo",))
            try:
                key = re.findall(r"api_key: ([0-9A-F-]{36})", demo.log())[0]
                listed = httpx.get(f"{demo.url}/v1/invoices", headers={"api_key": key}).json()
            finally:
                demo.stop()
        termed = [i for i in listed["invoices"] if i["terms_conditions"]]
        assert {i["setting"]["language"] for i in termed} == {"en", "ar"}
        for invoice in termed:
            days = (
                datetime.fromisoformat(invoice["due_date"]).date()
                - datetime.fromisoformat(invoice["date"]).date()
            ).days
            assert re.findall(r"\d+", invoice["terms_conditions"]) == [str(days)]
            assert not re.search(
                "[\u0660-\u0669\u06f0-\u06f9]", json.dumps(invoice, ensure_ascii=False)
            )

    @pytest.mark.parametrize("backend", ["sqlite", "postgres"])
    def test_two_workers_share_one_database(self, tmp_path: Path, backend: str) -> None:
        with fresh_database(backend, tmp_path) as url:
            served = Server(url, tmp_path / "serve.log", args=("--workers", "2"))
            try:
                created = run(server_env(url), "merchant", "create", "--name", "W", "--json")
                headers = {"api_key": json.loads(created.stdout)["api_key"]}

                def create(_: int) -> str:
                    with httpx.Client(base_url=served.url, headers=headers, timeout=30) as c:
                        body = {"amount": 5, "description": "x"}
                        response = c.post("/v1/invoices", json=body)
                        assert response.status_code == 201, response.text
                        number: str = response.json()["invoice"]["number"]
                        return number

                with concurrent.futures.ThreadPoolExecutor(8) as pool:
                    numbers = sorted(pool.map(create, range(24)))
                assert numbers == [f"INV{n:05d}" for n in range(1, 25)]
                assert "Started parent process" in served.log()
            finally:
                served.stop()

    def test_serve_applies_migrations_to_an_empty_database(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'new.db'}"
        fresh = Server(url, tmp_path / "serve.log")
        try:
            created = json.loads(
                run(server_env(url), "merchant", "create", "--name", "N", "--json").stdout
            )
            response = httpx.get(
                f"{fresh.url}/v1/invoices", headers={"api_key": created["api_key"]}
            )
            assert response.json()["total"] == 0
        finally:
            fresh.stop()


class TestSettings:
    def test_production_refuses_the_placeholder_master_key(self, tmp_path: Path) -> None:
        env = server_env(f"sqlite:///{tmp_path / 'x.db'}")
        env.pop("FAWTARA_MASTER_KEY")
        env["FAWTARA_ENV"] = "production"
        result = run(env, "db", "upgrade", check=False)
        assert result.returncode == 2
        assert "FAWTARA_MASTER_KEY" in result.stderr


class TestPlaceholderMasterKey:
    """`fawtara serve` without FAWTARA_MASTER_KEY runs on a key anyone can read."""

    @staticmethod
    def placeholder_env(tmp_path: Path) -> dict[str, str]:
        env = server_env(f"sqlite:///{tmp_path / 'f.db'}")
        del env["FAWTARA_MASTER_KEY"]
        return env

    def test_refuses_to_listen_beyond_loopback(self, tmp_path: Path) -> None:
        result = subprocess.run(
            fawtara("serve", "--host", "0.0.0.0", "--port", "1"),
            env=self.placeholder_env(tmp_path), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 2
        assert "forge a token for any merchant" in result.stderr
        assert "Refusing to listen on 0.0.0.0" in result.stderr
        assert not (tmp_path / "f.db").exists()  # refused before touching anything

    def test_warns_on_loopback_and_when_allowed(self, tmp_path: Path) -> None:
        env = {"FAWTARA_MASTER_KEY": PLACEHOLDER_MASTER_KEY}  # what an unset key falls back to
        for host, args in (("127.0.0.1", ()), ("0.0.0.0", ("--allow-placeholder-key",))):
            served = Server(
                f"sqlite:///{tmp_path / 'f.db'}",
                tmp_path / f"{host}.log",
                args=args,
                host=host,
                env=env,
            )
            try:
                assert "forge a token for any merchant" in served.log()
            finally:
                served.stop()

    def test_a_key_of_your_own_gets_no_warning(self, server: Server) -> None:
        assert "WARNING" not in server.log()
