"""The request's unit of work, the one dependency routes take it from (`UnitOfWorkDep`).

It commits when the route returns and rolls back when an exception leaves it (`db.UnitOfWork`);
beyond that it gives a route two ways to work outside its transaction, so that no route opens
a unit of its own:
- `on_error(SomeError, fn, ...)`: should a `SomeError` leave the request, `fn` runs once the
  request's unit has rolled back, in a short write unit of its own that commits. A failed
  sign-in is counted this way, and the route simply raises.
- `end()` then `apart(write=...)`: the request's unit commits and gives back its connection
  now, and the rest of the request runs in short units of its own (the PDF: open the invoice,
  end, then claim, render outside any transaction, and keep).
"""

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Concatenate, ParamSpec

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from fawtara.db import Database, UnitOfWork

P = ParamSpec("P")


class RequestUnit(UnitOfWork):
    def __init__(self, database: Database, *, write: bool) -> None:
        super().__init__(database, write=write)
        self._on_error: list[tuple[type[Exception], Callable[[Session], object]]] = []

    def on_error(
        self,
        error_type: type[Exception],
        fn: Callable[Concatenate[Session, P], object],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> None:
        """Run `fn(session, *args, **kwargs)`, committed in a unit of its own, if an
        `error_type` leaves the request (after this unit has rolled back)."""

        def step(session: Session) -> None:
            fn(session, *args, **kwargs)

        self._on_error.append((error_type, step))

    def apart(self, *, write: bool) -> UnitOfWork:
        """A short unit of its own, beside this one: `async with unit.apart(write=...)`."""
        return UnitOfWork(self._database, write=write)

    async def end(self) -> None:
        """Commit now and give everything back; no step of this unit may follow."""
        await super().__aexit__(None)
        self._committed = True

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: object = None, *_: object
    ) -> None:
        await super().__aexit__(exc_type)  # after `end`, only closes what is closed: no I/O
        for error_type, step in self._on_error:
            if isinstance(exc, error_type):
                async with self.apart(write=True) as unit:
                    await unit.run(step)


async def _request_unit(request: Request) -> AsyncIterator[RequestUnit]:
    database: Database = request.app.state.db
    unit = RequestUnit(database, write=request.method not in ("GET", "HEAD"))
    async with unit:
        yield unit


# scope="function": the commit happens before the response is sent, so a client never sees a
# success for a write that then failed to commit; an exception leaving the route rolls back.
UnitOfWorkDep = Annotated[RequestUnit, Depends(_request_unit, scope="function")]
