"""scripts/system-packages as an operator runs it while another package manager holds apt's lock.

apt-get and dpkg-query are stand-ins on PATH (the test must not install anything): the stand-in
dpkg-query reports one package missing, the stand-in apt-get records when it ran. The lock is the
real one, held the way apt holds it (an fcntl lock on dpkg's frontend lock file)."""

import fcntl
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.fixtures.system import unavailable

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "system-packages"
FRONTEND_LOCK = Path("/var/lib/dpkg/lock-frontend")


@pytest.fixture
def stand_ins(tmp_path: Path) -> Path:
    if os.geteuid() != 0 or not FRONTEND_LOCK.exists():
        unavailable("holding apt's lock needs root and dpkg")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dpkg-query").write_text(
        '#!/bin/sh\ncase "$*" in *wrk*) exit 1;; esac\necho "install ok installed"\n'
    )
    (bin_dir / "apt-get").write_text(f'#!/bin/sh\necho "$(date +%s.%N) $*" >> {tmp_path}/apt.log\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return tmp_path


def run(tmp_path: Path, timeout: int) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        "APT_LOCK_TIMEOUT": str(timeout),
    }
    return subprocess.run(
        [str(SCRIPT), "--bench"], env=env, capture_output=True, text=True, timeout=60
    )


def hold_lock(seconds: float) -> threading.Thread:
    held = threading.Event()

    def hold() -> None:
        with FRONTEND_LOCK.open("a") as lock:
            fcntl.lockf(lock, fcntl.LOCK_EX)
            held.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait()
    return thread


class TestLockHeld:
    def test_waits_for_the_lock_then_installs(self, stand_ins: Path) -> None:
        holder = hold_lock(3)
        started = time.time()
        result = run(stand_ins, timeout=30)
        holder.join()
        assert result.returncode == 0, result.stderr
        assert "Waiting for another package manager" in result.stderr
        calls = (stand_ins / "apt.log").read_text().splitlines()
        assert [" ".join(call.split()[1:]) for call in calls] == [
            "-o DPkg::Lock::Timeout=30 update -qq",
            "-o DPkg::Lock::Timeout=30 install -y -qq --no-install-recommends wrk",
        ]
        assert float(calls[0].split()[0]) - started >= 2.5

    def test_gives_up_after_the_timeout_with_a_clear_message(self, stand_ins: Path) -> None:
        holder = hold_lock(6)
        result = run(stand_ins, timeout=2)
        holder.join()
        assert result.returncode == 1
        assert "still holds apt's lock after 2 s" in result.stderr
        assert not (stand_ins / "apt.log").exists()
