"""`fawtara merchant create` and `rotate-envelope`: Hesabe-style credentials, stored safely."""

import json
import subprocess
import time
import uuid
from dataclasses import replace
from typing import Any

import httpx
import pytest

from fawtara.credentials.passwords import verify_password
from fawtara.credentials.secrets import SecretBox
from tests.dialects.hesabe.wire import Hesabe
from tests.fixtures.databases import sql
from tests.fixtures.server import MASTER_KEY, Server, fawtara

KEY = "PkW64zMe5NVdrlPVNnjo2Jy9nOb7v1Xg"
IV = "5NVdrlPVNnjo2Jy9"


def cli(server: Server, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        fawtara("merchant", *args), env=server.env, capture_output=True, text=True, check=check
    )


def stored(server: Server, merchant_id: int) -> dict[str, Any]:
    params = {"id": merchant_id}
    (merchant,) = sql(server.database_url, "SELECT * FROM merchants WHERE id = :id", params)
    (user,) = sql(
        server.database_url, "SELECT * FROM merchant_users WHERE merchant_id = :id", params
    )
    return {**merchant._asdict(), "password_hash": user.password_hash}


class TestCreate:
    def test_everything_is_generated_when_not_given(self, server: Server) -> None:
        made = json.loads(cli(server, "create", "--name", "Gen", "--json").stdout)
        assert {"merchant_code", "access_code", "secret_key", "iv", "username", "password"} <= set(
            made
        )
        assert made["merchant_code"].isdigit()
        assert str(uuid.UUID(made["access_code"])) == made["access_code"]
        assert (len(made["secret_key"]), len(made["iv"])) == (32, 16)
        row = stored(server, made["id"])
        assert verify_password(row["password_hash"], made["password"])
        assert row["password_hash"].startswith("$argon2id$")

    def test_given_values_are_kept_and_a_given_password_is_not_printed(
        self, server: Server
    ) -> None:
        access = str(uuid.uuid4())
        code = f"M{uuid.uuid4().hex[:10]}"
        result = cli(
            server, "create", "--name", "Given", "--merchant-code", code, "--access-code", access,
            "--secret-key", KEY, "--iv", IV, "--username", f"user-{code}",
            "--password", "correct horse battery", "--json",
        )  # fmt: skip
        made = json.loads(result.stdout)
        assert (made["merchant_code"], made["access_code"]) == (code, access)
        assert (made["secret_key"], made["iv"], made["username"]) == (KEY, IV, f"user-{code}")
        assert "password" not in made
        assert "correct horse battery" not in result.stdout + result.stderr

    def test_secrets_are_not_stored_in_clear(self, server: Server) -> None:
        made = json.loads(cli(server, "create", "--name", "Sealed", "--json").stdout)
        row = stored(server, made["id"])
        everything = json.dumps(row, default=str)
        for secret in (made["secret_key"], made["iv"], made["password"], made["api_key"]):
            assert secret not in everything
        box = SecretBox(MASTER_KEY)
        context = f"merchant:{made['id']}:"
        assert (
            box.open(row["secret_key_sealed"], context=context + "secret_key") == made["secret_key"]
        )
        assert box.open(row["iv_sealed"], context=context + "iv") == made["iv"]
        with pytest.raises(ValueError, match="does not open"):
            box.open(row["secret_key_sealed"], context="merchant:999999:secret_key")

    @pytest.mark.parametrize(
        ("option", "value", "field"),
        [
            ("--secret-key", "too-short", "secret_key"),
            ("--iv", "x" * 17, "iv"),
            ("--access-code", "not-a-uuid", "access_code"),
            ("--merchant-code", "has space", "merchant_code"),
            ("--password", "short", "password"),
        ],
    )
    def test_bad_values_are_refused_and_nothing_is_created(
        self, server: Server, option: str, value: str, field: str
    ) -> None:
        name = f"Refused {uuid.uuid4().hex}"
        result = cli(server, "create", "--name", name, option, value, check=False)
        assert result.returncode == 1
        assert field in result.stderr
        count = sql(
            server.database_url, "SELECT count(*) FROM merchants WHERE name = :n", {"n": name}
        )
        assert count == [(0,)]

    def test_merchant_code_and_username_are_unique(self, server: Server) -> None:
        first = json.loads(cli(server, "create", "--name", "One", "--json").stdout)
        again = cli(
            server, "create", "--name", "Two", "--merchant-code", first["merchant_code"],
            check=False,
        )  # fmt: skip
        assert again.returncode == 1
        assert "merchant code" in again.stderr
        same_user = cli(
            server, "create", "--name", "Three", "--username", first["username"], check=False
        )
        assert same_user.returncode == 1


class TestRotateEnvelope:
    def test_new_key_and_iv_replace_the_old(self, server: Server) -> None:
        made = json.loads(cli(server, "create", "--name", "Rotating", "--json").stdout)
        before = stored(server, made["id"])
        rotated = json.loads(
            cli(server, "rotate-envelope", "--merchant", str(made["id"]), "--json").stdout
        )
        assert set(rotated) == {"secret_key", "iv"}
        assert (rotated["secret_key"], rotated["iv"]) != (made["secret_key"], made["iv"])
        after = stored(server, made["id"])
        assert after["secret_key_sealed"] != before["secret_key_sealed"]
        box = SecretBox(MASTER_KEY)
        context = f"merchant:{made['id']}:secret_key"
        assert box.open(after["secret_key_sealed"], context=context) == rotated["secret_key"]
        assert after["merchant_code"] == made["merchant_code"]

    def test_a_rotated_envelope_takes_over_within_the_cache_time(
        self, server: Server, hesabe: Hesabe
    ) -> None:
        """A process keeps a merchant's keys for FAWTARA_API_KEY_CACHE_SECONDS (1 s in the
        suite): calls sealed with the old key work until then, and only the new key after."""
        assert hesabe.send("GET", "/api/v1/invoice-dashboard").status_code == 200
        merchant_id = hesabe.merchant.id
        rotated = json.loads(
            cli(server, "rotate-envelope", "--merchant", str(merchant_id), "--json").stdout
        )
        changed_at = time.monotonic()
        while hesabe.send("GET", "/api/v1/invoice-dashboard").status_code == 200:
            assert time.monotonic() - changed_at < 3.0, "the old key still works"
            time.sleep(0.1)
        hesabe.merchant = replace(
            hesabe.merchant, secret_key=rotated["secret_key"], iv=rotated["iv"]
        )
        answer = hesabe.send("GET", "/api/v1/invoice-dashboard")
        assert answer.status_code == 200, answer.text
        assert hesabe.opened(answer)["status"] is True

    def test_unknown_merchant(self, server: Server) -> None:
        result = cli(server, "rotate-envelope", "--merchant", "999999", check=False)
        assert result.returncode == 1
        assert "not found" in result.stderr


class TestUsernamesIgnoreCase:
    """Sign-in matches a username whatever its case (a public kit signs in as `test` for the
    user `Test`), so two usernames differing only in case would be one login: refused."""

    def test_a_user_signs_in_in_any_case_and_is_shown_as_made(self, server: Server) -> None:
        name = f"Test-{uuid.uuid4().hex[:8]}"
        made = json.loads(
            cli(server, "create", "--name", "Cased", "--username", name, "--json").stdout
        )
        assert made["username"] == name
        for typed in (name, name.lower(), name.upper()):
            body = {"username": typed, "password": made["password"]}
            answer = httpx.post(f"{server.url}/api/v1/login", json=body)
            assert answer.status_code == 200, (typed, answer.text)
        wrong = httpx.post(
            f"{server.url}/api/v1/login",
            json={"username": name.lower(), "password": "not the password"},
        )
        assert wrong.status_code == 401

    def test_a_username_differing_only_in_case_is_taken(self, server: Server) -> None:
        name = f"Owner-{uuid.uuid4().hex[:8]}"
        cli(server, "create", "--name", "First", "--username", name)
        again = cli(
            server, "create", "--name", "Second", "--username", name.swapcase(), check=False
        )
        assert again.returncode == 1
        assert "username" in again.stderr
        count = sql(server.database_url, "SELECT count(*) FROM merchants WHERE name = 'Second'")
        assert count == [(0,)]
