"""Database engines and the unit of work: a request's (`request_unit.UnitOfWorkDep`) or a
command's (`Database.session()`).

The request owns the transaction: it commits when the route returns and rolls back on any
exception. Services and repositories only `flush()`.

With a read replica configured (`FAWTARA_DATABASE_REPLICA_URL`), the reads that routes mark as
replica-safe (getting and listing a merchant's invoices and clients) go to it, except:
- for a merchant this process wrote for in the last `replica_read_after_write_seconds`, whose
  reads stay on the primary so that a caller sees its own changes;
- when the replica has not got the record yet (a not-found there is asked again of the
  primary, so an invoice made through another process is never "not found") or cannot be
  reached (the read is served by the primary and logged).
"""

import asyncio
import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection
from starlette.concurrency import run_in_threadpool

from fawtara.credentials.principal import Principal
from fawtara.errors import NotFound
from fawtara.ops.metrics import Metrics
from fawtara.settings import Settings

_WRITE = "fawtara_write"

P = ParamSpec("P")
T = TypeVar("T")

_log = logging.getLogger("fawtara.db")
REPLICA_RETRY_SECONDS = 5
REPLICA_CONNECT_SECONDS = 2.0


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and pick the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def configure_sqlite_connection(dbapi_connection: Any) -> None:
    """What every SQLite connection of Fawtara's runs first: BEGIN taken over (see below),
    WAL, `synchronous=NORMAL`, foreign keys, a busy timeout."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and never takes the write lock up front,
    # so two concurrent writers can deadlock into SQLITE_BUSY. We take over BEGIN (SQLAlchemy's
    # documented pysqlite recipe) and begin writing requests IMMEDIATE, which queues writers on
    # busy_timeout instead of failing them.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        configure_sqlite_connection(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class ProcessTurn:
    """SQLite's write lock, handed between the processes of a server without sleeping: a
    write unit takes an exclusive `flock` on a file beside the database before its
    `BEGIN IMMEDIATE`, and gives it back right after its commit or rollback.

    Without it, the processes meet in `BEGIN IMMEDIATE` itself, and the one that finds the lock
    taken sleeps in SQLite's busy handler (1, 2, 5, 10, … ms, however soon the lock is freed
    meanwhile) while the holder, with requests of its own queued, takes it again: under load
    two workers wrote no faster than one, with a p99 of 0.65 s for a create (bench/README.md).
    A process blocked on an flock wakes as soon as the lock is let go, and the kernel drops
    the lock of a process that dies. Writers outside the server (the CLI) still meet the
    server in `BEGIN IMMEDIATE`, as before. Hand-written: the one call SQLite does not offer.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None  # opened by the process that locks it, never inherited

    def take(self) -> None:
        """Wait for the turn: blocks, so only ever called in the thread pool."""
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def give(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # also lets go of the lock
            self._fd = None


def _process_turn(engine: Engine) -> ProcessTurn | None:
    """The turn for a SQLite file named by its path; none for an in-memory database (one
    process) or a `file:` URI (whose path is not the name)."""
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return ProcessTurn(f"{name}-writer.lock")


def make_engine(settings: Settings, database_url: str | None = None) -> Engine:
    url = normalise_url(database_url or settings.database_url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
        # Errors are logged with their traceback: keep the statement's values (customer data,
        # key digests) out of the message.
        hide_parameters=True,
    )


class Database:
    """One per process: the engines (primary, optional replica) and the unit-of-work factory."""

    def __init__(self, settings: Settings, metrics: Metrics | None = None) -> None:
        self.engine = make_engine(settings)
        self.writer = self.engine.execution_options(**{_WRITE: True})
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._sqlite_reader: PoolProxiedConnection | None = None
        self.replica: Engine | None = None
        if settings.database_replica_url:
            if self.is_sqlite:
                raise ValueError("FAWTARA_DATABASE_REPLICA_URL needs a PostgreSQL primary")
            self.replica = make_engine(settings, settings.database_replica_url)
        self._own_writes_seconds = settings.replica_read_after_write_seconds
        self._last_write: dict[int, float] = {}  # merchant id -> when this process wrote for it
        self._replica_away_until = 0.0
        self.metrics = metrics
        self._pool_size = settings.db_pool_size
        # See UnitOfWork: units in flight at most as many as the pool's connections (less the
        # one SQLite keeps for the hot read), and one SQLite writer at a time per process.
        connections = settings.db_pool_size + settings.db_max_overflow
        self.unit_slots = asyncio.Semaphore(max(connections - (1 if self.is_sqlite else 0), 1))
        self.write_turn = asyncio.Lock() if self.is_sqlite else None
        self.process_turn = _process_turn(self.engine) if self.is_sqlite else None
        self._async_pools: dict[str, AsyncConnectionPool] = {}
        self._async_in_use: dict[str, Any] = {}
        if metrics is not None:
            capacity = None if self.is_sqlite else settings.db_pool_size + settings.db_max_overflow
            metrics.watch_pool(self.engine, "primary", capacity)
            if self.replica is not None:
                metrics.watch_pool(self.replica, "replica", capacity)
            if not self.is_sqlite:
                for name in ("primary", "replica") if self.replica is not None else ("primary",):
                    label = f"{name}-reads"  # the hot GET's asyncio pool
                    metrics.pool_capacity.labels(label).set(settings.db_pool_size)
                    self._async_in_use[name] = metrics.pool_checked_out.labels(label)

    def wrote_for(self, merchant_ids: set[int]) -> None:
        now = time.monotonic()
        for merchant_id in merchant_ids:
            self._last_write[merchant_id] = now
        if len(self._last_write) > 10_000:  # forget merchants whose window has passed
            horizon = now - self._own_writes_seconds
            self._last_write = {m: t for m, t in self._last_write.items() if t > horizon}

    def replica_for(self, merchant_id: int) -> Engine | None:
        """The replica, if this merchant's reads may go there now."""
        if self.replica is None:
            return None
        if time.monotonic() < self._replica_away_until:
            self.count_read("primary")
            return None
        wrote = self._last_write.get(merchant_id)
        if wrote is not None and time.monotonic() - wrote < self._own_writes_seconds:
            self.count_read("primary")
            return None
        return self.replica

    def replica_failed(self, exc: Exception) -> None:
        """A read on the replica raised `exc`: re-raised unless the replica is unreachable, in
        which case reads go to the primary for a while before it is tried again."""
        if not _unreachable(exc):
            raise exc
        self._replica_away_until = time.monotonic() + REPLICA_RETRY_SECONDS
        _log.warning(
            "read replica unreachable, reading from the primary for %d s: %s",
            REPLICA_RETRY_SECONDS,
            exc,
        )

    def count_read(self, target: str) -> None:
        if self.metrics is not None:
            self.metrics.reads.labels(target).inc()

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A unit of work: committed if the block succeeds, rolled back otherwise."""
        with Session(bind=self.writer if write else self.engine, expire_on_commit=False) as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    async def fetch_one(
        self, merchant_id: int | None, sql: str, params: tuple[Any, ...] | dict[str, Any]
    ) -> tuple[Any, ...] | None:
        """The first row of one read-only statement on a bare DBAPI connection: inline on SQLite's
        kept reader; on PostgreSQL on the event loop through an asyncio psycopg pool (no hop),
        from the replica when the rules allow for `merchant_id`; with None from the primary."""
        if self.is_sqlite:
            connection = self._reader()
            cursor = connection.cursor()
            try:
                cursor.execute(sql, params)
                row: tuple[Any, ...] | None = cursor.fetchone()
                return row
            finally:
                cursor.close()
        if merchant_id is not None and self.replica_for(merchant_id) is not None:
            try:
                row = await self._fetch_one("replica", sql, params)
                if row is not None:
                    self.count_read("replica")
                    return row
            except Exception as exc:
                self.replica_failed(exc)
            self.count_read("primary")  # not replicated yet, or the replica is away
        return await self._fetch_one("primary", sql, params)

    def _async_pool(self, name: str) -> AsyncConnectionPool:
        pool = self._async_pools.get(name)
        if pool is None:
            engine = self.engine if name == "primary" else self.replica
            assert engine is not None
            conninfo = engine.url.set(drivername="postgresql").render_as_string(False)
            # Autocommit: a single statement is its own snapshot; no BEGIN/ROLLBACK round trips.
            pool = AsyncConnectionPool(
                conninfo,
                min_size=1,
                max_size=self._pool_size,
                kwargs={"autocommit": True},
                open=False,
                name=f"fawtara-{name}-reads",
                # A replica that cannot give a connection soon is treated as away.
                timeout=30.0 if name == "primary" else REPLICA_CONNECT_SECONDS,
            )
            self._async_pools[name] = pool
        return pool

    async def _fetch_one(
        self, name: str, sql: str, params: tuple[Any, ...] | dict[str, Any]
    ) -> tuple[Any, ...] | None:
        pool = self._async_pool(name)
        if pool.closed:
            await pool.open(wait=False)
        in_use = self._async_in_use.get(name)
        if in_use is not None:
            in_use.inc()
        try:
            async with pool.connection() as connection:
                cursor = await connection.execute(sql, params)
                return await cursor.fetchone()
        finally:
            if in_use is not None:
                in_use.dec()

    def _reader(self) -> Any:
        # Inline reads never overlap (they run to completion on the event loop thread), so
        # one connection kept for them saves a pool checkout and return on each.
        if self._sqlite_reader is None:
            self._sqlite_reader = self.engine.raw_connection()
        return self._sqlite_reader.driver_connection

    def unit(self, *, write: bool) -> "UnitOfWork":
        return UnitOfWork(self, write=write)

    async def aclose(self) -> None:
        """Close the asyncio pools (at the end of the app's lifespan), then `dispose`."""
        for pool in self._async_pools.values():
            await pool.close()
        self._async_pools.clear()
        self.dispose()

    def dispose(self) -> None:
        if self._sqlite_reader is not None:
            self._sqlite_reader.close()
            self._sqlite_reader = None
        if self.process_turn is not None:
            self.process_turn.close()
        self.engine.dispose()
        if self.replica is not None:
            self.replica.dispose()


def _unreachable(exc: Exception) -> bool:
    """A connection that could not be made or broke (refused, reset, server gone): the driver's
    OperationalError, raised bare from a raw pool checkout, wrapped by SQLAlchemy elsewhere."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig  # type: ignore[assignment]
    return type(exc).__name__ in ("OperationalError", "InterfaceError")


class UnitOfWork:
    """One request's transaction, driven from async code: `async with database.unit(...)`.

    `run` calls domain code with the session. SQLite reads run inline on the event loop: a
    WAL-mode reader never waits for a lock, and a hop to the thread pool costs more than the
    query. Everything else (PostgreSQL, SQLite writes that may queue on the write lock) runs in
    the thread pool so the event loop never blocks on I/O. Leaving the block commits, or rolls
    back if an exception is leaving it.

    Before its first step a unit takes one of the process's unit slots (as many as the pool
    has connections), and on SQLite a write unit also the process's write turn; both are
    waited for on the event loop and given back when the unit ends. A SQLite write unit then
    takes the server's turn among its processes (`ProcessTurn`) in its first step's thread,
    and gives it back in the thread that commits or rolls back. So a thread never waits
    for a connection, or for SQLite's write lock, that only another thread-pool step could
    free: without them, a burst of requests larger than the thread pool filled it with
    waiters while the requests holding connections (or the write lock) waited for a thread to
    commit, until timeouts answered 500.
    """

    def __init__(self, database: "Database", *, write: bool) -> None:
        self._database = database
        self._write = write
        self._bind = database.writer if write else database.engine
        self._session: Session | None = None
        self._inline = database.is_sqlite and not write
        self._wrote_for: set[int] = set()  # merchants whose data this unit may change
        self._slot = False
        self._turn = False
        self._process_turn = database.process_turn if write else None
        self._has_process_turn = False
        self._committed = False  # by `finish`: nothing is left to do but close

    @property
    def session(self) -> Session:
        """Made on first use: a request answered from caches never opens one."""
        if self._session is None:
            self._session = Session(bind=self._bind, expire_on_commit=False)
        return self._session

    async def _take_slot(self) -> None:
        if self._slot:
            return
        database = self._database
        if self._write and database.write_turn is not None:
            await database.write_turn.acquire()
            self._turn = True
        await database.unit_slots.acquire()
        self._slot = True

    def _give_back(self) -> None:
        self._let_go()  # already given back unless the transaction could not end
        if self._slot:
            self._database.unit_slots.release()
            self._slot = False
        if self._turn:
            assert self._database.write_turn is not None
            self._database.write_turn.release()
            self._turn = False

    async def run(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        assert not self._committed, "no step after the unit's last (`finish`)"
        await self._take_slot()
        if self._write and args and isinstance(args[0], Principal):
            # Domain calls take the caller first (tenancy): a write unit notes whose data it
            # changes, so that merchant's next reads here stay on the primary.
            self._wrote_for.add(args[0].merchant_id)
        if self._inline:
            return fn(self.session, *args, **kwargs)
        if self._process_turn is not None and not self._has_process_turn:
            return await run_in_threadpool(self._taking_turn, fn, self.session, *args, **kwargs)
        return await run_in_threadpool(fn, self.session, *args, **kwargs)

    def _taking_turn(
        self,
        fn: Callable[Concatenate[Session, P], T],
        session: Session,
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        assert self._process_turn is not None
        self._process_turn.take()
        self._has_process_turn = True
        return fn(session, *args, **kwargs)

    def _let_go(self) -> None:
        """Give back the turn among processes once the transaction has ended."""
        if self._has_process_turn:
            assert self._process_turn is not None
            self._process_turn.give()
            self._has_process_turn = False

    async def finish(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`run` as the unit's last step: it commits in the same thread-pool hop. A request
        whose one write step runs this pays one hop, not two (on SQLite a hop costs about as
        much as the write's SQL); leaving the block then only closes the session."""

        def step(session: Session, /, *a: P.args, **kw: P.kwargs) -> T:
            result = fn(session, *a, **kw)
            session.commit()
            self._let_go()
            return result

        result = await self.run(step, *args, **kwargs)
        self._committed = True
        return result

    async def read(
        self,
        fn: Callable[Concatenate[Session, Principal, P], T],
        principal: Principal,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """`run` for a replica-safe read of the caller's data (see the module docstring)."""
        database = self._database
        replica = database.replica_for(principal.merchant_id)
        if replica is not None:
            await self._take_slot()  # the replica's pool is sized as the primary's

            def on_replica() -> T:
                with Session(bind=replica) as session:
                    return fn(session, principal, *args, **kwargs)

            try:
                result = await run_in_threadpool(on_replica)
                database.count_read("replica")
                return result
            except NotFound:
                database.count_read("primary")  # maybe not replicated yet: the primary decides
            except Exception as exc:
                database.replica_failed(exc)
                database.count_read("primary")
        return await self.run(fn, principal, *args, **kwargs)

    async def __aenter__(self) -> "UnitOfWork":
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        try:
            if self._session is None:
                return

            def end(session: Session) -> None:
                try:
                    if exc_type is None:
                        session.commit()
                    else:
                        session.rollback()
                finally:
                    session.close()
                    self._let_go()

            if self._committed:
                self._session.close()  # no transaction is open: no I/O
            else:
                await self.run(end)
            if exc_type is None and self._wrote_for:
                self._database.wrote_for(self._wrote_for)
        finally:
            self._give_back()
