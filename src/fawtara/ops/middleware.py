"""The outermost layer of the app: gives each request its id (echoed in `X-Request-ID`), times
it into the metrics, writes its access line, and turns an unexpected exception into the
dialect's 500 answer with the traceback logged under the request's id."""

import logging
import time
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fawtara.edge import RouteTable
from fawtara.ops.logs import ACCESS_LOGGER, loggable_path, new_request_id, request_id
from fawtara.ops.metrics import Metrics

_access = logging.getLogger(ACCESS_LOGGER)
_errors = logging.getLogger("fawtara.errors")


class Observe:
    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        routes: RouteTable,
        server_error: Callable[[str], Response],
        access_log: bool,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes
        self.server_error = server_error
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]  # as asked: the layers below may take a trailing slash off
        rid = new_request_id(Headers(scope=scope).get("x-request-id"))
        token = request_id.set(rid)
        header = (b"x-request-id", rid.encode())
        status = 500
        answered = finished = False

        def finish() -> None:
            # Counted and logged before the answer's last bytes leave, so that a client that
            # has its answer finds the request in the log and the metrics.
            nonlocal finished
            finished = True
            self._record(scope, path, status, time.perf_counter() - started)

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status = message["status"]
                answered = True
                message["headers"] = [*message.get("headers", ()), header]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                finish()
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            status = 499  # the client left while its body was read: nobody to answer
        except Exception:
            route = self._route(scope)
            _errors.exception("unexpected error answering %s %s", scope["method"], route)
            self.metrics.errors.labels(scope["method"], route).inc()
            if answered:  # too late for an error answer: the client sees a cut response
                raise
            status = 500
            await self.server_error(scope["path"])(scope, receive, send_with_id)
        finally:
            if not finished:  # the client went away, or the answer was cut
                finish()
            request_id.reset(token)

    def _route(self, scope: Scope) -> str:
        # The router leaves the matched route in the scope: its template (never the path, which
        # holds ids and tokens) keeps the label set small.
        return self.routes.template(scope.get("route"))

    def _record(self, scope: Scope, path: str, status: int, seconds: float) -> None:
        route = self._route(scope)
        self.metrics.observe(scope["method"], route, status, seconds)
        if self.access_log and _access.isEnabledFor(logging.INFO):
            client = scope.get("client")
            _access.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": loggable_path(path, self.routes.words),
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "client": client[0] if client else None,
                },
            )
