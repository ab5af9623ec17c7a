"""PostgreSQL for the benchmarks: the server a run is given, or a throwaway cluster started for
the run with PostgreSQL's default settings; databases made on it and dropped at the end."""

import secrets
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

CLUSTER = Path(__file__).resolve().parent.parent / "scripts" / "postgres-cluster"
# Reported with the results: what the server promises about durability, and its main sizes.
REPORTED_SETTINGS = (
    "server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_level",
    "shared_buffers", "max_connections",
)  # fmt: skip


@contextmanager
def server(url: str | None) -> Iterator[str]:
    """A superuser URL: `url` itself, or that of a throwaway cluster (scripts/postgres-cluster,
    which installs PostgreSQL if needed) stopped and removed when the block ends, whatever ends
    it (with harness.stop_on_signals, SIGTERM too)."""
    if url:
        yield url
        return
    folder = Path(tempfile.mkdtemp(prefix="fawtara-bench-pg-"))
    try:
        print("[postgres] starting a throwaway cluster (default durability settings)", flush=True)
        # A session of its own: Ctrl-C in the terminal reaches us, and we stop the cluster.
        started = subprocess.run(
            [str(CLUSTER), "start", str(folder)],
            capture_output=True, text=True, start_new_session=True, check=False,
        )  # fmt: skip
        if started.returncode != 0:
            raise RuntimeError(f"{CLUSTER.name} start failed:\n{started.stderr}")
        yield started.stdout.strip()
    finally:
        subprocess.run([str(CLUSTER), "stop", str(folder)], capture_output=True, check=False)


def plain(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Databases:
    """Databases a run makes on a PostgreSQL server, named bench_<random>_<label>, all dropped
    by `drop_all` (call it in a `finally`)."""

    def __init__(self, admin_url: str) -> None:
        self._admin = make_url(plain(admin_url))
        self._run = f"bench_{secrets.token_hex(4)}"
        self._created: list[str] = []

    def _execute(self, sql: str) -> None:
        with psycopg.connect(self._admin.render_as_string(False), autocommit=True) as admin:
            admin.execute(sql)

    def _url(self, name: str) -> str:
        return self._admin.set(database=name).render_as_string(hide_password=False)

    def fresh(self, label: str) -> str:
        """A new empty database; its URL as FAWTARA_DATABASE_URL takes it."""
        name = f"{self._run}_{label}"
        self._execute(f'CREATE DATABASE "{name}"')
        self._created.append(name)
        return self._url(name)

    def copy(self, url: str, label: str) -> str:
        """A new database holding what the database at `url` holds (nobody may be connected to
        it): PostgreSQL copies its files, much faster than loading the rows again."""
        name = f"{self._run}_{label}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(url).database}"')
        self._created.append(name)
        return self._url(name)

    def drop_all(self) -> None:
        while self._created:
            self._execute(f'DROP DATABASE IF EXISTS "{self._created.pop()}" WITH (FORCE)')

    def local_server(self) -> int | None:
        """The PID of the server's postmaster if it runs on this machine, else None. Its
        backends are its children, each in a process group of its own (PostgreSQL makes every
        child a group leader), so they are found by their parent."""
        with psycopg.connect(self._admin.render_as_string(False)) as admin:
            pid = admin.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                return None  # another machine (or another PID namespace)
        if "(postgres)" not in stat:
            return None
        return int(stat[stat.rindex(")") + 2 :].split()[1])

    def settings(self) -> dict[str, str]:
        with psycopg.connect(self._admin.render_as_string(False)) as admin:
            return {
                name: str(admin.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
                for name in REPORTED_SETTINGS
            }
