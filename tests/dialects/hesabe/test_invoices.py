"""The encrypted invoice routes: create, get, dashboard, cancel; envelope and tenancy errors."""

import json
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.dialects.hesabe.wire import INVALID_REQUEST, NOT_FOUND, Hesabe, encrypt
from tests.fixtures.server import Server, fawtara

NEXT_MONTH = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()


def invoice_payload(**changes: Any) -> dict[str, Any]:
    payload = {
        "mobileNumber": "66666666",
        "customerName": "TEST",
        "referenceNumber": "1234",
        "amount": "280.000",
        "countryCode": "+965",
        "invoiceType": "1",
        "invoiceSubType": "0",
        "description": "Invoice testing",
        "customerEmail": "test@gmail.com",
        "allocatePayType": [1, 2],
        "itemsList": [],
        "subscription": "0",
        "language": "en",
        "expiresAt": NEXT_MONTH,
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not None}


def create(hesabe: Hesabe, **changes: Any) -> dict[str, Any]:
    answer = hesabe.call("POST", "/api/v1/invoice", invoice_payload(**changes))
    assert answer["status"] is True
    created: dict[str, Any] = answer["response"]
    return created


class TestCreate:
    def test_creates_an_invoice_and_answers_id_token_and_url(self, hesabe: Hesabe) -> None:
        answer = hesabe.call("POST", "/api/v1/invoice", invoice_payload())
        assert answer["message"] == "Invoice created successfully"
        created = answer["response"]
        assert set(created) == {"id", "token", "url"}
        assert created["url"] == f"https://invoices.example.test/i/{created['token']}"
        invoice = hesabe.call("GET", f"/api/v1/invoice/{created['id']}")["response"]
        assert invoice["amount"] == "280.000"
        assert invoice["reference_number"] == "1234"
        assert invoice["invoice_type"] == "1"
        assert invoice["invoice_sub_type"] == "0"
        assert invoice["invoice_status"] == 0
        assert invoice["language"] == "en"
        assert invoice["expires_at"] == NEXT_MONTH
        assert invoice["allocate_pay_type"] == "1,2"
        assert invoice["token"] == created["token"]
        assert len(invoice["access_key"]) == 16
        assert invoice["customer"] == {
            "name": "TEST",
            "email": "test@gmail.com",
            "phone_number": "+96566666666",
        }
        assert invoice["products"] == [
            {"name": "Invoice testing", "quantity": "1", "price": "280.000"}
        ]
        assert invoice["payments"] == []
        assert datetime.strptime(invoice["created_at"], "%Y-%m-%d %H:%M:%S")

    def test_items_list_becomes_the_products_and_must_add_up(self, hesabe: Hesabe) -> None:
        items = [
            {"name": "Chair", "quantity": 2, "price": "100.000"},
            {"name": "Desk", "quantity": "1", "price": "80.000"},
        ]
        created = create(hesabe, itemsList=items)
        invoice = hesabe.call("GET", f"/api/v1/invoice/{created['id']}")["response"]
        assert [p["name"] for p in invoice["products"]] == ["Chair", "Desk"]
        assert invoice["amount"] == "280.000"
        wrong = hesabe.send("POST", "/api/v1/invoice", invoice_payload(itemsList=items[:1]))
        assert wrong.status_code == 506
        assert wrong.json()["response"]["errors"][0]["field"] == "amount"

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"amount": "280.0001"}, "amount"),  # KWD has 3 decimals
            ({"amount": "-1.000"}, "amount"),
            ({"amount": "abc"}, "amount"),
            ({"customerName": None}, "customerName"),
            ({"mobileNumber": "12"}, "mobileNumber"),
            ({"invoiceType": "7"}, "invoiceType"),
            ({"invoiceSubType": "9"}, "invoiceSubType"),
            ({"language": "fr"}, "language"),
            ({"expiresAt": "12-12-2026"}, "expiresAt"),
            ({"customerEmail": "not-an-email"}, "customerEmail"),
            ({"referenceNumber": "R" * 65}, "referenceNumber"),
        ],
    )
    def test_invalid_fields_are_506_naming_the_field_and_create_nothing(
        self, hesabe: Hesabe, change: dict[str, Any], field: str
    ) -> None:
        answer = hesabe.send("POST", "/api/v1/invoice", invoice_payload(**change))
        assert answer.status_code == 506
        body = answer.json()
        assert {k: body[k] for k in ("status", "code", "message")} == {
            "status": False,
            "code": 506,
            "message": "Invalid Request Data",
        }
        assert any(field in str(e) for e in body["response"]["errors"]), body
        dashboard = hesabe.call("GET", "/api/v1/invoice-dashboard")["response"]
        assert dashboard["stats"]["total_invoice_count"] == 0

    def test_an_amount_finer_than_the_currency_names_the_payloads_field(
        self, hesabe: Hesabe
    ) -> None:
        """KWD has 3 decimals: the core refuses a 4th, under the name the payload uses."""
        quick = hesabe.send("POST", "/api/v1/invoice", invoice_payload(amount="1.0001"))
        assert quick.status_code == 506
        assert quick.json()["response"]["errors"][0]["field"] == "amount"
        item = {"name": "Pen", "quantity": 1, "price": "1.0001"}
        detailed = invoice_payload(amount="1.0001", itemsList=[item])
        answer = hesabe.send("POST", "/api/v1/invoice", detailed)
        assert answer.json()["response"]["errors"][0]["field"] == "itemsList[0].price"

    def test_past_expiry_and_email_channel_without_email_are_refused(self, hesabe: Hesabe) -> None:
        past = hesabe.send("POST", "/api/v1/invoice", invoice_payload(expiresAt="2020-01-01"))
        assert past.status_code == 506
        email = invoice_payload(invoiceSubType="2", customerEmail=None)
        assert hesabe.send("POST", "/api/v1/invoice", email).status_code == 506


class TestEnvelopeErrors:
    """Every bad payload gets the same 506 body, byte for byte."""

    def _post(self, hesabe: Hesabe, data: object) -> httpx.Response:
        return hesabe.http.post(
            "/api/v1/invoice", content=json.dumps({"data": data}), headers=hesabe.headers()
        )

    def test_each_malformed_payload_gets_the_identical_body(self, hesabe: Hesabe) -> None:
        m = hesabe.merchant
        other_key = "K" * 32
        cases = {
            "not hex": "zz" * 32,
            "odd length": "abc",
            "not whole blocks": "00" * 20,
            "empty": "",
            "not a string": 12345,
            "wrong key": encrypt({"merchantCode": m.merchant_code}, other_key, m.iv),
            "not json": encrypt("x", m.secret_key, m.iv)[:-64]
            + encrypt("x", m.secret_key, m.iv)[-64:],
            "not an object": encrypt([1, 2], m.secret_key, m.iv),
            "no merchantCode": encrypt({"amount": "1.000"}, m.secret_key, m.iv),
            "foreign merchantCode": encrypt({"merchantCode": "000000"}, m.secret_key, m.iv),
        }
        bodies = set()
        for name, data in cases.items():
            answer = self._post(hesabe, data)
            assert answer.status_code == 506, name
            assert answer.json() == INVALID_REQUEST, name
            bodies.add(answer.content)
        assert len(bodies) == 1

    def test_a_body_without_data_or_not_json_is_the_same_506(self, hesabe: Hesabe) -> None:
        for content in ("", "{}", "[1]", "not json", '{"data": null}'):
            answer = hesabe.http.post("/api/v1/invoice", content=content, headers=hesabe.headers())
            assert answer.status_code == 506
            assert answer.json() == INVALID_REQUEST

    def test_a_16_byte_padded_request_is_accepted(self, hesabe: Hesabe) -> None:
        data = hesabe.seal(invoice_payload(), block=16)
        answer = self._post(hesabe, data)
        assert hesabe.opened(answer)["message"] == "Invoice created successfully"

    def test_responses_are_padded_to_32_bytes(self, hesabe: Hesabe) -> None:
        answer = hesabe.send("GET", "/api/v1/invoice-dashboard")
        raw = bytes.fromhex(answer.json()["response"])
        assert len(raw) % 32 == 0

    def test_the_access_code_must_be_the_token_merchants(
        self, hesabe: Hesabe, other_hesabe: Hesabe
    ) -> None:
        for code in (other_hesabe.merchant.access_code, "", "c333729b-d060-4b74-a49d-7686a8353481"):
            headers = {**hesabe.headers(), "accessCode": code}
            answer = hesabe.http.get(
                "/api/v1/invoice-dashboard", params={"data": hesabe.seal({})}, headers=headers
            )
            assert answer.status_code == 401
            assert answer.json() == {
                "status": False,
                "code": 401,
                "message": "Invalid access code",
                "response": None,
            }

    def test_no_bearer_token_is_401(self, hesabe: Hesabe) -> None:
        headers = {k: v for k, v in hesabe.headers().items() if k != "Authorization"}
        answer = hesabe.http.get(
            "/api/v1/invoice-dashboard", params={"data": hesabe.seal({})}, headers=headers
        )
        assert answer.status_code == 401
        assert answer.json()["status"] is False


class TestGet:
    def test_unknown_and_foreign_invoices_are_not_found(
        self, hesabe: Hesabe, other_hesabe: Hesabe
    ) -> None:
        theirs = create(other_hesabe)
        for invoice_id in (str(theirs["id"]), "999999999", "abc", "0"):
            answer = hesabe.send("GET", f"/api/v1/invoice/{invoice_id}")
            assert answer.status_code == 404
            assert answer.json() == NOT_FOUND

    def test_a_get_needs_its_payload_in_the_query(self, hesabe: Hesabe) -> None:
        created = create(hesabe)
        answer = hesabe.http.get(f"/api/v1/invoice/{created['id']}", headers=hesabe.headers())
        assert answer.status_code == 506
        assert answer.json() == INVALID_REQUEST


class TestDashboard:
    def test_stats_and_pages(self, hesabe: Hesabe) -> None:
        ids = [create(hesabe, referenceNumber=f"REF-{n}")["id"] for n in range(12)]
        cancelled = hesabe.call("GET", f"/api/v1/invoice/{ids[0]}")["response"]["token"]
        hesabe.call("PUT", f"/api/v1/invoice/{cancelled}", {"statusId": "3"})
        answer = hesabe.call("GET", "/api/v1/invoice-dashboard", query={"page": "2"})
        assert answer["message"] == "Invoice Dashboard"
        assert answer["response"]["stats"] == {
            "total_invoice_count": 12,
            "invoice_paid": 0,
            "invoice_not_paid": 11,
            "invoice_cancelled": 1,
        }
        page = answer["response"]["invoices"]
        assert set(page) == {"data", "pagination"}  # as client kits read it
        assert page["pagination"] == {
            "current_page": 2,
            "per_page": 10,
            "total": 12,
            "last_page": 2,
        }
        assert [i["id"] for i in page["data"]] == [ids[1], ids[0]]

    def test_filters(self, hesabe: Hesabe) -> None:
        create(hesabe, referenceNumber="ALPHA-1", invoiceType="0", invoiceSubType="3")
        create(hesabe, referenceNumber="BETA-2")
        today = datetime.now(UTC).date().isoformat()

        def total(**query: str) -> int:
            answer = hesabe.call("GET", "/api/v1/invoice-dashboard", query=query)
            count: int = answer["response"]["invoices"]["pagination"]["total"]
            return count

        assert total() == 2
        assert total(search="alpha") == 1
        assert total(invoiceType="0") == 1
        assert total(invoiceType="1") == 1
        assert total(fromDate=today, toDate=today) == 2
        assert total(fromDate="2020-01-01", toDate="2020-12-31") == 0
        bad = hesabe.send("GET", "/api/v1/invoice-dashboard", query={"fromDate": "31-12-2020"})
        assert bad.status_code == 506


class TestSearchIsLiteral:
    def test_pattern_characters_match_only_themselves(self, hesabe: Hesabe) -> None:
        references = {"_": "REF_1", "%": "REF%2", "\\": "REF\\3", "/": "REF/4"}
        ids = {ref: create(hesabe, referenceNumber=ref)["id"] for ref in references.values()}
        create(hesabe, referenceNumber="REF-5")
        for search, reference in references.items():
            answer = hesabe.call("GET", "/api/v1/invoice-dashboard", query={"search": search})
            page = answer["response"]["invoices"]
            assert [i["id"] for i in page["data"]] == [ids[reference]], search
            assert answer["response"]["stats"]["total_invoice_count"] == 1


class TestCancel:
    def test_status_3_cancels_by_token(self, hesabe: Hesabe) -> None:
        created = create(hesabe)
        answer = hesabe.call("PUT", f"/api/v1/invoice/{created['token']}", {"statusId": "3"})
        assert answer == {
            "status": True,
            "message": "Invoice status update successful",
            "response": None,
        }
        invoice = hesabe.call("GET", f"/api/v1/invoice/{created['id']}")["response"]
        assert invoice["invoice_status"] == 3

    def test_other_statuses_and_unknown_tokens(self, hesabe: Hesabe, other_hesabe: Hesabe) -> None:
        created = create(hesabe)
        other = hesabe.send("PUT", f"/api/v1/invoice/{created['token']}", {"statusId": "1"})
        assert other.status_code == 506
        theirs = create(other_hesabe)
        foreign = hesabe.send("PUT", f"/api/v1/invoice/{theirs['token']}", {"statusId": "3"})
        assert foreign.status_code == 404
        assert foreign.json() == NOT_FOUND


class TestOneCore:
    def test_a_hesabe_invoice_is_a_fatora_invoice(
        self, hesabe: Hesabe, server: Server, anonymous: httpx.Client
    ) -> None:
        created = create(hesabe)
        fatora = {"api_key": hesabe.merchant.api_key}
        invoice = anonymous.get(f"/v1/invoices/{created['id']}", headers=fatora).json()["invoice"]
        assert invoice["currency"] == "KWD"
        assert invoice["link"] == created["url"]
        assert invoice["client"]["email"] == "test@gmail.com"
        assert invoice["items"][0]["amount"] == 280.0
        deleted = hesabe.call("DELETE", f"/api/v1/invoice-bulk-upload/{created['id']}")
        assert deleted == {"status": True, "message": "Invoice has been deleted", "response": None}
        gone = anonymous.get(f"/v1/invoices/{created['id']}", headers=fatora)
        assert gone.status_code == 404

    def test_a_fatora_invoice_deleted_through_hesabe_writes_the_same_audit_record(
        self, hesabe: Hesabe, server: Server, anonymous: httpx.Client
    ) -> None:
        fatora = {"api_key": hesabe.merchant.api_key}
        body = {"amount": 12.5, "description": "Quick", "client": {"name": "Quick Client"}}
        made = anonymous.post("/v1/invoices", json=body, headers=fatora)
        assert made.status_code == 201, made.text
        invoice_id = made.json()["invoice"]["id"]
        hesabe.call("DELETE", f"/api/v1/invoice-bulk-upload/{invoice_id}")
        assert hesabe.send("DELETE", f"/api/v1/invoice-bulk-upload/{invoice_id}").json() == (
            NOT_FOUND
        )
        listed = subprocess.run(
            fawtara("audit", "list", "--merchant", str(hesabe.merchant.id), "--entity-id",
                    str(invoice_id), "--json"),
            env=server.env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        events = sorted(json.loads(listed.stdout), key=lambda e: e["id"])
        assert [(e["action"], e["actor"].split(":")[0]) for e in events] == [
            ("invoice.created", "api_key"),
            ("invoice.deleted", "user"),
        ]
        assert {e["entity_type"] for e in events} == {"invoice"}
