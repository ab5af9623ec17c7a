"""Fatora-style API under /v1: Authorize, invoices and clients."""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from fawtara.clients import service as clients
from fawtara.clients.schemas import ClientPage
from fawtara.credentials.throttle import Throttle, address_key
from fawtara.db import Database, UnitOfWorkDep
from fawtara.dialects.fatora.auth import (
    SECURITY_DOCS,
    ApiKeyHeader,
    AuthenticatorDep,
    FatoraPrincipal,
    authenticate,
)
from fawtara.dialects.fatora.docs import (
    CLIENT_LINKS,
    INVOICE_LINKS,
    AuthorizeErrorOut,
    AuthorizeOut,
    ClientEnvelope,
    ClientListEnvelope,
    ErrorOut,
    InvoiceEnvelope,
    InvoiceListEnvelope,
)
from fawtara.dialects.fatora.route import MAX_ID, FatoraRoute, path_id
from fawtara.dialects.fatora.schemas import (
    ClientCreateIn,
    ClientIn,
    DayMonthYear,
    InvoiceCreateIn,
    InvoiceType,
    InvoiceUpdateIn,
    PaymentIn,
    calendar_date,
    client_wire,
    invoice_wire,
)
from fawtara.dialects.text import NO_NUL
from fawtara.errors import InactiveApiKey, InvalidApiKey, TooManyAttempts
from fawtara.invoices import payments
from fawtara.invoices import service as invoices
from fawtara.invoices.schemas import InvoiceFilters, InvoicePage, InvoiceView
from fawtara.openapi import RETRY_AFTER

router = APIRouter(
    prefix="/v1", route_class=FatoraRoute, tags=["Fatora-style API"], dependencies=SECURITY_DOCS
)

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in {
        400: "Missing or malformed parameter",
        401: "Invalid API key or bearer token",
        403: "Inactive (revoked) API key",
        406: "Accept header excludes application/json",
        413: "Request body larger than the configured limit",
        415: "Request body is not JSON",
    }.items()
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "Not found"}}
_INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorOut, "description": "A value the platform refuses"}
}
_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": ErrorOut, "description": "Conflict"}}

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Page = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1, le=100)]


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def _page(key: str, rows: list[dict[str, Any]], result: InvoicePage | ClientPage) -> Response:
    page = {"total": result.total, "page": result.page, "page_size": result.page_size}
    return _json({"status": "SUCCESS", key: rows, **page})


def _invoice(request: Request, invoice: InvoiceView, status: int = 200) -> Response:
    base_url: str = request.app.state.settings.public_base_url
    return _json({"status": "SUCCESS", "invoice": invoice_wire(invoice, base_url)}, status)


# The most frequent request: fast_path.FatoraFastPath answers it with this function ahead of
# the router; it takes the bare Request (no dependencies) so both ways run the same code.
async def get_invoice(request: Request) -> Response:
    """Get one invoice with its client, items, payments and settings."""
    invoice_id = path_id(request, "invoice_id")
    database: Database = request.app.state.db
    async with database.unit(write=False) as unit:  # touched only if the key is not cached
        principal = await authenticate(request, unit)
    return _invoice(request, await invoices.read(database, principal, invoice_id))


router.add_api_route(
    "/invoices/{invoice_id}",
    get_invoice,
    methods=["GET"],
    responses={200: {"model": InvoiceEnvelope}, **_ERRORS, **_NOT_FOUND},
    openapi_extra={
        "parameters": [
            {
                "name": "invoice_id",
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            }
        ]
    },
)


async def authorize(request: Request, auth: AuthenticatorDep, api_key: ApiKeyHeader) -> Response:
    """Exchange the `api_key` header for a bearer token; 429 with Retry-After after too many
    bad keys from the client address."""
    # Units of its own (a read, then a write only to count a failure), whatever the method:
    # a POST's request unit would hold SQLite's write lock the failure count needs.
    database: Database = request.app.state.db
    throttle: Throttle = request.app.state.throttle
    key = api_key or ""
    keys = [address_key(request.client and request.client.host)]
    try:
        principal = auth.cached_api_key(key)  # a key known good needs no throttle
        if principal is None:
            async with database.unit(write=False) as unit:
                wait = await unit.run(throttle.retry_after, keys)
                if wait is None:
                    principal = await unit.run(auth.api_key, key)
            if wait is not None:
                body = {"status": "ERROR", "error": TooManyAttempts.message}
                return _json(body, 429, {"Retry-After": str(wait)})
    except InactiveApiKey as exc:  # a real key, revoked: not a guess, not counted
        return _json({"status": "ERROR", "error": exc.message}, 403)
    except InvalidApiKey as exc:
        async with database.unit(write=True) as counting:
            await counting.run(throttle.failed, keys)
        return _json({"status": "ERROR", "error": exc.message}, 401)
    assert principal is not None
    return _json({"success": True, "bearer_token": auth.tokens.issue(principal)})


for _method in ("GET", "POST"):  # one OpenAPI operation (and operation id) per method
    router.add_api_route(
        "/Authorization/Authorize",
        authorize,
        methods=[_method],
        operation_id=f"authorize_{_method.lower()}",
        responses={
            200: {"model": AuthorizeOut},
            401: {"model": AuthorizeErrorOut, "description": "Invalid API Key"},
            403: {"model": AuthorizeErrorOut, "description": "Inactive API Key"},
            429: {
                "model": AuthorizeErrorOut,
                "description": "Too many bad keys from this address",
                "headers": RETRY_AFTER,
            },
        },
    )


@router.get("/invoices", responses={200: {"model": InvoiceListEnvelope}, **_ERRORS, **_INVALID})
async def list_invoices(
    request: Request,
    unit: UnitOfWorkDep,
    principal: FatoraPrincipal,
    keyword: Annotated[str | None, Query(max_length=100, pattern=NO_NUL)] = None,
    page: Page = 1,
    page_size: PageSize = 20,
    date_from: Annotated[DayMonthYear | None, Query(alias="from")] = None,
    date_to: Annotated[DayMonthYear | None, Query(alias="to")] = None,
    status: Annotated[str | None, Query(pattern="^(unpaid|partially_paid|paid|cancelled)$")] = None,
    type: Annotated[InvoiceType | None, Query()] = None,
    client_email: Annotated[str | None, Query(max_length=254, pattern=NO_NUL)] = None,
) -> Response:
    """List invoices, newest first; dates as dd-mm-yyyy, at most 100 a page."""
    filters = InvoiceFilters(
        keyword,
        calendar_date(date_from, "from"),
        calendar_date(date_to, "to"),
        status,
        type,
        client_email,
    )
    result = await unit.read(invoices.list_page, principal, filters, page=page, page_size=page_size)
    base_url: str = request.app.state.settings.public_base_url
    return _page("invoices", [invoice_wire(i, base_url) for i in result.invoices], result)


@router.post(
    "/invoices",
    status_code=201,
    responses={
        201: {"model": InvoiceEnvelope, "links": INVOICE_LINKS},
        **_ERRORS,
        **_INVALID,
        **_CONFLICT,
    },
)
async def create_invoice(
    request: Request, unit: UnitOfWorkDep, principal: FatoraPrincipal, body: InvoiceCreateIn
) -> Response:
    """Create a quick (`amount`, `description`) or detailed (`items`, …) invoice."""
    return _invoice(request, await unit.finish(invoices.create, principal, body.draft()), 201)


@router.put(
    "/invoices/{invoice_id}",
    responses={200: {"model": InvoiceEnvelope}, **_ERRORS, **_NOT_FOUND, **_INVALID, **_CONFLICT},
)
async def update_invoice(
    request: Request,
    unit: UnitOfWorkDep,
    principal: FatoraPrincipal,
    invoice_id: Id,
    body: InvoiceUpdateIn,
) -> Response:
    """Update the fields sent; `items`, when sent, replace the invoice's items."""
    invoice = await unit.finish(invoices.update, principal, invoice_id, body.patch())
    return _invoice(request, invoice)


@router.delete(
    "/invoices/{invoice_id}",
    status_code=204,
    responses={204: {"description": "Deleted"}, **_ERRORS, **_NOT_FOUND, **_CONFLICT},
)
async def delete_invoice(
    unit: UnitOfWorkDep, principal: FatoraPrincipal, invoice_id: Id
) -> Response:
    """Delete an invoice permanently (the audit log keeps a snapshot)."""
    await unit.finish(invoices.delete, principal, invoice_id)
    return Response(status_code=204)


@router.post(
    "/invoices/{invoice_id}/payments",
    status_code=201,
    responses={
        201: {"model": InvoiceEnvelope, "links": INVOICE_LINKS},
        **_ERRORS,
        **_NOT_FOUND,
        **_INVALID,
        **_CONFLICT,
    },
)
async def add_payment(
    request: Request,
    unit: UnitOfWorkDep,
    principal: FatoraPrincipal,
    invoice_id: Id,
    body: PaymentIn,
) -> Response:
    """Record a payment; 422 if it would pay more than the total, 409 on a cancelled invoice or
    a transaction_id already recorded."""
    invoice = await unit.finish(payments.add_payment, principal, invoice_id, body.draft())
    return _invoice(request, invoice, 201)


@router.delete(
    "/invoices/{invoice_id}/payments/{payment_id}",
    responses={200: {"model": InvoiceEnvelope}, **_ERRORS, **_NOT_FOUND},
)
async def remove_payment(
    request: Request,
    unit: UnitOfWorkDep,
    principal: FatoraPrincipal,
    invoice_id: Id,
    payment_id: Id,
) -> Response:
    """Remove a payment; answers with the invoice, its status following the money."""
    invoice = await unit.finish(payments.remove_payment, principal, invoice_id, payment_id)
    return _invoice(request, invoice)


@router.post(
    "/invoices/{invoice_id}/link",
    responses={200: {"model": InvoiceEnvelope}, **_ERRORS, **_NOT_FOUND},
)
async def renew_link(
    request: Request, unit: UnitOfWorkDep, principal: FatoraPrincipal, invoice_id: Id
) -> Response:
    """Revoke the invoice's link: answers with a new `link`; the old one is 404 from now on."""
    return _invoice(request, await unit.finish(invoices.renew_link, principal, invoice_id))


@router.get("/clients", responses={200: {"model": ClientListEnvelope}, **_ERRORS})
async def list_clients(
    unit: UnitOfWorkDep,
    principal: FatoraPrincipal,
    keyword: Annotated[str | None, Query(max_length=100, pattern=NO_NUL)] = None,
    email: Annotated[str | None, Query(max_length=254, pattern=NO_NUL)] = None,
    page: Page = 1,
    page_size: PageSize = 20,
) -> Response:
    """List clients, newest first."""
    result = await unit.read(
        clients.list_page, principal, keyword=keyword, email=email, page=page, page_size=page_size
    )
    return _page("clients", [client_wire(c) for c in result.clients], result)


@router.post(
    "/clients",
    status_code=201,
    responses={
        201: {"model": ClientEnvelope, "links": CLIENT_LINKS},
        **_ERRORS,
        **_INVALID,
        **_CONFLICT,
    },
)
async def create_client(
    unit: UnitOfWorkDep, principal: FatoraPrincipal, body: ClientCreateIn
) -> Response:
    """Create a client; its email, when given, is unique for the merchant."""
    client = await unit.finish(clients.create, principal, body.fields())
    return _json({"status": "SUCCESS", "client": client_wire(clients.view(client))}, 201)


@router.get(
    "/clients/{client_id}", responses={200: {"model": ClientEnvelope}, **_ERRORS, **_NOT_FOUND}
)
async def get_client(unit: UnitOfWorkDep, principal: FatoraPrincipal, client_id: Id) -> Response:
    """Get one client."""
    client = await unit.read(clients.get, principal, client_id)
    return _json({"status": "SUCCESS", "client": client_wire(clients.view(client))})


@router.put(
    "/clients/{client_id}",
    responses={200: {"model": ClientEnvelope}, **_ERRORS, **_NOT_FOUND, **_INVALID, **_CONFLICT},
)
async def update_client(
    unit: UnitOfWorkDep, principal: FatoraPrincipal, client_id: Id, body: ClientIn
) -> Response:
    """Update the fields sent."""
    client = await unit.finish(clients.update, principal, client_id, body.fields())
    return _json({"status": "SUCCESS", "client": client_wire(clients.view(client))})


@router.delete(
    "/clients/{client_id}",
    status_code=204,
    responses={204: {"description": "Deleted"}, **_ERRORS, **_NOT_FOUND, **_CONFLICT},
)
async def delete_client(unit: UnitOfWorkDep, principal: FatoraPrincipal, client_id: Id) -> Response:
    """Delete a client that has no invoices."""
    await unit.finish(clients.delete, principal, client_id)
    return Response(status_code=204)
