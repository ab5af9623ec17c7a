"""The commands that call a server, run as a user would from a terminal (in-process, through
Typer's test runner), with the connection settings in the environment."""

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from fawtara.cli.main import app
from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server

HESABE_VARS = {
    "username": "FAWTARA_HESABE_USERNAME",
    "password": "FAWTARA_HESABE_PASSWORD",
    "access_code": "FAWTARA_HESABE_ACCESS_CODE",
    "merchant_code": "FAWTARA_HESABE_MERCHANT_CODE",
    "secret_key": "FAWTARA_HESABE_SECRET_KEY",
    "iv": "FAWTARA_HESABE_IV",
}
CONNECTION_VARS = ("FAWTARA_URL", "FAWTARA_API_KEY", "FAWTARA_DIALECT", "FAWTARA_CONFIG",
                   *HESABE_VARS.values())  # fmt: skip


def fatora_env(server: Server, merchant: MerchantCredentials) -> dict[str, str]:
    return {"FAWTARA_URL": server.url, "FAWTARA_API_KEY": merchant.api_key}


def both_env(server: Server, merchant: MerchantCredentials) -> dict[str, str]:
    """Every connection variable, for a merchant made with a Hesabe-style user."""
    return {**fatora_env(server, merchant), **hesabe_env(server, merchant)}


def hesabe_env(server: Server, merchant: MerchantCredentials) -> dict[str, str]:
    login = merchant.hesabe_login()
    return {"FAWTARA_URL": server.url, **{HESABE_VARS[k]: v for k, v in login.items()}}


class User:
    def __init__(self, home: Path, env: dict[str, str]) -> None:
        # Nothing from the environment running the tests, and no config file but the test's.
        unset: dict[str, str | None] = dict.fromkeys(CONNECTION_VARS)
        self.env = {**unset, "XDG_CONFIG_HOME": str(home), "COLUMNS": "200", **env}

    def run(self, *args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=self.env)

    def json(self, *args: str) -> Any:
        """The JSON output of a command that succeeds."""
        result = self.run(*args, "--output", "json")
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return json.loads(result.stdout)

    def fails(self, code: int, *args: str) -> str:
        """The stderr of a command that exits with `code`."""
        result = self.run(*args)
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        return result.stderr
