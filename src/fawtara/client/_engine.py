"""What both dialects and both transports share: calls, retries, signing in, and the drivers.

An API call is written once, as a generator (a *flow*) that yields what it needs done — send
this request, sleep this long, sign in holding the client's lock — and is sent the results, as
httpx's own auth flows are. `SyncEngine` runs flows with `httpx.Client` and `time.sleep`,
`AsyncEngine` with `httpx.AsyncClient` and `asyncio.sleep`: nothing else differs between the
blocking and the asyncio clients.
"""

import asyncio
import base64
import math
import random
import threading
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Generic, Protocol, Self, TypedDict, TypeVar, Unpack

import httpx
import pydantic

from fawtara import __version__
from fawtara.client._errors import FawtaraError, RequestTimeout, TransportError
from fawtara.client._json import loads

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

RETRIED_STATUSES = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class Call(Generic[T_co]):
    """One API call: what to send, and how to read a successful answer's body into a result."""

    method: str
    path: str
    read: Callable[[Any], T_co]
    params: Mapping[str, str] | None = None
    body: Any = None
    signed: bool = True  # made with the session's token; False for the sign-in calls


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


@dataclass(frozen=True, slots=True)
class Locked:
    """Run `flow` holding the client's lock, so that concurrent calls sign in once."""

    flow: "Flow[None]"


Step = httpx.Request | Sleep | Locked
Flow = Generator[Step, Any, T]


@dataclass(frozen=True, slots=True)
class Retry:
    """How a call answered 429 or 503, or that could not connect, is tried again.

    `attempts` counts every try, the first included (1: never retry). The wait before a retry is
    the answer's Retry-After when it gives one, else `backoff` seconds doubled on each retry
    (with jitter). A Retry-After longer than `max_wait` is not waited for: the call fails at once
    with RateLimitError, whose `retry_after` says when to come back.
    """

    attempts: int = 3
    backoff: float = 0.5
    max_wait: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.backoff < 0 or self.max_wait < 0:
            raise ValueError("attempts must be at least 1, backoff and max_wait not negative")

    def wait(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait after failed try number `attempt` (from 0), or None to give up."""
        if attempt + 1 >= self.attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_wait else None
        return min(self.max_wait, self.backoff * 2.0**attempt * random.uniform(0.5, 1.0))


class Options(TypedDict, total=False):
    """Transport settings every client takes."""

    timeout: float | httpx.Timeout  # seconds per request (connect, read, write, pool)
    retry: Retry


class Session:
    """A signed-in session: its token, and when to renew it (on the monotonic clock).

    Renewal is due a little before the token's lifetime ends (a tenth of it, between 1 and 60
    seconds), so that a token is not sent as it expires."""

    __slots__ = ("refresh_token", "renew_at", "token")

    def __init__(self, token: str, lifetime: float, refresh_token: str | None = None) -> None:
        self.token = token
        self.refresh_token = refresh_token
        self.renew_at = time.monotonic() + lifetime - min(60.0, max(1.0, lifetime / 10))

    def due(self) -> bool:
        return time.monotonic() >= self.renew_at

    def expire(self) -> None:
        self.renew_at = -math.inf


def retry_after(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds (it may be a number or an HTTP date)."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def decoded(response: httpx.Response) -> Any:
    """An error answer's body: its JSON, or its text when it is not JSON."""
    try:
        return loads(response.content)
    except ValueError:
        return response.text


def jwt_lifetime(token: str, default: float) -> float:
    """Seconds between a JWT's `iat` and `exp` claims (read, not verified: the server does)."""
    try:
        payload = token.split(".")[1]
        claims = loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["exp"]) - float(claims["iat"])
    except (IndexError, ValueError, KeyError, TypeError):
        return default


def _not_sent(exc: httpx.TransportError) -> bool:
    """The request never reached the server, so trying again cannot do anything twice."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)


def _transport_error(exc: httpx.TransportError) -> TransportError:
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeout(f"no answer in time ({exc.__class__.__name__})")
    return TransportError(f"no answer from the server: {exc}")


class Engine:
    """A dialect's state and flows, whatever the transport. Dialects provide the hooks."""

    _http: httpx.Client | httpx.AsyncClient  # builds requests; the engines below send them

    def __init__(self, base_url: str, **options: Unpack[Options]) -> None:
        self.retry = options.get("retry", Retry())
        self._session: Session | None = None
        self._transport_options: dict[str, Any] = {
            "base_url": base_url,
            "timeout": options.get("timeout", 30.0),
            "headers": {"User-Agent": f"fawtara-python/{__version__}"},
        }

    # --- hooks: what a dialect provides ----------------------------------------------------

    def _request(self, call: Call[Any]) -> httpx.Request:
        """The HTTP request of a call, made with the current session when it is signed."""
        raise NotImplementedError

    def _body(self, call: Call[Any], response: httpx.Response) -> Any:
        """What `call.read` reads from a successful answer."""
        raise NotImplementedError

    def _error(self, response: httpx.Response) -> FawtaraError:
        """The exception for an error answer."""
        raise NotImplementedError

    def _sign_in(self) -> Flow[None]:
        """Make `self._session` a fresh session."""
        raise NotImplementedError

    def _needs_session(self) -> bool:
        return self._session is None or self._session.due()

    # --- flows ----------------------------------------------------------------------------

    def _flow(self, call: Call[T]) -> Flow[T]:
        response = yield from self._exchange(call)
        try:
            return call.read(self._body(call, response))
        except pydantic.ValidationError as exc:
            raise FawtaraError(
                f"unexpected answer from {call.method} {call.path}: {exc}",
                status_code=response.status_code,
                body=decoded(response),
            ) from None

    def _exchange(self, call: Call[Any]) -> Flow[httpx.Response]:
        """Send a call until it has an answer to return: signing in first when the session is
        due, once more when a signed call is refused with 401, and retrying as `self.retry`
        says. Error answers raise."""
        attempt = 0
        renewed = False
        while True:
            if call.signed and self._needs_session():
                yield Locked(self._renew())
            session = self._session
            try:
                response: httpx.Response = yield self._request(call)
            except httpx.TransportError as exc:
                wait = self.retry.wait(attempt, None) if _not_sent(exc) else None
                if wait is None:
                    raise _transport_error(exc) from exc
            else:
                status = response.status_code
                if status == 401 and call.signed and session is not None and not renewed:
                    renewed = True  # the token expired early or was revoked: sign in again
                    session.expire()
                    continue
                retried = status in RETRIED_STATUSES
                wait = self.retry.wait(attempt, retry_after(response)) if retried else None
                if wait is None:
                    if response.is_error:
                        raise self._error(response)
                    return response
            attempt += 1
            yield Sleep(wait)

    def _renew(self) -> Flow[None]:
        if self._needs_session():  # else another call renewed it while this one waited
            yield from self._sign_in()


class _Stepper(Generic[T]):
    """Runs a flow one step at a time: `next()` gives its next step, None once it returned."""

    def __init__(self, flow: Flow[T]) -> None:
        self._flow = flow
        self.value: Any = None
        self.error: Exception | None = None
        self.result: T

    def next(self) -> Step | None:
        try:
            if self.error is not None:
                error, self.error = self.error, None
                return self._flow.throw(error)
            value, self.value = self.value, None
            return self._flow.send(value)
        except StopIteration as stop:
            self.result = stop.value
            return None


class SyncEngine(Engine):
    """Runs flows over `httpx.Client`, blocking."""

    def __init__(self, base_url: str, **options: Unpack[Options]) -> None:
        super().__init__(base_url, **options)
        self._http = self._sender = httpx.Client(**self._transport_options)
        self._lock = threading.Lock()

    def _run(self, call: Call[T]) -> T:
        return self._drive(self._flow(call))

    def _drive(self, flow: Flow[T]) -> T:
        stepper = _Stepper(flow)
        while (step := stepper.next()) is not None:
            try:
                stepper.value = self._perform(step)
            except Exception as exc:  # handed to the flow, which raises what it does not handle
                stepper.error = exc
        return stepper.result

    def _perform(self, step: Step) -> Any:
        if isinstance(step, Sleep):
            return time.sleep(step.seconds)
        if isinstance(step, Locked):
            with self._lock:
                return self._drive(step.flow)
        return self._sender.send(step)

    def close(self) -> None:
        self._sender.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncEngine(Engine):
    """Runs flows over `httpx.AsyncClient`."""

    def __init__(self, base_url: str, **options: Unpack[Options]) -> None:
        super().__init__(base_url, **options)
        self._http = self._sender = httpx.AsyncClient(**self._transport_options)
        self._lock = asyncio.Lock()

    async def _run(self, call: Call[T]) -> T:
        return await self._drive(self._flow(call))

    async def _drive(self, flow: Flow[T]) -> T:
        stepper = _Stepper(flow)
        while (step := stepper.next()) is not None:
            try:
                stepper.value = await self._perform(step)
            except Exception as exc:  # handed to the flow, which raises what it does not handle
                stepper.error = exc
        return stepper.result

    async def _perform(self, step: Step) -> Any:
        if isinstance(step, Sleep):
            return await asyncio.sleep(step.seconds)
        if isinstance(step, Locked):
            async with self._lock:
                return await self._drive(step.flow)
        return await self._sender.send(step)

    async def aclose(self) -> None:
        await self._sender.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


# --- resources ------------------------------------------------------------------------------


class Paged(Protocol[T_co]):
    """A page of a list answer, whatever the dialect calls its parts."""

    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def next_page(self) -> int | None: ...


class SyncResource:
    def __init__(self, client: SyncEngine) -> None:
        self._run = client._run

    def _iterate(self, page: Callable[[int], Call[Paged[T]]]) -> Iterator[T]:
        number: int | None = 1
        while number is not None:
            result = self._run(page(number))
            yield from result.items
            number = result.next_page


class AsyncResource:
    def __init__(self, client: AsyncEngine) -> None:
        self._run = client._run

    async def _iterate(self, page: Callable[[int], Call[Paged[T]]]) -> AsyncIterator[T]:
        number: int | None = 1
        while number is not None:
            result = await self._run(page(number))
            for item in result.items:
                yield item
            number = result.next_page
