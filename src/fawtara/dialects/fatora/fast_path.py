"""ASGI fast path for `GET /v1/invoices/{invoice_id}`, the most frequent request.

It sits in front of FastAPI's middleware and router and answers that one request with the
route's own wire rules (`route.refusal`, the one function `FatoraRoute` applies too) and its own
endpoint (`routes.get_invoice`), mapping errors with the dialect's own functions, so behaviour
is identical (tests/dialects/fatora/test_route_rules.py compares it, answer for answer, with a
sibling route's); what it skips is generic work: route matching, the exception and exit-stack
middlewares, dependency solving. Every other request, and this one under a root path, goes
through FastAPI as usual. It stays for its measured gain (bench/README.md, "One read path").
"""

import re

from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from fawtara.dialects.fatora.errors import from_domain, from_validation
from fawtara.dialects.fatora.route import refusal
from fawtara.dialects.fatora.routes import get_invoice
from fawtara.dialects.json_body import JSONRequest
from fawtara.errors import FawtaraError

_GET_INVOICE = re.compile(r"/v1/invoices/([^/]+)")


async def _answer(request: Request) -> Response:
    refused = await refusal(request)  # the route's own wire rules, the one function of them
    if refused is not None:
        return refused
    try:
        return await get_invoice(request)
    except FawtaraError as exc:
        return from_domain(exc)
    except RequestValidationError as exc:
        return from_validation(exc)


class FatoraFastPath:
    def __init__(self, app: ASGIApp, route: BaseRoute) -> None:
        self.app = app
        self.route = route  # left in the scope as the router would, for metrics and logs

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = _GET_INVOICE.fullmatch(scope["path"])
            if match is not None:
                scope["path_params"] = {"invoice_id": match.group(1)}
                scope["route"] = self.route
                response = await _answer(JSONRequest(scope, receive))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
