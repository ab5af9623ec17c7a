"""The SDK and the client commands installed alone: a new venv, `pip install` of this repository
without extras, and nothing of the server in it.

Against a real server (the shared one, on each backend), that venv runs the README's Python
examples and the commands that call a server; the server's own commands say, in one line, how
to install the server.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.user import CONNECTION_VARS, both_env
from tests.client.test_readme import run_the_python_examples
from tests.fixtures.factories import new_merchant
from tests.fixtures.server import Server

REPO = Path(__file__).resolve().parents[2]
# A top-level module of each library of the `server` extra, and of their heaviest dependencies.
SERVER_LIBRARIES = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "psycopg",
                    "psycopg_pool", "pydantic_settings", "jwt", "iso4217", "orjson", "jiter",
                    "argon2", "openpyxl", "jinja2", "babel", "weasyprint", "segno",
                    "prometheus_client", "pythonjsonlogger", "fastapi_offline")  # fmt: skip
INSTALL_LINE = "pip install 'fawtara[server]'"


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ of a new venv holding this repository installed without extras."""
    folder = tmp_path_factory.mktemp("sdk-alone") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    installed = subprocess.run(
        [folder / "bin" / "python", "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", str(REPO)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]
    return folder / "bin"


def probe(venv: Path, code: str) -> Any:
    """What `code` (a Python expression) is worth in the venv, outside the repository."""
    result = subprocess.run(
        [venv / "python", "-c", f"import json, sys\nprint(json.dumps({code}))"],
        cwd=venv,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class TestInstall:
    def test_no_library_of_the_server_is_installed(self, venv: Path) -> None:
        found = probe(
            venv,
            f"[m for m in {SERVER_LIBRARIES!r} "
            "if __import__('importlib.util').util.find_spec(m) is not None]",
        )
        assert found == []

    def test_the_sdk_and_the_command_import_nothing_of_the_server(self, venv: Path) -> None:
        loaded = probe(
            venv,
            "(__import__('fawtara.client'), __import__('fawtara.cli.main'), "
            "sorted(m for m in sys.modules if m.startswith('fawtara')))[2]",
        )
        assert "fawtara.client" in loaded
        assert "fawtara.cli.main" in loaded
        others = [m for m in loaded if not m.startswith(("fawtara.client", "fawtara.cli"))]
        assert others == ["fawtara", "fawtara.envelope"]  # the AES, on cryptography


def test_the_readme_python_examples_run(venv: Path, server: Server, tmp_path: Path) -> None:
    run_the_python_examples(str(venv / "python"), server, tmp_path)


def fawtara(venv: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [venv / "fawtara", *args], cwd=venv, env=env, capture_output=True, text=True, check=False
    )


def terminal(tmp_path: Path, connection: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a user's shell, with no connection setting but `connection`."""
    env = {k: v for k, v in os.environ.items() if k not in CONNECTION_VARS}
    return {**env, "XDG_CONFIG_HOME": str(tmp_path), "COLUMNS": "200", **(connection or {})}


class TestCommands:
    def test_the_commands_that_call_a_server_work(
        self, venv: Path, server: Server, tmp_path: Path
    ) -> None:
        merchant = new_merchant(server.database_url, currency="KWD", with_user=True)
        env = terminal(tmp_path, both_env(server, merchant))

        def json_of(*args: str) -> Any:
            result = fawtara(venv, env, *args, "--output", "json")
            assert result.returncode == 0, result.stderr
            return json.loads(result.stdout)

        created = json_of("invoices", "create", "--item", "Design:2:150.125", "--number", "A-1")
        assert [(i["qty"], i["amount"]) for i in created["items"]] == [("2", "150.125")]
        assert json_of("invoices", "get", str(created["id"])) == created
        paid = json_of("payments", "add", str(created["id"]), "--amount", "300.25")
        assert (paid["status"], paid["payments"][0]["amount"]) == ("paid", "300.25")
        client = json_of("clients", "create", "--name", "Acme")
        assert [c["id"] for c in json_of("clients", "list")] == [client["id"]]

        upload = tmp_path / "invoices.csv"
        upload.write_text(
            "reference_number,name,phone,email,amount,description\n"
            "RENT-11,Ahmed,96566666666,,280.000,Rent\n"
        )
        report = json_of("invoices", "import", str(upload), "--dialect", "hesabe")
        assert (report["created"], report["refused"]) == (1, [])
        listed = json_of("invoices", "list", "--dialect", "hesabe")
        assert sorted(i["id"] for i in listed) == sorted([created["id"], *report["ids"]])

        # One invoice a row reads the file with the server's reader: it says what to install.
        result = fawtara(venv, env, "invoices", "import", str(upload))
        assert (result.returncode, result.stderr.count("\n")) == (1, 1), result.stderr
        assert INSTALL_LINE in result.stderr

    @pytest.mark.parametrize(
        "args",
        [
            ["serve", "--demo"],
            ["db", "upgrade"],
            ["merchant", "create", "--name", "Acme"],
            ["merchant", "key", "list", "--merchant", "1"],
            ["audit", "list"],
        ],
        ids=" ".join,
    )
    def test_a_server_command_says_how_to_install_the_server(
        self, venv: Path, tmp_path: Path, args: list[str]
    ) -> None:
        result = fawtara(venv, terminal(tmp_path), *args)
        assert result.returncode == 1
        assert result.stdout == ""
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"`fawtara {args[0]}")
        assert line.endswith(f"needs the server, which is not installed: {INSTALL_LINE}")

    def test_the_help_lists_every_command(self, venv: Path, tmp_path: Path) -> None:
        result = fawtara(venv, terminal(tmp_path), "--help")
        assert result.returncode == 0, result.stderr
        for command in ("serve", "db", "invoices", "clients", "payments", "merchant", "audit"):
            assert f" {command} " in result.stdout
