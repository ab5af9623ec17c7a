"""The README's "Use from Python" examples, run as they are against a real server."""

import os
import subprocess
import sys
from pathlib import Path

from tests.cli.user import both_env
from tests.fixtures.factories import new_merchant
from tests.fixtures.readme import code_blocks
from tests.fixtures.server import Server


def test_the_python_examples_run(server: Server, tmp_path: Path) -> None:
    run_the_python_examples(sys.executable, server, tmp_path)


def run_the_python_examples(python: str, server: Server, tmp_path: Path) -> None:
    """The examples, run by `python` (this one, or a venv's that holds only the SDK)."""
    merchant = new_merchant(server.database_url, currency="KWD", with_user=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAWTARA_")}
    env.update(both_env(server, merchant))
    blocks = code_blocks("Use from Python", "python")
    assert len(blocks) == 4
    printed = []
    for block in blocks:
        result = subprocess.run(
            [python, "-c", block], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, f"{block}\n{result.stderr}"
        printed.append(result.stdout)
    fatora, errors, concurrent, hesabe = printed
    assert "INV00002 https://invoices.example.test/i/" in fatora
    assert errors == "404 Invoice not found\n409: An invoice with this number already exists\n"
    numbers, amounts = zip(*(line.split() for line in concurrent.splitlines()), strict=True)
    assert (sorted(numbers), sorted(amounts)) == (
        ["INV00002", "INV00003", "INV00004"],
        ["10", "150.125", "20"],
    )
    assert "280.000 pending https://invoices.example.test/i/" in hesabe
    assert "RENT-13 Sara 12.500" in hesabe
