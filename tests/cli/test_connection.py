"""Where the commands that call a server find it: flags, environment, config file; exit codes."""

import subprocess
from pathlib import Path

from tests.cli.user import User, fatora_env, hesabe_env
from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server, fawtara, free_port

BAD_KEY = "E4B73FEE-F492-4607-A38D-852B0EBC91C9"


def config(folder: Path, text: str) -> Path:
    path = folder / "fawtara" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


class TestSettings:
    def test_the_default_config_file(
        self, server: Server, merchant: MerchantCredentials, tmp_path: Path
    ) -> None:
        config(tmp_path, f'url = "{server.url}"\napi_key = "{merchant.api_key}"\n')
        assert User(tmp_path, {}).json("invoices", "list") == []

    def test_a_config_file_named_by_flag_or_environment(
        self, server: Server, merchant: MerchantCredentials, tmp_path: Path
    ) -> None:
        path = config(
            tmp_path / "elsewhere", f'url = "{server.url}"\napi_key = "{merchant.api_key}"'
        )
        home = tmp_path / "home"
        assert User(home, {}).json("invoices", "list", "--config", str(path)) == []
        assert User(home, {"FAWTARA_CONFIG": str(path)}).json("invoices", "list") == []

    def test_flags_come_before_the_environment_before_the_file(
        self, server: Server, merchant: MerchantCredentials, tmp_path: Path
    ) -> None:
        config(tmp_path, f'url = "{server.url}"\napi_key = "{BAD_KEY}"\n')
        right = User(tmp_path, {"FAWTARA_API_KEY": merchant.api_key})
        assert right.json("invoices", "list") == []
        assert "401" in right.fails(1, "invoices", "list", "--api-key", BAD_KEY)
        assert right.json("invoices", "list", "--api-key", merchant.api_key) == []

    def test_hesabe_credentials_from_the_file(
        self, server: Server, hesabe_merchant: MerchantCredentials, tmp_path: Path
    ) -> None:
        env = hesabe_env(server, hesabe_merchant)
        lines = [f'url = "{server.url}"', "[hesabe]"] + [
            f'{name.removeprefix("FAWTARA_HESABE_").lower()} = "{value}"'
            for name, value in env.items()
            if name.startswith("FAWTARA_HESABE_")
        ]
        config(tmp_path, "\n".join(lines))
        # Only Hesabe-style credentials: the Hesabe-style API, without --dialect.
        assert User(tmp_path, {}).json("invoices", "list") == []


class TestExitCodes:
    def test_usage_errors_exit_2(self, tmp_path: Path) -> None:
        user = User(tmp_path, {})
        assert "no server" in user.fails(2, "invoices", "list")
        assert "no API key" in user.fails(2, "invoices", "list", "--url", "http://127.0.0.1:1")
        user.fails(2, "invoices", "list", "--output", "xml")
        user.fails(2, "invoices", "create", "--amount", "ten")
        user.fails(2, "invoices", "get", "--url", "http://127.0.0.1:1")  # no id
        config(tmp_path, "url = [")
        assert "config file" in user.fails(2, "invoices", "list")

    def test_a_refused_request_exits_1(
        self, server: Server, merchant: MerchantCredentials, tmp_path: Path
    ) -> None:
        user = User(tmp_path, {**fatora_env(server, merchant), "FAWTARA_API_KEY": BAD_KEY})
        assert user.fails(1, "invoices", "list") == "Error: 401: Invalid API Key\n"

    def test_no_server_exits_1(self, tmp_path: Path) -> None:
        env = {"FAWTARA_URL": f"http://127.0.0.1:{free_port()}", "FAWTARA_API_KEY": BAD_KEY}
        assert "no answer from the server" in User(tmp_path, env).fails(1, "invoices", "list")

    def test_the_installed_command(
        self, server: Server, merchant: MerchantCredentials, tmp_path: Path
    ) -> None:
        env = {**server.env, **fatora_env(server, merchant), "XDG_CONFIG_HOME": str(tmp_path)}

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(fawtara(*args), env=env, capture_output=True, text=True)

        assert run("invoices", "list", "-o", "json").stdout == "[]\n"
        refused = run("invoices", "get", "1")
        assert (refused.returncode, refused.stdout, refused.stderr) == (
            1,
            "",
            "Error: 404: Invoice not found\n",
        )
        assert run("invoices", "list", "--output", "xml").returncode == 2
