"""`fawtara serve` keeps its workers' metrics in a folder of the temp folder: a server that is
killed leaves it behind, and the next server to start removes it (never a live server's)."""

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.databases import fresh_database
from tests.fixtures.server import Server, running


@pytest.fixture
def temp(tmp_path: Path) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    with fresh_database("sqlite", tmp_path) as url:
        yield url


def metrics_folders(temp: Path) -> set[Path]:
    return set(temp.glob("fawtara-metrics-*"))


def serve(database: str, temp: Path, log: Path) -> Server:
    return Server(database, log, args=("--workers", "2"), env={"TMPDIR": str(temp)})


class TestMetricsFolders:
    def test_a_killed_servers_folder_is_removed_at_the_next_start(
        self, database: str, temp: Path, tmp_path: Path
    ) -> None:
        killed = serve(database, temp, tmp_path / "killed.log")
        assert httpx.get(f"{killed.url}/metrics").status_code == 200
        (left,) = metrics_folders(temp)
        assert any(left.glob("*.db"))  # the workers' figures are there
        killed.process.send_signal(signal.SIGKILL)
        killed.stop()
        assert metrics_folders(temp) == {left}

        with running(database, tmp_path / "next.log", env={"TMPDIR": str(temp)}):
            (current,) = metrics_folders(temp)
            assert current != left
        assert metrics_folders(temp) == set()  # and a server stopped as usual cleans up its own

    def test_a_running_servers_folder_is_left_alone(
        self, database: str, temp: Path, tmp_path: Path
    ) -> None:
        with running(database, tmp_path / "first.log", env={"TMPDIR": str(temp)}) as first:
            (folder,) = metrics_folders(temp)
            with running(database, tmp_path / "second.log", env={"TMPDIR": str(temp)}):
                assert folder in metrics_folders(temp)
                assert len(metrics_folders(temp)) == 2
            assert httpx.get(f"{first.url}/metrics").status_code == 200
            assert metrics_folders(temp) == {folder}
