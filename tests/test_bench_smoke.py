"""The performance suite (bench/suite.py) in its tiniest run, so that a change that breaks the
benchmark fails here rather than in a full run: a 300-invoice SQLite store, a read and an
encrypted delete (login, sealed requests, a pool of invoices walked once), one worker, 4
connections, 1 s runs, no plots."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SUITE = Path(__file__).resolve().parent.parent / "bench" / "suite.py"

pytestmark = pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (scripts/bootstrap --test does it)"
)


class TestSuiteSmoke:
    def test_measures_checks_and_reports(self, tmp_path: Path) -> None:
        argv = [
            sys.executable, str(SUITE), "--quick", "--only", "get,hesabe-delete",
            "--backends", "sqlite", "--parts", "ops", "--workers", "1", "--connections", "4",
            "--ops-size", "300", "--out", str(tmp_path / "out"),
            "--results", str(tmp_path / "RESULTS.md"), "--no-plots",
        ]  # fmt: skip
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

        results = json.loads((tmp_path / "out" / "suite.json").read_text())
        assert results["failures"] == []
        cells = {(cell["operation"], cell["connections"]): cell for cell in results["cells"]}
        assert set(cells) == {("get", 4), ("hesabe-delete", 4)}
        for cell in cells.values():
            for run in (*cell["fawtara"], *cell["baseline"]):
                assert run["wrk"]["requests"] > 0
                assert run["wrk"]["non_2xx"] == run["wrk"]["socket_errors"] == 0, run["wrk"]
            for run in cell["fawtara"]:
                # A client that left mid-body at the end of a run is wrk's doing, not an error.
                assert [k for k in run["logged"] if "ClientDisconnect" not in k] == []
                assert not run["stalled"]
                assert run["memory"]["peak_total_mb"] > 0

        report = (tmp_path / "RESULTS.md").read_text()
        assert "## Targets" in report
        assert "| `hesabe-delete` |" in report
        assert "Every measured run got only 2xx answers" in report
