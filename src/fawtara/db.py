"""Database engine and the unit of work: the request's (`UnitOfWorkDep`) or a command's
(`Database.session()`).

The request owns the transaction: it commits when the route returns and rolls back on any
exception. Services and repositories only `flush()`.
"""

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Dialect, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection
from starlette.concurrency import run_in_threadpool

from fawtara.settings import Settings

_WRITE = "fawtara_write"

P = ParamSpec("P")
T = TypeVar("T")


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and pick the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and never takes the write lock up front,
    # so two concurrent writers can deadlock into SQLITE_BUSY. We take over BEGIN (SQLAlchemy's
    # documented pysqlite recipe) and begin writing requests IMMEDIATE, which queues writers on
    # busy_timeout instead of failing them.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(settings: Settings) -> Engine:
    url = normalise_url(settings.database_url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
    )


class Database:
    """One per process: the engine and the unit-of-work factory."""

    def __init__(self, settings: Settings) -> None:
        self.engine = make_engine(settings)
        self.writer = self.engine.execution_options(**{_WRITE: True})
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._sqlite_reader: PoolProxiedConnection | None = None

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

    async def read(
        self, fn: Callable[Concatenate[Any, Dialect, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run a read-only `fn(dbapi_connection, dialect, ...)` on a pooled connection, inline
        for SQLite (as UnitOfWork.run does), in the thread pool otherwise."""

        if self.is_sqlite:
            # Inline reads never overlap (they run to completion on the event loop thread), so
            # one connection kept for them saves a pool checkout and return on each.
            if self._sqlite_reader is None:
                self._sqlite_reader = self.engine.raw_connection()
            return fn(self._sqlite_reader.driver_connection, self.engine.dialect, *args, **kwargs)

        def call() -> T:
            pooled = self.engine.raw_connection()
            try:
                return fn(pooled.driver_connection, self.engine.dialect, *args, **kwargs)
            finally:
                pooled.close()

        return await run_in_threadpool(call)

    def unit(self, *, write: bool) -> "UnitOfWork":
        return UnitOfWork(self, write=write)

    def dispose(self) -> None:
        if self._sqlite_reader is not None:
            self._sqlite_reader.close()
            self._sqlite_reader = None
        self.engine.dispose()


class UnitOfWork:
    """One request's transaction, driven from async code: `async with database.unit(...)`.

    `run` calls domain code with the session. SQLite reads run inline on the event loop: a
    WAL-mode reader never waits for a lock, and a hop to the thread pool costs more than the
    query. Everything else (PostgreSQL, SQLite writes that may queue on the write lock) runs in
    the thread pool so the event loop never blocks on I/O. Leaving the block commits, or rolls
    back if an exception is leaving it.
    """

    def __init__(self, database: "Database", *, write: bool) -> None:
        self._bind = database.writer if write else database.engine
        self._session: Session | None = None
        self._inline = database.is_sqlite and not write

    @property
    def session(self) -> Session:
        """Made on first use: a request answered from caches never opens one."""
        if self._session is None:
            self._session = Session(bind=self._bind, expire_on_commit=False)
        return self._session

    async def run(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        if self._inline:
            return fn(self.session, *args, **kwargs)
        return await run_in_threadpool(fn, self.session, *args, **kwargs)

    async def __aenter__(self) -> "UnitOfWork":
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
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

        await self.run(end)


async def _request_unit(request: Request) -> AsyncIterator[UnitOfWork]:
    database: Database = request.app.state.db
    async with database.unit(write=request.method not in ("GET", "HEAD")) as unit:
        yield unit


# scope="function": the commit happens before the response is sent, so a client never sees a
# success for a write that then failed to commit; an exception leaving the route rolls back.
UnitOfWorkDep = Annotated[UnitOfWork, Depends(_request_unit, scope="function")]
