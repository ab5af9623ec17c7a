"""GET /v1/invoices/{invoice_id}: exactly the documented body."""

import subprocess
from datetime import datetime

import httpx
import pytest

from fawtara.dialects.fatora.docs import InvoiceEnvelope
from tests.dialects.fatora.wire import assert_error, create
from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server

DOCUMENTED_INVOICE_KEYS = [
    "id", "number", "currency", "terms_conditions", "note", "due_date", "date", "status",
    "type", "client", "title", "link", "items", "payments", "setting",
]  # fmt: skip


class TestGetInvoice:
    def test_documented_fields_names_and_types(self, api: httpx.Client) -> None:
        created = create(api)
        response = api.get(f"/v1/invoices/{created['id']}")
        assert response.status_code == 200
        body = response.json()
        InvoiceEnvelope.model_validate(body)  # extra="forbid": no field more, none less
        invoice = body["invoice"]
        # The documented fields in their order, then Fawtara's extensions.
        assert list(invoice) == [*DOCUMENTED_INVOICE_KEYS, "total", "amount_due"]
        assert (invoice["total"], invoice["amount_due"]) == (181.0, 31.0)
        assert body["status"] == "SUCCESS"
        assert isinstance(invoice["id"], int)
        assert invoice["number"].startswith("INV")
        assert invoice["currency"] == "QAR"
        assert invoice["note"] is None
        assert invoice["due_date"] == "2023-11-23T10:21:04"
        assert datetime.fromisoformat(invoice["date"]) == datetime.fromisoformat(
            "2023-10-24T10:21:00.904775+02:00"
        )
        assert invoice["status"] == "partially_paid"  # 150.00 paid of 181.00
        assert invoice["type"] == "Detailed invoice"
        assert invoice["client"] == {
            "id": invoice["client"]["id"],
            "name": "Client name",
            "address": "Client address",
            "phone": "Phone number",
            "email": "client@example.com",
            "notes": None,
        }
        assert invoice["title"] == "Sample Invoice"
        assert [(i["description"], i["qty"], i["amount"]) for i in invoice["items"]] == [
            ("Design", 1.0, 100.0),
            ("Hosting", 2.0, 25.5),
            ("Cable", 3.0, 10.0),
        ]
        for item in invoice["items"]:
            assert isinstance(item["id"], int)
            assert isinstance(item["qty"], float)
            assert isinstance(item["amount"], float)
        assert invoice["payments"][0] == {
            "id": invoice["payments"][0]["id"],
            "payment_date": "2023-10-10T00:00:00",
            "transaction_id": invoice["payments"][0]["transaction_id"],
            "amount": 100.0,
            "note": "external",
            "payment_type": "Credit",
            "status": "Paid",
        }
        assert invoice["payments"][0]["transaction_id"].startswith("TXN123")
        assert invoice["payments"][1]["amount"] == 50.0
        assert invoice["setting"] == {
            "tax": False,
            "discount": 0.0,
            "discount_type": "",
            "language": "ar",
            "accepted_payment_methods": {
                "card": True,
                "bank_account": True,
                "cash": True,
                "paypal": True,
                "e_signature": True,
            },
        }

    def test_floats_are_json_floats_on_the_wire(self, api: httpx.Client) -> None:
        created = create(api)
        raw = api.get(f"/v1/invoices/{created['id']}").text
        assert '"qty":1.0,"amount":100.0' in raw
        assert '"discount":0.0' in raw

    def test_link_is_an_absolute_unguessable_url(self, api: httpx.Client) -> None:
        first, second = create(api), create(api)
        prefix = "https://invoices.example.test/i/"
        assert first["link"].startswith(prefix)
        token = first["link"].removeprefix(prefix)
        assert len(token) >= 22  # at least 128 bits in URL-safe base64
        assert first["link"] != second["link"]

    def test_unknown_invoice_is_404(self, api: httpx.Client) -> None:
        assert_error(api.get("/v1/invoices/999999999"), 404, "Invoice not found")

    def test_another_merchants_invoice_is_not_found(
        self, api: httpx.Client, other_api: httpx.Client
    ) -> None:
        theirs = create(other_api)
        assert_error(api.get(f"/v1/invoices/{theirs['id']}"), 404, "Invoice not found")

    @pytest.mark.parametrize("invoice_id", ["abc", "0", "99999999999999999999"])
    def test_malformed_id_is_400_naming_it(self, api: httpx.Client, invoice_id: str) -> None:
        assert_error(api.get(f"/v1/invoices/{invoice_id}"), 400, "invoice_id")

    def test_no_credentials_is_401(self, anonymous: httpx.Client) -> None:
        assert_error(anonymous.get("/v1/invoices/1"), 401, "api_key")

    def test_wrong_api_key_is_401(self, anonymous: httpx.Client) -> None:
        response = anonymous.get(
            "/v1/invoices/1", headers={"api_key": "E4B73FEE-F492-4607-A38D-852B0EBC91C9"}
        )
        assert_error(response, 401, "Invalid API Key")


class TestSeedSamples:
    """The reference pages' curl commands, verbatim apart from the host."""

    def test_get_invoice_curl(
        self, server: Server, api: httpx.Client, merchant: MerchantCredentials
    ) -> None:
        invoice_id = create(api)["id"]
        # From the Get Invoice page (its trailing backslash continues into nothing).
        result = subprocess.run(
            [
                "curl", "--location", "--request", "GET", f"{server.url}/v1/invoices/{invoice_id}",
                "--header", f"api_key: {merchant.api_key}",
                "--header", "Content-Type: application/json",
                "--silent", "--write-out", "\n%{http_code}",
            ],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        body, status = result.stdout.rsplit("\n", 1)
        assert status == "200"
        assert InvoiceEnvelope.model_validate_json(body).invoice.id == invoice_id

    def test_delete_invoice_curl_with_bearer_token(
        self, server: Server, api: httpx.Client, merchant: MerchantCredentials
    ) -> None:
        invoice_id = create(api, payments=[])["id"]
        url = f"{server.url}/v1/invoices/{invoice_id}"
        token = api.post("/v1/Authorization/Authorize").json()["bearer_token"]
        # From the Delete Invoice page: a bodiless DELETE that still sends Content-Type.
        result = subprocess.run(
            [
                "curl", "--location", "--request", "DELETE", url,
                "--header", f"Authorization: Bearer {token}",
                "--header", "Content-Type: application/json",
                "--silent", "--write-out", "%{http_code}",
            ],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert result.stdout == "204"
        assert api.get(f"/v1/invoices/{invoice_id}").status_code == 404
