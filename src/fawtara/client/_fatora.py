"""The Fatora-style API (`/v1`): `FatoraClient` and `AsyncFatoraClient`.

The client signs in with its API key at `/v1/Authorization/Authorize` and sends the bearer token
it gets, renewing it before it expires (or at once if a call is refused with 401); with
`bearer=False` it sends the `api_key` header on every call instead.
"""

import operator
from collections.abc import AsyncIterator, Iterator
from datetime import date
from functools import cached_property
from typing import Any, Unpack

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
    jwt_lifetime,
    retry_after,
)
from fawtara.client._errors import FawtaraError, error_for
from fawtara.client._fatora_models import (
    Authorized,
    Client,
    ClientAnswer,
    ClientFields,
    ClientFilters,
    ClientPage,
    Invoice,
    InvoiceAnswer,
    InvoiceChanges,
    InvoiceFilters,
    InvoicePage,
    NewClient,
    NewInvoice,
    PaymentFields,
)
from fawtara.client._json import dumps

# A token whose lifetime cannot be read is renewed after this long (or when refused).
_UNKNOWN_LIFETIME = 3600.0


# --- calls: what each method sends and how its answer is read ---------------------------------


def _path(*parts: str | int) -> str:
    # Ids go through operator.index: only integers reach the path.
    return "/v1/" + "/".join(p if isinstance(p, str) else str(operator.index(p)) for p in parts)


def _invoice(content: bytes) -> Invoice:
    return InvoiceAnswer.model_validate_json(content).invoice


def _client(content: bytes) -> Client:
    return ClientAnswer.model_validate_json(content).client


def _nothing(_content: bytes) -> None:
    return None


def _query(page: int, filters: InvoiceFilters | ClientFilters) -> dict[str, str]:
    query = {"page": str(page)}
    for name, value in filters.items():
        if isinstance(value, date):  # date_from, date_to: "from" and "to" as dd-mm-yyyy
            query[name.removeprefix("date_")] = value.strftime("%d-%m-%Y")
        elif value is not None:
            query[name] = str(value)
    return query


def _get_invoice(invoice_id: int) -> Call[Invoice]:
    return Call("GET", _path("invoices", invoice_id), _invoice)


def _list_invoices(page: int, filters: InvoiceFilters) -> Call[InvoicePage]:
    return Call("GET", _path("invoices"), InvoicePage.model_validate_json, _query(page, filters))


def _create_invoice(fields: NewInvoice) -> Call[Invoice]:
    return Call("POST", _path("invoices"), _invoice, body=fields)


def _update_invoice(invoice_id: int, fields: InvoiceChanges) -> Call[Invoice]:
    return Call("PUT", _path("invoices", invoice_id), _invoice, body=fields)


def _delete_invoice(invoice_id: int) -> Call[None]:
    return Call("DELETE", _path("invoices", invoice_id), _nothing)


def _revoke_link(invoice_id: int) -> Call[Invoice]:
    return Call("POST", _path("invoices", invoice_id, "link"), _invoice)


def _get_client(client_id: int) -> Call[Client]:
    return Call("GET", _path("clients", client_id), _client)


def _list_clients(page: int, filters: ClientFilters) -> Call[ClientPage]:
    return Call("GET", _path("clients"), ClientPage.model_validate_json, _query(page, filters))


def _create_client(fields: NewClient) -> Call[Client]:
    return Call("POST", _path("clients"), _client, body=fields)


def _update_client(client_id: int, fields: ClientFields) -> Call[Client]:
    return Call("PUT", _path("clients", client_id), _client, body=fields)


def _delete_client(client_id: int) -> Call[None]:
    return Call("DELETE", _path("clients", client_id), _nothing)


def _add_payment(invoice_id: int, fields: PaymentFields) -> Call[Invoice]:
    return Call("POST", _path("invoices", invoice_id, "payments"), _invoice, body=fields)


def _delete_payment(invoice_id: int, payment_id: int) -> Call[Invoice]:
    return Call("DELETE", _path("invoices", invoice_id, "payments", payment_id), _invoice)


def _authorize() -> Call[str]:
    def token(content: bytes) -> str:
        return Authorized.model_validate_json(content).bearer_token

    return Call("POST", _path("Authorization", "Authorize"), token, signed=False)


# --- the dialect ----------------------------------------------------------------------------


class _Fatora(Engine):
    def __init__(
        self, base_url: str, api_key: str, *, bearer: bool = True, **options: Unpack[Options]
    ) -> None:
        super().__init__(base_url, **options)
        self._api_key = api_key
        self._bearer = bearer

    def _needs_session(self) -> bool:
        return self._bearer and super()._needs_session()

    def _request(self, call: Call[Any]) -> httpx.Request:
        session = self._session
        if call.signed and self._bearer and session is not None:
            headers = {"Authorization": f"Bearer {session.token}"}
        else:
            headers = {"api_key": self._api_key}
        content = None
        if call.body is not None:
            content = dumps(call.body)
            headers["Content-Type"] = "application/json"
        return self._http.build_request(
            call.method, call.path, params=call.params, content=content, headers=headers
        )

    def _body(self, call: Call[Any], response: httpx.Response) -> bytes:
        return response.content

    def _error(self, response: httpx.Response) -> FawtaraError:
        # {"status": "ERROR", "error": {"error_code", "description"}}; Authorize's error is a
        # bare string: {"status": "ERROR", "error": "Invalid API Key"}.
        body = decoded(response)
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            error = error.get("description")
        message = error if isinstance(error, str) else response.reason_phrase
        return error_for(response.status_code, message, body, retry_after=retry_after(response))

    def _sign_in(self) -> Flow[None]:
        token = yield from self._flow(_authorize())
        self._session = Session(token, jwt_lifetime(token, _UNKNOWN_LIFETIME))


# --- resources, blocking and asyncio ----------------------------------------------------------


class Invoices(SyncResource):
    def get(self, invoice_id: int) -> Invoice:
        return self._run(_get_invoice(invoice_id))

    def list(self, page: int = 1, **filters: Unpack[InvoiceFilters]) -> InvoicePage:
        """One page of invoices, newest first."""
        return self._run(_list_invoices(page, filters))

    def iter(self, **filters: Unpack[InvoiceFilters]) -> Iterator[Invoice]:
        """Every invoice that matches, page after page."""
        return self._iterate(lambda page: _list_invoices(page, filters))

    def create(self, **fields: Unpack[NewInvoice]) -> Invoice:
        return self._run(_create_invoice(fields))

    def update(self, invoice_id: int, **fields: Unpack[InvoiceChanges]) -> Invoice:
        return self._run(_update_invoice(invoice_id, fields))

    def delete(self, invoice_id: int) -> None:
        return self._run(_delete_invoice(invoice_id))

    def revoke_link(self, invoice_id: int) -> Invoice:
        """Give the invoice a new link; the old one answers 404 from now on."""
        return self._run(_revoke_link(invoice_id))


class AsyncInvoices(AsyncResource):
    async def get(self, invoice_id: int) -> Invoice:
        return await self._run(_get_invoice(invoice_id))

    async def list(self, page: int = 1, **filters: Unpack[InvoiceFilters]) -> InvoicePage:
        return await self._run(_list_invoices(page, filters))

    def iter(self, **filters: Unpack[InvoiceFilters]) -> AsyncIterator[Invoice]:
        return self._iterate(lambda page: _list_invoices(page, filters))

    async def create(self, **fields: Unpack[NewInvoice]) -> Invoice:
        return await self._run(_create_invoice(fields))

    async def update(self, invoice_id: int, **fields: Unpack[InvoiceChanges]) -> Invoice:
        return await self._run(_update_invoice(invoice_id, fields))

    async def delete(self, invoice_id: int) -> None:
        return await self._run(_delete_invoice(invoice_id))

    async def revoke_link(self, invoice_id: int) -> Invoice:
        return await self._run(_revoke_link(invoice_id))


class Clients(SyncResource):
    def get(self, client_id: int) -> Client:
        return self._run(_get_client(client_id))

    def list(self, page: int = 1, **filters: Unpack[ClientFilters]) -> ClientPage:
        return self._run(_list_clients(page, filters))

    def iter(self, **filters: Unpack[ClientFilters]) -> Iterator[Client]:
        return self._iterate(lambda page: _list_clients(page, filters))

    def create(self, **fields: Unpack[NewClient]) -> Client:
        return self._run(_create_client(fields))

    def update(self, client_id: int, **fields: Unpack[ClientFields]) -> Client:
        return self._run(_update_client(client_id, fields))

    def delete(self, client_id: int) -> None:
        return self._run(_delete_client(client_id))


class AsyncClients(AsyncResource):
    async def get(self, client_id: int) -> Client:
        return await self._run(_get_client(client_id))

    async def list(self, page: int = 1, **filters: Unpack[ClientFilters]) -> ClientPage:
        return await self._run(_list_clients(page, filters))

    def iter(self, **filters: Unpack[ClientFilters]) -> AsyncIterator[Client]:
        return self._iterate(lambda page: _list_clients(page, filters))

    async def create(self, **fields: Unpack[NewClient]) -> Client:
        return await self._run(_create_client(fields))

    async def update(self, client_id: int, **fields: Unpack[ClientFields]) -> Client:
        return await self._run(_update_client(client_id, fields))

    async def delete(self, client_id: int) -> None:
        return await self._run(_delete_client(client_id))


class Payments(SyncResource):
    def add(self, invoice_id: int, **fields: Unpack[PaymentFields]) -> Invoice:
        """Record a payment; answers with the invoice, its status following the money."""
        return self._run(_add_payment(invoice_id, fields))

    def delete(self, invoice_id: int, payment_id: int) -> Invoice:
        return self._run(_delete_payment(invoice_id, payment_id))


class AsyncPayments(AsyncResource):
    async def add(self, invoice_id: int, **fields: Unpack[PaymentFields]) -> Invoice:
        return await self._run(_add_payment(invoice_id, fields))

    async def delete(self, invoice_id: int, payment_id: int) -> Invoice:
        return await self._run(_delete_payment(invoice_id, payment_id))


class FatoraClient(_Fatora, SyncEngine):
    """A blocking client of the Fatora-style API; use it as a context manager.

    with FatoraClient("https://invoices.example.com", api_key="...") as fawtara:
        invoice = fawtara.invoices.create(amount=Decimal("100"), description="Consulting")
    """

    invoices = cached_property(Invoices)
    clients = cached_property(Clients)
    payments = cached_property(Payments)


class AsyncFatoraClient(_Fatora, AsyncEngine):
    """The asyncio twin of FatoraClient: the same resources, whose methods are awaited."""

    invoices = cached_property(AsyncInvoices)
    clients = cached_property(AsyncClients)
    payments = cached_property(AsyncPayments)
