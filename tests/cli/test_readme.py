"""The README's "Use from the terminal" examples, run as they are by a shell, on a new server."""

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.cli.user import HESABE_VARS, both_env
from tests.fixtures.databases import fresh_database
from tests.fixtures.factories import new_merchant
from tests.fixtures.readme import code_blocks
from tests.fixtures.server import running

SECTION = "Use from the terminal"


def test_the_terminal_examples_run(tmp_path: Path) -> None:
    command = Path(sys.executable).with_name("fawtara")
    assert command.exists(), "scripts/bootstrap installs the fawtara command next to python"
    with (
        fresh_database("sqlite", tmp_path) as url,
        running(url, tmp_path / "server.log") as server,
    ):
        merchant = new_merchant(url, currency="KWD", with_user=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("FAWTARA_")}
        env.update(
            both_env(server, merchant),
            PATH=f"{command.parent}{os.pathsep}{env.get('PATH', '')}",
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            COLUMNS="120",
        )
        blocks = code_blocks(SECTION, "sh")
        assert len(blocks) == 2
        printed = ""
        for block in blocks:
            result = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", block],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
            )
            assert result.returncode == 0, f"{block}\n{result.stdout}\n{result.stderr}"
            printed += result.stdout
        assert '"amount": "150.125"' in printed
        assert "Created 2 invoice(s)." in printed

        # The config file example, with this server's URL and credentials in its keys.
        (example,) = code_blocks(SECTION, "toml")
        settings = tomllib.loads(example)
        assert set(settings) == {"url", "api_key", "hesabe"}
        assert set(settings["hesabe"]) == set(HESABE_VARS)
        real = both_env(server, merchant)
        lines = [f'url = "{server.url}"', f'api_key = "{merchant.api_key}"', "[hesabe]"]
        lines += [f'{name} = "{real[var]}"' for name, var in HESABE_VARS.items()]
        config = tmp_path / "config.toml"
        config.write_text("\n".join(lines))
        bare = {k: v for k, v in env.items() if not k.startswith("FAWTARA_")}
        for dialect in ("fatora", "hesabe"):
            listed = subprocess.run(
                ["fawtara", "invoices", "list", "--all", "-o", "json", "--config", str(config),
                 "--dialect", dialect],
                env=bare, capture_output=True, text=True, check=True,
            )  # fmt: skip
            assert len(json.loads(listed.stdout)) == 6
