"""The performance suite (bench/suite.py) and the ceiling ladder (bench/ceiling.py) in their
tiniest runs, so that a change that breaks a benchmark fails here rather than in a full run.
The suite: a 300-invoice SQLite store, a read and an encrypted delete (login, sealed requests,
a pool of invoices walked once), one worker, 4 connections, 1 s runs, no plots."""

import json
import os
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


CEILING = SUITE.with_name("ceiling.py")


class TestCeilingSmoke:
    def test_every_rung_answers_fawtaras_bytes_under_load(self, tmp_path: Path) -> None:
        """bench/ceiling.py in its tiniest run: every app of rungs.py must first answer the
        sample request with Fawtara's own status and bytes (the create's replay included),
        then take load without an error; on PostgreSQL too when the tests have one."""
        postgres_url = os.environ.get("FAWTARA_TEST_POSTGRES_URL")
        backends = "sqlite,postgres" if postgres_url else "sqlite"
        argv = [
            sys.executable, str(CEILING), "--size", "300", "--workers", "1",
            "--connections", "4", "--rounds", "1", "--duration", "1", "--warmup", "0",
            "--backends", backends, "--out", str(tmp_path), "--results", str(tmp_path / "C.md"),
            *(["--postgres-url", postgres_url] if postgres_url else []),
        ]  # fmt: skip
        done = subprocess.run(argv, capture_output=True, text=True, timeout=240, check=False)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

        runs = json.loads((tmp_path / "ceiling.json").read_text())
        reads = sorted(["baseline", "raw + SQL", "FastAPI, empty", "FastAPI + SQL", "Fawtara"])
        expected = {"sqlite": {"get": reads, "create": ["Fawtara", "baseline", "raw + SQL"]}}
        if postgres_url:
            expected["postgres"] = {"get": reads}
        found = {
            b: {op: sorted(r["rung"] for r in rs) for op, rs in ops.items()}
            for b, ops in runs.items()
        }
        assert found == expected
        assert all(r["requests"] > 0 for ops in runs.values() for rs in ops.values() for r in rs)
        report = (tmp_path / "C.md").read_text()
        assert "| raw + SQL |" in report
        assert "## POST /v1/invoices, SQLite" in report


class TestHardeningSmoke:
    def test_renders_downloads_and_xlsx_are_measured_and_reported(self, tmp_path: Path) -> None:
        argv = [
            sys.executable, str(SUITE), "--quick", "--parts", "hardening", "--backends", "sqlite",
            "--out", str(tmp_path / "out"), "--results", str(tmp_path / "RESULTS.md"),
            "--no-plots",
        ]  # fmt: skip
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

        results = json.loads((tmp_path / "out" / "suite.json").read_text())
        assert results["failures"] == []
        figures = results["hardening"]
        assert all(len(figures["render"][n]) == 1 for n in ("50", "500"))
        assert figures["downloads"]["renders"] == 1
        assert figures["downloads"]["answered_200"] == 20
        outcomes = [row["outcome"] for row in figures["xlsx"]]
        assert outcomes[0] == "accepted"
        assert outcomes[1].startswith("refused: ")
        report = (tmp_path / "RESULTS.md").read_text()
        assert "## Hardening: PDF renders and XLSX uploads" in report
        assert "20 concurrent first downloads of a link: 1 render" in report
