"""Replays the requests of the public Hesabe client kit (ruptyx/hesabe-python, read from its
source; none of its code is used) for every Hesabe-style call Fawtara offers, and reads each
answer the way the kit reads it.

What the kit does on the wire, in short:
- login and token refresh: plain JSON (`json.dumps`, default separators), no accessCode; the
  token is read from the envelope's `response` (or `data`) as `token.access_token`;
- every other call: `accessCode` and `Authorization: Bearer` headers; the payload, with
  `merchantCode` written last, is compact JSON, padded to 32 bytes, AES-256-CBC, lowercase hex;
  GET sends it as `?data=` beside plain query parameters, other methods as `{"data": hex}`;
- an answer is opened by sniffing: a bare hex body, a JSON hex string, or a JSON object whose
  `response` is hex are decrypted; any other JSON object is the envelope itself;
- `status: false` is an error, whose field errors are the lists in the envelope's `data`;
  a status of 300 or more is an error too; otherwise the result is `response`, else `data`.
"""

import base64
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server

_HEX = re.compile(r"^[0-9a-fA-F]+\Z")


class KitError(Exception):
    def __init__(self, status: int, envelope: dict[str, Any]) -> None:
        super().__init__(envelope.get("message"))
        self.status = status
        self.code = envelope.get("code")
        data = envelope.get("data")
        lists = isinstance(data, dict) and any(isinstance(v, list) for v in data.values())
        self.field_errors = (
            {k: v for k, v in data.items() if isinstance(v, list)}
            if isinstance(data, dict) and lists
            else {}
        )


def _is_hex(text: str) -> bool:
    return len(text) > 0 and len(text) % 2 == 0 and bool(_HEX.match(text))


class KitWire:
    """The kit's transport and session, as its source describes them."""

    def __init__(self, server: Server, merchant: MerchantCredentials) -> None:
        self.base = server.url.rstrip("/")
        self.merchant = merchant
        self.http = httpx.Client(follow_redirects=False)  # the kit refuses redirects
        self.bearer: str | None = None
        self.refresh_token: str | None = None

    def _cipher(self) -> Cipher[modes.CBC]:
        m = self.merchant
        return Cipher(algorithms.AES(m.secret_key.encode()), modes.CBC(m.iv.encode()))

    def encrypt(self, payload: Any) -> str:
        plain = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
        n = 32 - len(plain) % 32
        encryptor = self._cipher().encryptor()
        return (encryptor.update(plain + bytes([n]) * n) + encryptor.finalize()).hex()

    def decrypt(self, text: str) -> Any:
        decryptor = self._cipher().decryptor()
        padded = decryptor.update(bytes.fromhex(text.strip())) + decryptor.finalize()
        n = padded[-1]
        assert 1 <= n <= 32, "padding"
        assert padded[-n:] == bytes([n]) * n, "padding"
        return json.loads(padded[:-n].decode())

    def _envelope(self, raw: str, encrypted: bool) -> dict[str, Any]:
        trimmed = raw.strip()
        if encrypted and _is_hex(trimmed):
            opened: dict[str, Any] = self.decrypt(trimmed)
            return opened
        parsed = json.loads(trimmed)
        if isinstance(parsed, str) and _is_hex(parsed):
            return dict(self.decrypt(parsed))
        assert isinstance(parsed, dict), f"the kit cannot read {trimmed[:200]}"
        nested = parsed.get("response")
        if isinstance(nested, str) and _is_hex(nested):
            return dict(self.decrypt(nested))
        return parsed

    def request(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        *,
        encrypted: bool = True,
    ) -> Any:
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": "hesabe-python/1.2.0",
        }
        if encrypted:
            headers["accessCode"] = self.merchant.access_code
            assert self.bearer is not None
            headers["Authorization"] = f"Bearer {self.bearer}"
            payload = {**(payload or {}), "merchantCode": self.merchant.merchant_code}
        params: dict[str, str] = {}
        if encrypted and method == "GET":
            params["data"] = self.encrypt(payload)
        params.update({k: str(v) for k, v in (query or {}).items() if v is not None})
        url = f"{self.base}/{path.lstrip('/')}" + (f"?{urlencode(params)}" if params else "")
        body = None
        if method != "GET" and payload is not None:
            sent = {"data": self.encrypt(payload)} if encrypted else payload
            body = json.dumps(sent).encode()
        response = self.http.request(method, url, headers=headers, content=body)
        envelope = self._envelope(response.content.decode("utf-8", "replace"), encrypted)
        if envelope.get("status") is False or response.status_code >= 300:
            raise KitError(response.status_code, envelope)
        result = envelope.get("response")
        return envelope.get("data") if result is None else result

    def sign_in(self, username: str, password: str) -> None:
        body = {"username": username, "password": password}
        self._keep(self.request("POST", "api/v1/login", body, encrypted=False))

    def refresh(self) -> None:
        body = {"refreshToken": self.refresh_token}
        self._keep(self.request("POST", "api/v1/token-refresh", body, encrypted=False))

    def _keep(self, result: Any) -> None:
        token = (result or {}).get("token") or {}
        assert token.get("access_token"), result
        assert float(token.get("expires_in", 900)) > 60  # the kit refreshes 60 s ahead
        self.bearer, self.refresh_token = token["access_token"], token.get("refresh_token")


@pytest.fixture
def kit(server: Server, hesabe_merchant: MerchantCredentials) -> Iterator[KitWire]:
    wire = KitWire(server, hesabe_merchant)
    try:
        assert hesabe_merchant.username is not None
        wire.sign_in(hesabe_merchant.username, hesabe_merchant.password)
        yield wire
    finally:
        wire.http.close()


def _readme_invoice(**changes: Any) -> dict[str, Any]:
    """invoices.create of the kit's README, as its _to_payload spells it."""
    payload = {
        "amount": "20.000",
        "invoiceType": "1",
        "customerName": "Ahmed",
        "mobileNumber": "66666666",
        "countryCode": "965",
        "allocatePayType": "1,2",
    }
    return {**payload, **changes}


class TestSession:
    def test_login_and_refresh(self, kit: KitWire) -> None:
        first = kit.bearer
        kit.refresh()
        assert kit.bearer
        assert kit.bearer != first
        assert kit.request("GET", "api/v1/invoice-dashboard", query={"page": 1})["stats"]


class TestInvoices:
    def test_create_retrieve_list_cancel(self, kit: KitWire) -> None:
        created = kit.request("POST", "api/v1/invoice", _readme_invoice())
        assert created["url"].endswith(created["token"])
        assert isinstance(created["id"], int)
        invoice = kit.request("GET", f"api/v1/invoice/{created['id']}")
        assert (invoice["amount"], invoice["invoice_status"]) == ("20.000", 0)
        query = {"page": 1, "fromDate": "2025-01-01", "toDate": "2099-12-31"}
        page_body = kit.request("GET", "api/v1/invoice-dashboard", query=query)
        page = page_body.get("invoices") or {}  # invoices.list reads these three
        assert isinstance(page["data"], list)
        assert page["pagination"]
        assert page["pagination"]["total"] == 1
        assert page_body["stats"]["total_invoice_count"] == 1
        token = quote(created["token"], safe="")
        kit.request("PUT", f"api/v1/invoice/{token}", {"statusId": "3"})
        assert kit.request("GET", f"api/v1/invoice/{created['id']}")["invoice_status"] == 3

    def test_items_as_the_kit_sends_them(self, kit: KitWire) -> None:
        items = [
            {"name": "Chair", "quantity": 2, "rate": "5.000", "amount": "10.000"},
            {"name": "Lamp", "quantity": 1, "rate": "2.500", "amount": "2.500"},
        ]
        payload = _readme_invoice(
            amount="12.500",
            itemsList=items,
            expiresAt="2099-01-31",
            referenceNumber="KIT-1",
            customerEmail="a@example.com",
            description="Rent",
            language="ar",
            webhook="https://x.test/h",
        )
        created = kit.request("POST", "api/v1/invoice", payload)
        invoice = kit.request("GET", f"api/v1/invoice/{created['id']}")
        assert [p["price"] for p in invoice["products"]] == ["5.000", "2.500"]
        assert (invoice["expires_at"], invoice["language"]) == ("2099-01-31", "ar")

    def test_field_errors_are_read_from_data(self, kit: KitWire) -> None:
        item = {"name": "A", "quantity": 1, "rate": "20.000", "amount": "20.000"}
        payload = _readme_invoice(amount="19.999", itemsList=[item])
        with pytest.raises(KitError) as refused:
            kit.request("POST", "api/v1/invoice", payload)
        assert (refused.value.status, refused.value.code) == (506, 506)
        assert list(refused.value.field_errors) == ["amount"]

    def test_an_unknown_invoice_is_an_error(self, kit: KitWire) -> None:
        with pytest.raises(KitError) as missing:
            kit.request("GET", "api/v1/invoice/999999999")
        assert missing.value.status == 404


class TestBulkInvoices:
    def test_upload_list_update_remove(self, kit: KitWire) -> None:
        csv = (
            "reference_number,name,phone,email,amount,description\n"
            "B-1,Salman,96566666666,s@example.com,3.750,Tea\n"
        )
        upload = {
            "isScheduled": "false",
            "fileType": "csv",
            "invoices": base64.b64encode(csv.encode()).decode(),
        }
        kit.request("POST", "api/v1/invoice-bulk-upload", upload)
        listed = kit.request("GET", "api/v1/invoice-bulk-upload/", {"type": "0"}, {"page": 1})
        (row,) = listed["data"]
        changes = {
            "amount": "4.000",
            "name": "Salman A",
            "email": "sa@example.com",
            "phone": "96555555555",
            "reference_number": "B-2",
        }
        updated = kit.request("PUT", f"api/v1/invoice-bulk-upload/{row['id']}", changes)
        assert (updated["amount"], updated["reference_number"]) == ("4.000", "B-2")
        assert kit.request("DELETE", f"api/v1/invoice-bulk-upload/{row['id']}", {}) is None
        with pytest.raises(KitError):
            kit.request("GET", f"api/v1/invoice/{row['id']}")
