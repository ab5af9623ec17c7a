"""The folder where `fawtara serve`'s worker processes add up their metrics, and the clean-up of
folders that servers killed without warning (SIGKILL, a power cut) left behind.

A serving process holds an exclusive lock on the folder's `owner.lock` for its whole life; the
kernel drops the lock when the process dies, however it dies. So at start a server removes
every `fawtara-metrics-*` folder whose lock it can take: their owners are gone. Folders of
servers still running stay locked and untouched.
"""

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = "fawtara-metrics-"
LOCK = "owner.lock"


def _try_lock(path: Path) -> int | None:
    """An open descriptor holding the exclusive lock on `path`, or None if another holds it."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def remove_abandoned(parent: Path) -> list[Path]:
    """Remove the metrics folders in `parent` whose owner has died; returns what it removed."""
    removed = []
    for folder in parent.glob(f"{PREFIX}*"):
        fd = _try_lock(folder / LOCK)
        if fd is None:  # a live server's, or not one of ours
            continue
        try:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(fd)
        removed.append(folder)
    return removed


@contextmanager
def metrics_folder(parent: Path | None = None) -> Iterator[Path]:
    """A fresh metrics folder owned by this process while the block runs, removed after it."""
    parent = parent or Path(tempfile.gettempdir())
    remove_abandoned(parent)
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent))
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)
