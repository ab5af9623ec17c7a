"""Malformed and hostile input, made by Hypothesis, at both dialects of a live server.

Each example puts one hostile value (a wrong type, a huge, negative or over-precise number, text
with RTL marks, NUL, emoji, byte-order marks) into an otherwise valid request, or sends bytes
that are not JSON at all. Every answer must be a success that kept the value exactly, or the
dialect's documented error; never a server error, and never a partial write (the merchant's
invoice count is exactly the number of successes). The examples of a test share its merchant
(fixtures are made once per test), so counts are compared before and after each request.
"""

import base64
import json
from decimal import Decimal
from typing import Any

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fawtara.dialects.fatora.docs import ErrorOut
from fawtara.dialects.hesabe.docs import InvalidRequestOut
from tests.dialects.hesabe.wire import INVALID_REQUEST, Hesabe
from tests.fixtures.factories import MerchantCredentials

EXAMPLES = 120
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Characters that break naive code: bidirectional marks and overrides, NUL and other controls,
# a byte-order mark, emoji (astral, and joined sequences), Arabic, lone combining marks.
EDGES = [
    "\u200f", "\u200e", "\u202e", "\u2066", "\u0000", "\u0001", "\u001f", "\u007f", "\ufeff",
    "\U0001f600", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\u0643\u0644", "\u0301",
    "\u2028", " ", "\t", "\\", '"', "'", "<", "%", "\uffff",
]  # fmt: skip
hostile_text = st.lists(
    st.sampled_from(EDGES) | st.characters(codec="utf-8"), min_size=1, max_size=60
).map("".join)


# JSON number tokens as they appear on the wire (a float would lose what is being tested).
number_tokens = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: format(d, "e")),
    st.sampled_from(["0", "-0", "1e400", "-1e400", "1e-400", "0.001", "0.0001", "99999999999999"]),
)
# Anything JSON can carry in place of a value, as a JSON text.
wrong_types = st.sampled_from(["null", "true", "false", "[]", "{}", "[1, 2]", '{"a": 1}', '""'])
hostile_strings = hostile_text.map(json.dumps) | number_tokens.map(json.dumps)
hostile_values = st.one_of(number_tokens, wrong_types, hostile_strings)


def with_value(body: dict[str, Any], path: tuple[str | int, ...], token: str) -> str:
    """The JSON text of `body` with the value at `path` replaced by the raw JSON `token`."""
    marker = "\x00HOSTILE\x00"
    copy = json.loads(json.dumps(body))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = marker
    return json.dumps(copy).replace(json.dumps(marker), token)


def seal_text(plain: str, merchant: MerchantCredentials) -> str:
    """`plain` (any text, JSON or not) sealed in the merchant's envelope."""
    data = plain.encode()
    n = 32 - len(data) % 32
    key, iv = merchant.secret_key.encode(), merchant.iv.encode()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return (encryptor.update(data + bytes([n]) * n) + encryptor.finalize()).hex()


def _stripped(text: str) -> str:
    return text.strip().strip("\x1c\x1d\x1e\x1f\x85")


# --- the Fatora-style API -------------------------------------------------------------------

QUICK = {"amount": 100, "description": "Quick", "currency": "QAR"}
DETAILED = {
    "currency": "KWD",
    "title": "Invoice",
    "note": "Note",
    "client": {"name": "Client", "email": "client@example.com"},
    "items": [{"description": "Design", "qty": 2, "amount": "10.125"}],
}
FATORA_FIELDS: list[tuple[dict[str, Any], tuple[str | int, ...]]] = [
    (QUICK, ("amount",)),
    (QUICK, ("description",)),
    (QUICK, ("currency",)),
    (DETAILED, ("title",)),
    (DETAILED, ("note",)),
    (DETAILED, ("client", "name")),
    (DETAILED, ("client", "email")),
    (DETAILED, ("items", 0, "description")),
    (DETAILED, ("items", 0, "qty")),
    (DETAILED, ("items", 0, "amount")),
    (DETAILED, ("items",)),
    (DETAILED, ("client",)),
]


def _text_at(invoice: dict[str, Any], path: tuple[str | int, ...]) -> str:
    if path == ("description",):  # a quick invoice's description is its one item's
        path = ("items", 0, "description")
    value: Any = invoice
    for key in path:
        value = value[key]
    assert isinstance(value, str)
    return value


def _fatora_error(response: httpx.Response) -> None:
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == "application/json"
    body = ErrorOut.model_validate(response.json())
    assert body.error.error_code == str(response.status_code)
    assert body.error.description


class TestFatora:
    @FUZZ
    @given(field=st.sampled_from(FATORA_FIELDS), token=hostile_values)
    def test_a_hostile_value_is_kept_exactly_or_refused(
        self, api: httpx.Client, field: tuple[dict[str, Any], tuple[str | int, ...]], token: str
    ) -> None:
        body, path = field
        before = api.get("/v1/invoices").json()["total"]
        response = api.post(
            "/v1/invoices",
            content=with_value(body, path, token),
            headers={"content-type": "application/json"},
        )
        after = api.get("/v1/invoices").json()["total"]
        if response.status_code != 201:
            _fatora_error(response)
            assert after == before, "a refused request wrote something"
            return
        assert after == before + 1
        invoice = api.get(f"/v1/invoices/{response.json()['invoice']['id']}").json()["invoice"]
        sent = json.loads(token, parse_float=Decimal)
        # (A client's name is not checked: a client with the same email is reused, as is.)
        if isinstance(sent, str) and path[-1] in ("title", "note", "description"):
            assert _stripped(_text_at(invoice, path)) == _stripped(sent)
        if path[-1] == "amount" and isinstance(sent, int | Decimal):
            item = invoice["items"][0]
            assert Decimal(str(item["amount"])) == Decimal(sent)

    @FUZZ
    @given(raw=st.binary(max_size=300) | hostile_text.map(str.encode))
    def test_bytes_that_are_not_an_invoice_are_400(self, api: httpx.Client, raw: bytes) -> None:
        response = api.post(
            "/v1/invoices", content=raw, headers={"content-type": "application/json"}
        )
        _fatora_error(response)
        assert response.status_code == 400
        assert api.get("/v1/invoices").json()["total"] == 0

    @FUZZ
    @given(token=hostile_values)
    def test_a_hostile_payment_amount_is_refused_or_exact(
        self, api: httpx.Client, token: str
    ) -> None:
        invoice = api.post("/v1/invoices", json={"amount": 1000, "description": "Pay me"})
        assert invoice.status_code == 201, invoice.text
        url = f"/v1/invoices/{invoice.json()['invoice']['id']}/payments"
        response = api.post(url, content=with_value({"amount": 1}, ("amount",), token),
                            headers={"content-type": "application/json"})  # fmt: skip
        payments = api.get(url.removesuffix("/payments")).json()["invoice"]["payments"]
        if response.status_code == 201:
            sent = json.loads(token, parse_float=Decimal)  # "0.010000" is 0.01 exactly
            assert Decimal(str(payments[0]["amount"])) == Decimal(sent)
        else:
            _fatora_error(response)
            assert payments == []


# --- the Hesabe-style API -------------------------------------------------------------------

INVOICE = {
    "referenceNumber": "REF-1",
    "customerName": "Customer",
    "mobileNumber": "55512345",
    "countryCode": "965",
    "customerEmail": "customer@example.com",
    "amount": "12.500",
    "description": "Invoice",
    "invoiceType": "0",
    "invoiceSubType": "3",
    "language": "en",
    "expiresAt": "2099-12-31",
    "itemsList": [{"name": "Design", "quantity": 1, "price": "12.500"}],
}
HESABE_FIELDS: list[tuple[str | int, ...]] = [
    ("referenceNumber",),
    ("customerName",),
    ("mobileNumber",),
    ("countryCode",),
    ("customerEmail",),
    ("amount",),
    ("description",),
    ("invoiceType",),
    ("expiresAt",),
    ("itemsList",),
    ("itemsList", 0, "name"),
    ("itemsList", 0, "quantity"),
    ("itemsList", 0, "price"),
    ("merchantCode",),
]


class TestHesabe:
    @FUZZ
    @given(path=st.sampled_from(HESABE_FIELDS), token=hostile_values)
    def test_a_hostile_value_in_a_sealed_payload_is_created_or_a_506(
        self, hesabe: Hesabe, path: tuple[str | int, ...], token: str
    ) -> None:
        payload = {"merchantCode": hesabe.merchant.merchant_code, **INVOICE}
        plain = with_value(payload, path, token)
        # Sealed as written: through Python's json, 1e400 would become `Infinity`, not JSON.
        data = seal_text(plain, hesabe.merchant)
        response = hesabe.http.post(
            "/api/v1/invoice", content=json.dumps({"data": data}), headers=hesabe.headers()
        )
        if response.status_code == 200:
            created = hesabe.opened(response)
            assert created["status"] is True
            assert isinstance(created["response"]["id"], int)
            return
        assert response.status_code == 506, response.text
        body = InvalidRequestOut.model_validate(response.json())
        # The envelope opened, so the answer may say which field failed; a wrong merchantCode
        # is treated as an envelope failure (nothing said).
        assert (body.response is None) == (path == ("merchantCode",)), body

    @FUZZ
    @given(
        field=st.sampled_from(["search", "fromDate", "toDate", "page", "invoiceType"]),
        token=hostile_values,
    )
    def test_a_hostile_dashboard_filter_is_answered_or_a_506(
        self, hesabe: Hesabe, field: str, token: str
    ) -> None:
        plain = with_value({"merchantCode": hesabe.merchant.merchant_code, field: None},
                           (field,), token)  # fmt: skip
        response = hesabe.http.get(
            "/api/v1/invoice-dashboard",
            params={"data": seal_text(plain, hesabe.merchant)},
            headers=hesabe.headers(),
        )
        if response.status_code == 200:
            assert hesabe.opened(response)["status"] is True
            return
        assert response.status_code == 506, response.text
        assert InvalidRequestOut.model_validate(response.json()).response is not None

    @FUZZ
    @given(data=hostile_text | st.binary(max_size=200).map(bytes.hex))
    def test_an_envelope_that_does_not_open_is_the_documented_506(
        self, hesabe: Hesabe, data: str
    ) -> None:
        response = hesabe.http.post(
            "/api/v1/invoice", content=json.dumps({"data": data}), headers=hesabe.headers()
        )
        assert response.status_code == 506
        assert response.json() == INVALID_REQUEST


# --- NUL characters, wherever text comes in -------------------------------------------------
# PostgreSQL cannot store U+0000: every entry point refuses it up front, on both backends.


class TestNul:
    def test_in_a_fatora_query_parameter(self, api: httpx.Client) -> None:
        response = api.get("/v1/invoices", params={"keyword": "a\x00b"})
        _fatora_error(response)
        assert "NUL" in response.json()["error"]["description"]

    def test_in_a_fatora_body(self, api: httpx.Client) -> None:
        response = api.post("/v1/invoices", json={"amount": 1, "description": "a\x00b"})
        assert response.json()["error"]["description"] == (
            "description: must not contain NUL characters"
        )

    def test_in_a_hesabe_login(self, hesabe: Hesabe) -> None:
        response = hesabe.http.post("/api/v1/login", json={"username": "a\x00", "password": "b"})
        assert response.status_code == 506
        assert response.json()["response"]["errors"][0]["field"] == "username"

    def test_in_a_hesabe_path(self, hesabe: Hesabe) -> None:
        response = hesabe.send("PUT", "/api/v1/invoice/abc%00def", {"statusId": "3"})
        assert response.status_code == 404

    def test_in_a_hesabe_query(self, hesabe: Hesabe) -> None:
        response = hesabe.send("GET", "/api/v1/invoice-dashboard", query={"search": "a\x00"})
        assert response.status_code == 506
        assert response.json()["response"]["errors"][0]["field"] == "search"

    def test_in_a_bulk_upload_row(self, hesabe: Hesabe) -> None:
        rows = "reference_number,name,phone,email,amount,description\nR-1,A\x00,96566666666,,1,x"
        payload = {
            "isScheduled": "0",
            "fileType": "csv",
            "invoices": base64.b64encode(rows.encode()).decode(),
        }
        response = hesabe.send("POST", "/api/v1/invoice-bulk-upload", payload)
        assert response.status_code == 506, response.text
        assert response.json()["response"]["errors"][0]["line"] == 2
