"""The Hesabe-style API (`/api/v1`): `HesabeClient` and `AsyncHesabeClient`.

The client logs in with the username and password, refreshes the access token before it expires
(logging in again if the refresh token is refused), and seals every payload in the merchant's
envelope with its `merchantCode`, sending the bearer token and the `accessCode` header; it opens
every sealed answer. Errors come back in clear, as the API sends them.
"""

import base64
import operator
import os
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Unpack
from urllib.parse import quote

import httpx

from fawtara.client._engine import (
    AsyncEngine,
    AsyncResource,
    Call,
    Engine,
    Flow,
    Options,
    Session,
    SyncEngine,
    SyncResource,
    decoded,
    retry_after,
)
from fawtara.client._errors import AuthenticationError, FawtaraError, error_for
from fawtara.client._fatora_models import Amount
from fawtara.client._hesabe_models import (
    BulkUpload,
    CreatedInvoice,
    Dashboard,
    DashboardFilters,
    HesabeChanges,
    HesabeInvoice,
    HesabePage,
    LoginAnswer,
    NewHesabeInvoice,
)
from fawtara.client._json import dumps, loads
from fawtara.envelope import Envelope, InvalidEnvelope

_API = "/api/v1"


# --- calls: what each method sends and how its answer is read ---------------------------------


def _amount(value: Amount) -> str:
    """An amount as the wire writes it: a plain decimal string, exactly as given."""
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        raise TypeError(f"use Decimal, not {type(value).__name__}, for amounts ({value!r})")
    return format(Decimal(value), "f")


def _path(*parts: str | int) -> str:
    return "/".join([_API, *(p if isinstance(p, str) else str(operator.index(p)) for p in parts)])


def _nothing(_response: Any) -> None:
    return None


def _invoice_payload(fields: NewHesabeInvoice) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "customerName": fields["customer_name"],
        "mobileNumber": fields["mobile_number"],
        "countryCode": fields["country_code"],
        "amount": _amount(fields["amount"]),
        "invoiceType": fields.get("invoice_type", "0"),
        "language": fields.get("language", "en"),
    }
    expires_at = fields.get("expires_at")
    # Left out, the server applies its defaults (no reference, the invoice type's own
    # sub-type, no expiry).
    optional = {
        "referenceNumber": fields.get("reference_number"),
        "invoiceSubType": fields.get("invoice_sub_type"),
        "expiresAt": expires_at.isoformat() if expires_at is not None else None,
        "customerEmail": fields.get("customer_email"),
        "description": fields.get("description"),
        "allocatePayType": fields.get("allocate_pay_type"),
    }
    payload.update((name, value) for name, value in optional.items() if value is not None)
    if "items" in fields:
        payload["itemsList"] = [
            {
                "name": item["name"],
                "quantity": _amount(item.get("quantity", 1)),
                "price": _amount(item["price"]),
            }
            for item in fields["items"]
        ]
    return payload


def _dashboard_query(page: int, filters: DashboardFilters) -> dict[str, str]:
    query = {"page": str(page)}
    if "from_date" in filters:
        query["fromDate"] = filters["from_date"].isoformat()
    if "to_date" in filters:
        query["toDate"] = filters["to_date"].isoformat()
    if "search" in filters:
        query["search"] = filters["search"]
    if "invoice_type" in filters:
        query["invoiceType"] = filters["invoice_type"]
    return query


def _create_invoice(fields: NewHesabeInvoice) -> Call[CreatedInvoice]:
    payload = _invoice_payload(fields)
    return Call("POST", _path("invoice"), CreatedInvoice.model_validate, body=payload)


def _get_invoice(invoice_id: int) -> Call[HesabeInvoice]:
    return Call("GET", _path("invoice", invoice_id), HesabeInvoice.model_validate)


def _dashboard(page: int, filters: DashboardFilters) -> Call[Dashboard]:
    query = _dashboard_query(page, filters)
    return Call("GET", _path("invoice-dashboard"), Dashboard.model_validate, query)


def _list_invoices(page: int, filters: DashboardFilters) -> Call[HesabePage]:
    def invoices(response: Any) -> HesabePage:
        return Dashboard.model_validate(response).invoices

    return Call("GET", _path("invoice-dashboard"), invoices, _dashboard_query(page, filters))


def _cancel(token: str) -> Call[None]:
    body = {"statusId": "3"}
    return Call("PUT", _path("invoice", quote(token, safe="")), _nothing, body=body)


def _upload(path: str | os.PathLike[str], scheduled: bool) -> Call[BulkUpload]:
    file = Path(path)
    file_type = file.suffix.lower().removeprefix(".")
    if file_type not in ("csv", "xlsx"):
        raise ValueError(f"{file.name}: a bulk upload is a .csv or .xlsx file")
    body = {
        "isScheduled": "1" if scheduled else "0",
        "fileType": file_type,
        "invoices": base64.b64encode(file.read_bytes()).decode("ascii"),
    }
    return Call("POST", _path("invoice-bulk-upload"), BulkUpload.model_validate, body=body)


def _list_bulk(page: int, scheduled: bool) -> Call[HesabePage]:
    body = {"type": "1" if scheduled else "0"}
    query = {"page": str(page)}
    return Call("GET", _path("invoice-bulk-upload/"), HesabePage.model_validate, query, body)


def _update(invoice_id: int, changes: HesabeChanges) -> Call[HesabeInvoice]:
    body: dict[str, Any] = {**changes}
    if "amount" in changes:
        body["amount"] = _amount(changes["amount"])
    path = _path("invoice-bulk-upload", invoice_id)
    return Call("PUT", path, HesabeInvoice.model_validate, body=body)


def _delete(invoice_id: int) -> Call[None]:
    return Call("DELETE", _path("invoice-bulk-upload", invoice_id), _nothing)


def _login(username: str, password: str) -> Call[LoginAnswer]:
    body = {"username": username, "password": password}
    return Call("POST", _path("login"), LoginAnswer.model_validate_json, body=body, signed=False)


def _refresh(refresh_token: str) -> Call[LoginAnswer]:
    body = {"refreshToken": refresh_token}
    path = _path("token-refresh")
    return Call("POST", path, LoginAnswer.model_validate_json, body=body, signed=False)


# --- the dialect ----------------------------------------------------------------------------


class _Hesabe(Engine):
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        access_code: str,
        merchant_code: str,
        secret_key: str,
        iv: str,
        **options: Unpack[Options],
    ) -> None:
        super().__init__(base_url, **options)
        self._username = username
        self._password = password
        self._access_code = access_code
        self._merchant_code = merchant_code
        self._envelope = Envelope(secret_key, iv, dumps=dumps, loads=loads)

    def _request(self, call: Call[Any]) -> httpx.Request:
        headers = {"Accept": "application/json"}
        params = dict(call.params or {})
        body = call.body  # login and token refresh go as plain JSON
        if call.signed:
            assert self._session is not None, "signed calls are sent with a session"
            headers["Authorization"] = f"Bearer {self._session.token}"
            headers["accessCode"] = self._access_code
            data = self._envelope.seal({"merchantCode": self._merchant_code, **(body or {})})
            if call.method == "GET":
                params["data"], body = data, None
            else:
                body = {"data": data}
        content = None
        if body is not None:
            content = dumps(body)
            headers["Content-Type"] = "application/json"
        return self._http.build_request(
            call.method, call.path, params=params, content=content, headers=headers
        )

    def _body(self, call: Call[Any], response: httpx.Response) -> Any:
        if not call.signed:
            return response.content
        try:
            return self._envelope.open(loads(response.content)["response"]).get("response")
        except (ValueError, KeyError, TypeError, InvalidEnvelope):
            raise FawtaraError(
                "the answer does not open with this secret key and IV",
                status_code=response.status_code,
                body=decoded(response),
            ) from None

    def _error(self, response: httpx.Response) -> FawtaraError:
        # {"status": false, "code": 506, "message": "...", "response": {"errors": [...]}}
        body = decoded(response)
        fields = body if isinstance(body, dict) else {}
        message = fields.get("message")
        details = fields.get("response")
        errors = details.get("errors") if isinstance(details, dict) else None
        return error_for(
            response.status_code,
            message if isinstance(message, str) else response.reason_phrase,
            body,
            errors=errors if isinstance(errors, list) else None,
            retry_after=retry_after(response),
        )

    def _sign_in(self) -> Flow[None]:
        answer = None
        previous = self._session
        if previous is not None and previous.refresh_token is not None:
            try:
                answer = yield from self._flow(_refresh(previous.refresh_token))
            except AuthenticationError:  # spent or expired: log in again
                answer = None
        if answer is None:
            answer = yield from self._flow(_login(self._username, self._password))
        token = answer.token
        self._session = Session(token.access_token, token.expires_in, token.refresh_token)


# --- resources, blocking and asyncio ----------------------------------------------------------


class HesabeInvoices(SyncResource):
    def create(self, **fields: Unpack[NewHesabeInvoice]) -> CreatedInvoice:
        return self._run(_create_invoice(fields))

    def get(self, invoice_id: int) -> HesabeInvoice:
        return self._run(_get_invoice(invoice_id))

    def list(self, page: int = 1, **filters: Unpack[DashboardFilters]) -> HesabePage:
        """One page (10 invoices) of the dashboard, newest first."""
        return self._run(_list_invoices(page, filters))

    def iter(self, **filters: Unpack[DashboardFilters]) -> Iterator[HesabeInvoice]:
        return self._iterate(lambda page: _list_invoices(page, filters))

    def dashboard(self, page: int = 1, **filters: Unpack[DashboardFilters]) -> Dashboard:
        """Counts by status, and one page of invoices."""
        return self._run(_dashboard(page, filters))

    def cancel(self, token: str) -> None:
        """Cancel an invoice, named by its `token`."""
        return self._run(_cancel(token))


class AsyncHesabeInvoices(AsyncResource):
    async def create(self, **fields: Unpack[NewHesabeInvoice]) -> CreatedInvoice:
        return await self._run(_create_invoice(fields))

    async def get(self, invoice_id: int) -> HesabeInvoice:
        return await self._run(_get_invoice(invoice_id))

    async def list(self, page: int = 1, **filters: Unpack[DashboardFilters]) -> HesabePage:
        return await self._run(_list_invoices(page, filters))

    def iter(self, **filters: Unpack[DashboardFilters]) -> AsyncIterator[HesabeInvoice]:
        return self._iterate(lambda page: _list_invoices(page, filters))

    async def dashboard(self, page: int = 1, **filters: Unpack[DashboardFilters]) -> Dashboard:
        return await self._run(_dashboard(page, filters))

    async def cancel(self, token: str) -> None:
        return await self._run(_cancel(token))


class HesabeBulk(SyncResource):
    """The bulk routes; `update` and `delete` take any of the merchant's invoices."""

    def upload(self, path: str | os.PathLike[str], *, scheduled: bool = False) -> BulkUpload:
        """Create every invoice of a .csv or .xlsx file, or none (ValidationError lists the
        bad rows by line in `errors`)."""
        return self._run(_upload(path, scheduled))

    def list(self, page: int = 1, *, scheduled: bool = False) -> HesabePage:
        return self._run(_list_bulk(page, scheduled))

    def iter(self, *, scheduled: bool = False) -> Iterator[HesabeInvoice]:
        return self._iterate(lambda page: _list_bulk(page, scheduled))

    def update(self, invoice_id: int, **changes: Unpack[HesabeChanges]) -> HesabeInvoice:
        return self._run(_update(invoice_id, changes))

    def delete(self, invoice_id: int) -> None:
        return self._run(_delete(invoice_id))


class AsyncHesabeBulk(AsyncResource):
    async def upload(self, path: str | os.PathLike[str], *, scheduled: bool = False) -> BulkUpload:
        return await self._run(_upload(path, scheduled))

    async def list(self, page: int = 1, *, scheduled: bool = False) -> HesabePage:
        return await self._run(_list_bulk(page, scheduled))

    def iter(self, *, scheduled: bool = False) -> AsyncIterator[HesabeInvoice]:
        return self._iterate(lambda page: _list_bulk(page, scheduled))

    async def update(self, invoice_id: int, **changes: Unpack[HesabeChanges]) -> HesabeInvoice:
        return await self._run(_update(invoice_id, changes))

    async def delete(self, invoice_id: int) -> None:
        return await self._run(_delete(invoice_id))


class HesabeClient(_Hesabe, SyncEngine):
    """A blocking client of the Hesabe-style API; use it as a context manager.

    with HesabeClient(url, username, password, access_code, merchant_code, key, iv) as h:
        invoice = h.invoices.get(42)
    """

    invoices = cached_property(HesabeInvoices)
    bulk = cached_property(HesabeBulk)


class AsyncHesabeClient(_Hesabe, AsyncEngine):
    """The asyncio twin of HesabeClient."""

    invoices = cached_property(AsyncHesabeInvoices)
    bulk = cached_property(AsyncHesabeBulk)
