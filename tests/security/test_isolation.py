"""Tenant isolation: merchant A's credentials on merchant B's objects, on every route of both
dialects. Every call is the dialect's not-found (or a refusal), nothing of B's shows in A's
lists, and the whole database is byte-identical afterwards: not one row of B's, or anyone's,
changed. Hesabe style: A's token with B's accessCode or merchantCode is refused.
"""

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from fawtara.models.base import Base
from tests.conftest import fatora_client
from tests.dialects.fatora.wire import assert_error, create, create_quick
from tests.dialects.hesabe.test_invoices import create as hesabe_create
from tests.dialects.hesabe.test_invoices import invoice_payload
from tests.dialects.hesabe.wire import NOT_FOUND, Hesabe, encrypt
from tests.fixtures.databases import sql
from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server

# Routes with no object of another merchant to point at: they act on the caller's own data,
# or issue credentials (tested in their own suites).
NO_FOREIGN_OBJECT = {
    "GET /v1/Authorization/Authorize",
    "POST /v1/Authorization/Authorize",
    "POST /api/v1/login",
    "POST /api/v1/token-refresh",
    "GET /i/{token}",  # the link's token is the credential: anyone holding it may look
    "GET /i/{token}.pdf",
}


Rows = dict[str, dict[tuple[Any, ...], dict[str, Any]]]


def snapshot(server: Server) -> Rows:
    """Every row of every table, by primary key."""
    tables: Rows = {}
    for table in Base.metadata.sorted_tables:
        keys = [c.name for c in table.primary_key.columns]
        rows = sql(server.database_url, select(table))
        tables[table.name] = {
            tuple(row._mapping[k] for k in keys): dict(row._mapping) for row in rows
        }
    return tables


def assert_only_a_wrote(before: Rows, after: Rows, a_merchant_id: int) -> None:
    """No row that existed changed or went (A's merchant row aside: its invoice counter
    moves as A creates its own invoices); every new row with a merchant is A's."""
    for table, rows in before.items():
        for key, row in rows.items():
            if table == "merchants" and row["id"] == a_merchant_id:
                continue
            assert after[table].get(key) == row, f"{table} {key} changed"
        for key in after[table].keys() - rows.keys():
            owner = after[table][key].get("merchant_id", a_merchant_id)
            assert owner == a_merchant_id, f"{table} {key}: a new row of merchant {owner}"


class Objects:
    """Merchant B's invoice (with a payment), client, and Hesabe-style invoice."""

    invoice_id: int
    client_id: int
    payment_id: int
    link_token: str
    hesabe_id: int
    hesabe_token: str

    def __init__(self, b_api: httpx.Client, b_hesabe: Hesabe) -> None:
        invoice = create(b_api, payments=[])
        self.invoice_id: int = invoice["id"]
        self.client_id: int = invoice["client"]["id"]
        self.client_email: str = invoice["client"]["email"]
        paid = b_api.post(f"/v1/invoices/{self.invoice_id}/payments", json={"amount": 10})
        assert paid.status_code == 201, paid.text
        self.payment_id: int = paid.json()["invoice"]["payments"][0]["id"]
        self.link_token: str = invoice["link"].rsplit("/", 1)[1]
        hesabe_invoice = hesabe_create(b_hesabe)
        self.hesabe_id: int = hesabe_invoice["id"]
        self.hesabe_token: str = hesabe_invoice["token"]


class Nobody(Objects):
    """Ids and tokens no merchant has: what B's must be indistinguishable from, to A."""

    def __init__(self) -> None:
        self.invoice_id = self.client_id = self.payment_id = self.hesabe_id = 2**31 - 1
        self.link_token = self.hesabe_token = secrets.token_urlsafe(24)


@pytest.fixture
def b_api(server: Server, hesabe_merchant: MerchantCredentials) -> Iterator[httpx.Client]:
    with fatora_client(server, hesabe_merchant) as client:
        yield client


@pytest.fixture
def a_api(server: Server, other_hesabe: Hesabe) -> Iterator[httpx.Client]:
    with fatora_client(server, other_hesabe.merchant) as client:
        yield client


def fatora_calls(a: httpx.Client, b: Objects) -> dict[str, Callable[[], httpx.Response]]:
    own = create_quick(a)["id"]  # A's own invoice, to point at B's payment and client through
    invoice = f"/v1/invoices/{b.invoice_id}"
    client = f"/v1/clients/{b.client_id}"
    return {
        "GET /v1/invoices/{invoice_id}": lambda: a.get(invoice),
        "PUT /v1/invoices/{invoice_id}": lambda: a.put(invoice, json={"note": "mine"}),
        "DELETE /v1/invoices/{invoice_id}": lambda: a.delete(invoice),
        "POST /v1/invoices/{invoice_id}/payments": lambda: a.post(
            f"{invoice}/payments", json={"amount": 1}
        ),
        "DELETE /v1/invoices/{invoice_id}/payments/{payment_id}": lambda: a.delete(
            f"{invoice}/payments/{b.payment_id}"
        ),
        "DELETE (A's invoice, B's payment)": lambda: a.delete(
            f"/v1/invoices/{own}/payments/{b.payment_id}"
        ),
        "POST /v1/invoices/{invoice_id}/link": lambda: a.post(f"{invoice}/link"),
        "GET /v1/clients/{client_id}": lambda: a.get(client),
        "PUT /v1/clients/{client_id}": lambda: a.put(client, json={"name": "mine"}),
        "DELETE /v1/clients/{client_id}": lambda: a.delete(client),
        "POST /v1/invoices": lambda: a.post(
            "/v1/invoices", json={"amount": 1, "description": "x", "client_id": b.client_id}
        ),
        "POST /v1/invoices (client by id)": lambda: a.post(
            "/v1/invoices",
            json={"amount": 1, "description": "x", "client": {"id": b.client_id}},
        ),
        "PUT (A's invoice, B's client)": lambda: a.put(
            f"/v1/invoices/{own}", json={"client_id": b.client_id}
        ),
        "POST /v1/clients": lambda: a.post("/v1/clients", json={"id": b.client_id, "name": "x"}),
    }


def hesabe_calls(a: Hesabe, b: Objects) -> dict[str, Callable[[], httpx.Response]]:
    return {
        "GET /api/v1/invoice/{invoice_id}": lambda: a.send("GET", f"/api/v1/invoice/{b.hesabe_id}"),
        "PUT /api/v1/invoice/{token}": lambda: a.send(
            "PUT", f"/api/v1/invoice/{b.hesabe_token}", {"statusId": "3"}
        ),
        "PUT /api/v1/invoice-bulk-upload/{invoice_id}": lambda: a.send(
            "PUT", f"/api/v1/invoice-bulk-upload/{b.hesabe_id}", {"amount": "1.000"}
        ),
        "DELETE /api/v1/invoice-bulk-upload/{invoice_id}": lambda: a.send(
            "DELETE", f"/api/v1/invoice-bulk-upload/{b.hesabe_id}"
        ),
        "PUT /api/v1/invoice/{token} (a Fatora invoice's link)": lambda: a.send(
            "PUT", f"/api/v1/invoice/{b.link_token}", {"statusId": "3"}
        ),
    }


def test_merchant_a_cannot_touch_merchant_b(
    server: Server, a_api: httpx.Client, b_api: httpx.Client, hesabe: Hesabe, other_hesabe: Hesabe
) -> None:
    b = Objects(b_api, hesabe)  # `hesabe` is B's integration, `other_hesabe` A's
    a_fatora = fatora_calls(a_api, b)
    a_hesabe = hesabe_calls(other_hesabe, b)
    before = snapshot(server)

    # Each call is refused exactly as the same call on an object nobody has: status and body.
    ghost = Nobody()
    for name, expected in fatora_calls(a_api, ghost).items():
        if name == "POST /v1/clients":
            continue
        assert_error(expected(), expected().status_code)
    for name, call in a_fatora.items():
        response = call()
        if name == "POST /v1/clients":
            # A client `id` in a create body is not a reference: A gets a client of its own.
            assert response.status_code == 201, response.text
            assert response.json()["client"]["id"] != b.client_id
            continue
        unknown = fatora_calls(a_api, ghost)[name]()
        assert_error(response, unknown.status_code)
        assert response.status_code in (404, 422), name
        assert response.content == unknown.content, name
    for name, call in a_hesabe.items():
        response = call()
        unknown = hesabe_calls(other_hesabe, ghost)[name]()
        assert response.status_code == unknown.status_code == 404, f"{name}: {response.text}"
        assert response.json() == unknown.json() == NOT_FOUND, name

    # A's lists show nothing of B's, whatever the filter.
    listed = a_api.get("/v1/invoices", params={"client_email": b.client_email}).json()
    assert listed["total"] == 0
    clients = a_api.get("/v1/clients", params={"email": b.client_email}).json()
    assert clients["total"] == 0
    ids = {i["id"] for i in a_api.get("/v1/invoices", params={"page_size": 100}).json()["invoices"]}
    assert not ids & {b.invoice_id, b.hesabe_id}
    dashboard = other_hesabe.call("GET", "/api/v1/invoice-dashboard")["response"]
    assert b.hesabe_id not in {i["id"] for i in dashboard["invoices"]["data"]}

    assert_only_a_wrote(before, snapshot(server), other_hesabe.merchant.id)

    # Every route of both dialects is in the matrix, or has no foreign object to point at.
    spec = httpx.get(f"{server.url}/openapi.json").json()
    routes = {f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops}
    covered = set(a_fatora) | set(a_hesabe) | NO_FOREIGN_OBJECT | LISTS
    assert routes <= covered, routes - covered


LISTS = {  # lists, checked above for B's objects by every filter that could reach them
    "GET /v1/invoices",
    "GET /v1/clients",
    "GET /api/v1/invoice-dashboard",
    "GET /api/v1/invoice-bulk-upload",
    "POST /api/v1/invoice",  # creates A's own; B's objects cannot be named in it
    "POST /api/v1/invoice-bulk-upload",
}


class TestHesabeCredentialsCannotBeMixed:
    def test_a_token_of_a_with_the_access_code_of_b_is_401(
        self, hesabe: Hesabe, other_hesabe: Hesabe
    ) -> None:
        headers = {**other_hesabe.headers(), "accessCode": hesabe.merchant.access_code}
        data = other_hesabe.seal({})
        response = other_hesabe.http.get(
            "/api/v1/invoice-dashboard", params={"data": data}, headers=headers
        )
        assert response.status_code == 401

    def test_a_token_of_a_with_the_merchant_code_of_b_is_refused(
        self, hesabe: Hesabe, other_hesabe: Hesabe
    ) -> None:
        a = other_hesabe.merchant
        payload = {**invoice_payload(), "merchantCode": hesabe.merchant.merchant_code}
        data = encrypt(payload, a.secret_key, a.iv)
        response = other_hesabe.http.post(
            "/api/v1/invoice", json={"data": data}, headers=other_hesabe.headers()
        )
        assert response.status_code == 506
        assert response.json()["response"] is None

    def test_a_payload_sealed_with_the_key_of_b_does_not_open_for_a(
        self, hesabe: Hesabe, other_hesabe: Hesabe
    ) -> None:
        b = hesabe.merchant
        data = encrypt({**invoice_payload(), "merchantCode": b.merchant_code}, b.secret_key, b.iv)
        response = other_hesabe.http.post(
            "/api/v1/invoice", json={"data": data}, headers=other_hesabe.headers()
        )
        assert response.status_code == 506
        assert response.json()["response"] is None
