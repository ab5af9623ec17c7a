"""Hesabe-style API under /api/v1: login, token refresh, invoices, dashboard and bulk upload."""

import base64
import binascii
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from fawtara.credentials.sessions import SessionIssuer, TokenPair
from fawtara.credentials.throttle import Throttle, account_key, address_key
from fawtara.dialects.hesabe import bulk_file
from fawtara.dialects.hesabe.auth import SECURITY_DOCS, HesabeCallDep
from fawtara.dialects.hesabe.docs import LOGIN, OTHER_SHAPE, SEALED, sealed_request
from fawtara.dialects.hesabe.errors import InvalidRequestData
from fawtara.dialects.hesabe.schemas import (
    DELIVERY_CODES,
    BulkEditIn,
    BulkListIn,
    BulkUploadIn,
    DashboardIn,
    InvoiceIn,
    StatusIn,
    invoice_wire,
)
from fawtara.dialects.json_body import JSONRoute
from fawtara.dialects.paths import LinkToken, RecordId
from fawtara.dialects.text import WireModel
from fawtara.errors import (
    InvalidCredentials,
    InvalidInput,
    InvalidRefreshToken,
    InvoiceNotFound,
    TooManyAttempts,
)
from fawtara.invoices import amend, bulk
from fawtara.invoices import service as invoices
from fawtara.invoices.schemas import InvoiceFilters, InvoicePage, InvoicePatch
from fawtara.request_unit import UnitOfWorkDep
from fawtara.settings import Settings

PER_PAGE = 10
router = APIRouter(prefix="/api/v1", tags=["Hesabe-style API"], route_class=JSONRoute)
# The sealed routes, included below.
secured = APIRouter(dependencies=SECURITY_DOCS, responses=SEALED)


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


def _base_url(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return settings.public_base_url


def _id(raw: str) -> int:
    """A record id from the path; anything else is a record that is not there."""
    # Measured before int(): Python refuses to convert more than 4,300 digits.
    if len(raw) <= len(str(2**31)) and raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**31:
        return int(raw)
    raise InvoiceNotFound()


def _token_answer(pair: TokenPair) -> Response:
    token = {
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
    }
    return _json({"status": True, "message": "Success", "response": {"token": token}})


class LoginIn(WireModel):
    username: Annotated[str, Field(min_length=1, max_length=150)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class RefreshIn(WireModel):
    refreshToken: Annotated[str, Field(min_length=1, max_length=200)]


@router.post("/login", responses=LOGIN)
async def login(request: Request, unit: UnitOfWorkDep, body: LoginIn) -> Response:
    """Exchange a username and password for an access token (900 s) and a refresh token;
    429 with Retry-After after too many failures for the account or the client address."""
    sessions: SessionIssuer = request.app.state.sessions
    throttle: Throttle = request.app.state.throttle
    keys = [account_key(body.username), address_key(request.client and request.client.host)]
    wait = await unit.run(throttle.retry_after, keys)
    if wait is not None:
        raise TooManyAttempts(retry_after=wait)
    unit.on_error(InvalidCredentials, throttle.failed, keys)  # counted after the rollback
    return _token_answer(await unit.run(sessions.login, body.username, body.password))


@router.post("/token-refresh", responses=LOGIN)
async def token_refresh(request: Request, unit: UnitOfWorkDep, body: RefreshIn) -> Response:
    """Spend a refresh token for a new pair; each refresh token works once."""
    sessions: SessionIssuer = request.app.state.sessions
    # Committed before anything is raised: a reused token's family revocation must stay.
    pair = await unit.finish(sessions.refresh, body.refreshToken)
    if pair is None:
        raise InvalidRefreshToken()
    return _token_answer(pair)


def _pagination(result: InvoicePage) -> dict[str, int]:
    return {
        "current_page": result.page,
        "per_page": result.page_size,
        "total": result.total,
        "last_page": max(1, -(-result.total // result.page_size)),
    }


def _page(result: InvoicePage, base_url: str) -> dict[str, Any]:
    """The bulk list's page: the paginator's figures beside `data`."""
    data = [invoice_wire(invoice, base_url) for invoice in result.invoices]
    return {"data": data, **_pagination(result)}


def _dashboard_page(result: InvoicePage, base_url: str) -> dict[str, Any]:
    """The dashboard's page, `{data, pagination}`, as client kits of the Hesabe API read it."""
    data = [invoice_wire(invoice, base_url) for invoice in result.invoices]
    return {"data": data, "pagination": _pagination(result)}


@secured.post("/invoice", openapi_extra=sealed_request("POST"))
async def create_invoice(request: Request, unit: UnitOfWorkDep, call: HesabeCallDep) -> Response:
    """Create one invoice; answers with its id, token and url (the invoice link)."""
    body: InvoiceIn = InvoiceIn.of(call.payload)
    try:
        invoice = await unit.finish(invoices.create, call.principal, body.draft())
    except InvalidInput as exc:  # named as this payload names the field, not as the core does
        problem = {"field": body.wire_field(exc.field), "reason": exc.message}
        raise InvalidRequestData([problem]) from None
    url = f"{_base_url(request)}/i/{invoice.link_token}"
    return call.answer(
        "Invoice created successfully", {"id": invoice.id, "token": invoice.link_token, "url": url}
    )


@secured.get(
    "/invoice/{invoice_id:record_id}", openapi_extra=sealed_request("GET"), responses=OTHER_SHAPE
)
async def get_invoice(request: Request, call: HesabeCallDep, invoice_id: RecordId) -> Response:
    """One invoice with its customer, products and payments."""
    # The Fatora-style GET's read: one statement on a bare connection, replica rules included.
    invoice = await invoices.read(request.app.state.db, call.principal, _id(invoice_id))
    return call.answer("Invoice details", invoice_wire(invoice, _base_url(request)))


@secured.get("/invoice-dashboard", openapi_extra=sealed_request("GET"))
async def invoice_dashboard(request: Request, unit: UnitOfWorkDep, call: HesabeCallDep) -> Response:
    """Counts by status and one page of invoices (fromDate, toDate, page, search, invoiceType)."""
    query = {k: v for k, v in request.query_params.items() if k != "data"}
    body: DashboardIn = DashboardIn.of({**call.payload, **query})
    filters = InvoiceFilters(
        keyword=body.search,
        date_from=body.from_date,
        date_to=body.to_date,
        delivery=DELIVERY_CODES[body.invoice_type] if body.invoice_type else None,
    )
    counts = await unit.read(invoices.status_counts, call.principal, filters)
    result = await unit.read(
        invoices.list_page, call.principal, filters, page=body.page, page_size=PER_PAGE
    )
    stats = {
        "total_invoice_count": sum(counts.values()),
        "invoice_paid": counts["paid"],
        "invoice_not_paid": counts["unpaid"] + counts["partially_paid"],
        "invoice_cancelled": counts["cancelled"],
    }
    return call.answer(
        "Invoice Dashboard",
        {"stats": stats, "invoices": _dashboard_page(result, _base_url(request))},
    )


@secured.put(
    "/invoice/{token:link_token}", openapi_extra=sealed_request("PUT"), responses=OTHER_SHAPE
)
async def update_invoice_status(
    unit: UnitOfWorkDep, call: HesabeCallDep, token: LinkToken
) -> Response:
    """Cancel an invoice by its token (`statusId` "3")."""
    StatusIn.of(call.payload)
    invoice_id = await unit.run(invoices.id_by_token, call.principal, token)
    patch = InvoicePatch(given=frozenset({"status"}), status="cancelled")
    await unit.finish(invoices.update, call.principal, invoice_id, patch)
    return call.answer("Invoice status update successful")


def _file(body: BulkUploadIn) -> bytes:
    try:
        return base64.b64decode(body.invoices, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequestData([{"field": "invoices", "reason": "not base64"}]) from None


@secured.post("/invoice-bulk-upload", openapi_extra=sealed_request("POST"))
async def bulk_upload(request: Request, unit: UnitOfWorkDep, call: HesabeCallDep) -> Response:
    """Create every invoice of a CSV or XLSX file, or none: every bad row is reported first."""
    body: BulkUploadIn = BulkUploadIn.of(call.payload)
    settings: Settings = request.app.state.settings
    try:
        # Parsing 100,000 rows takes a while: off the event loop.
        rows, problems = await run_in_threadpool(
            bulk_file.read_rows,
            _file(body),
            body.file_type,
            currency=call.currency,
            scheduled=body.scheduled,
            max_rows=settings.bulk_upload_max_rows,
        )
    except bulk_file.BulkFileError as exc:
        raise InvalidRequestData([{"field": "invoices", "reason": exc.reason}]) from None
    if problems:
        raise InvalidRequestData([{"line": p.line, "reason": p.reason} for p in problems])
    result = await unit.finish(bulk.create_many, call.principal, rows, scheduled=body.scheduled)
    return call.answer(
        "Invoices uploaded successfully",
        {"count": result.count, "first_id": result.first_id, "last_id": result.last_id},
    )


@secured.get("/invoice-bulk-upload", openapi_extra=sealed_request("GET"))
async def bulk_list(request: Request, unit: UnitOfWorkDep, call: HesabeCallDep) -> Response:
    """Invoices from bulk uploads (`type` "0") or scheduled uploads ("1"), newest first."""
    query = {k: v for k, v in request.query_params.items() if k != "data"}
    body: BulkListIn = BulkListIn.of({**call.payload, **query})
    filters = InvoiceFilters(origins=("scheduled",) if body.type == "1" else ("bulk",))
    result = await unit.run(
        invoices.list_page, call.principal, filters, page=body.page, page_size=PER_PAGE
    )
    return call.answer("Bulk invoice list", _page(result, _base_url(request)))


@secured.put("/invoice-bulk-upload/{invoice_id:record_id}", openapi_extra=sealed_request("PUT"))
async def bulk_edit(
    request: Request, unit: UnitOfWorkDep, call: HesabeCallDep, invoice_id: RecordId
) -> Response:
    """Change an invoice's amount, customer name, email, phone or reference number."""
    body: BulkEditIn = BulkEditIn.of(call.payload)
    invoice = await unit.finish(amend.amend, call.principal, _id(invoice_id), body.amendment())
    return call.answer("Invoice has been updated", invoice_wire(invoice, _base_url(request)))


@secured.delete(
    "/invoice-bulk-upload/{invoice_id:record_id}", openapi_extra=sealed_request("DELETE")
)
async def bulk_delete(unit: UnitOfWorkDep, call: HesabeCallDep, invoice_id: RecordId) -> Response:
    """Delete an invoice permanently (the audit log keeps a snapshot)."""
    await unit.finish(invoices.delete, call.principal, _id(invoice_id))
    return call.answer("Invoice has been deleted")


router.include_router(secured)
